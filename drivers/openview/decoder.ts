/**
 * OpenView byte stream -> driver events: frames (framer.ts) -> data packets (packet.ts) ->
 * SampleBlocks of `blockSamples` samples for ECG, respiration (BioZ), PPG red and IR, plus
 * numeric vitals once a second. Transport-free so the same code serves the serial driver,
 * the fuzz test and the benchmark.
 */
import type { Clock } from '../../src/core/clock.ts';
import type { ChannelInfo, DriverEvent, MetricName } from '../contract.ts';
import { OpenViewFramer } from './framer.ts';
import { OPENVIEW_TYPE_DATA, decodeDataPayload, newOpenViewSample, openViewLength } from './packet.ts';

export interface OpenViewDecoderOptions {
  deviceId: string;
  /** Packets per second (one sample of every channel per packet). */
  sampleRate: number;
  /** Samples per emitted block. */
  blockSamples: number;
  /** ADC units per mV of the ECG channel. */
  ecgGain: number;
  /** ADC units per ohm of the BioZ (respiration) channel. */
  respGain: number;
  /** Degrees Celsius per temperature count (HealthyPi 5: 0.01). */
  tempScale: number;
  /** |ECG| at or beyond this raw value for 200 ms means electrodes off (null: not detected here). */
  leadOffRail: number | null;
  maxPayload?: number;
}

export interface OpenViewDecoderStats {
  frames: number;
  dataPackets: number;
  unknownType: number;
  shortPayload: number;
  droppedBytes: number;
  badFrames: number;
}

const CHANNEL_COUNT = 4;

export class OpenViewDecoder {
  private readonly framer: OpenViewFramer;
  private readonly sample = newOpenViewSample();
  private readonly channels: readonly ChannelInfo[];
  private data: Int32Array[] = [];
  private fill = 0;
  private seq = 0;
  private sampleIndex = 0;
  private pendingGap = 0;
  private sinceVitals = 0;
  private leadOffRun = 0;
  private leadOnRun = 0;
  private leadOff = false;
  private readonly leadOffSamples: number;
  readonly stats: OpenViewDecoderStats = { frames: 0, dataPackets: 0, unknownType: 0, shortPayload: 0, droppedBytes: 0, badFrames: 0 };

  constructor(
    private readonly opts: OpenViewDecoderOptions,
    private readonly emit: (ev: DriverEvent) => void,
    private readonly clock: Clock,
  ) {
    this.framer = new OpenViewFramer((type, payload) => this.onFrame(type, payload), opts.maxPayload ?? 512, openViewLength);
    const fs = opts.sampleRate;
    this.channels = [
      { name: 'ECG', units: 'mV', gain: opts.ecgGain, baseline: 0, sampleRate: fs },
      { name: 'RESP', units: 'Ohm', gain: opts.respGain, baseline: 0, sampleRate: fs },
      { name: 'PPG_RED', units: 'adu', gain: 1, baseline: 0, sampleRate: fs },
      { name: 'PPG_IR', units: 'adu', gain: 1, baseline: 0, sampleRate: fs },
    ];
    // 200 ms of railed signal: long enough to ignore a single clipped QRS.
    this.leadOffSamples = Math.max(1, Math.round(0.2 * fs));
    this.newBlock();
  }

  push(bytes: Uint8Array): void {
    this.framer.push(bytes);
    const f = this.framer.stats;
    this.stats.frames = f.frames;
    this.stats.droppedBytes = f.droppedBytes;
    this.stats.badFrames = f.badFrames;
  }

  /** Emit the partial block now (on disconnect or close). */
  flush(): void {
    if (this.fill > 0) this.emitBlock();
  }

  /**
   * The link dropped: flush what we have, discard a half-received frame, and mark that an
   * unknown number of samples is missing before the next block.
   */
  linkLost(): void {
    this.flush();
    this.framer.reset();
    this.stats.droppedBytes = this.framer.stats.droppedBytes;
    this.pendingGap = -1;
  }

  private newBlock(): void {
    this.data = [];
    for (let c = 0; c < CHANNEL_COUNT; c++) this.data.push(new Int32Array(this.opts.blockSamples));
    this.fill = 0;
  }

  private onFrame(type: number, payload: Uint8Array): void {
    if (type !== OPENVIEW_TYPE_DATA) {
      this.stats.unknownType++;
      return;
    }
    const s = this.sample;
    if (!decodeDataPayload(payload, s)) {
      this.stats.shortPayload++;
      return;
    }
    this.stats.dataPackets++;
    const i = this.fill;
    (this.data[0] as Int32Array)[i] = s.ecg;
    (this.data[1] as Int32Array)[i] = s.bioz;
    (this.data[2] as Int32Array)[i] = s.ppgRed;
    (this.data[3] as Int32Array)[i] = s.ppgIr;
    this.fill = i + 1;
    if (this.opts.leadOffRail !== null) this.trackLeadOff(s.ecg);
    if (++this.sinceVitals >= this.opts.sampleRate) {
      this.sinceVitals = 0;
      this.emitVitals();
    }
    if (this.fill === this.opts.blockSamples) this.emitBlock();
  }

  private trackLeadOff(ecg: number): void {
    const railed = Math.abs(ecg) >= (this.opts.leadOffRail as number);
    if (railed) {
      this.leadOnRun = 0;
      if (!this.leadOff && ++this.leadOffRun >= this.leadOffSamples) {
        this.leadOff = true;
        this.emitStatus('lead-off');
      }
    } else {
      this.leadOffRun = 0;
      if (this.leadOff && ++this.leadOnRun >= this.leadOffSamples) {
        this.leadOff = false;
        this.emitStatus('lead-on');
      }
    }
  }

  private emitStatus(state: 'lead-off' | 'lead-on'): void {
    this.emit({
      kind: 'status',
      deviceId: this.opts.deviceId,
      state,
      hubTimeMs: this.clock.monotonicMs(),
      wallTimeMs: this.clock.wallMs(),
    });
  }

  private emitBlock(): void {
    const n = this.fill;
    const fs = this.opts.sampleRate;
    // The last sample arrived now; earlier ones are spaced by the sample period.
    const back = ((n - 1) * 1000) / fs;
    const data = n === this.opts.blockSamples ? this.data : this.data.map((a) => a.slice(0, n));
    const gap = this.pendingGap;
    this.emit({
      kind: 'samples',
      deviceId: this.opts.deviceId,
      seq: this.seq++,
      firstSample: this.sampleIndex,
      gap: gap < 0 ? -1 : gap,
      channels: this.channels,
      data,
      length: n,
      deviceTimeMs: null,
      hubTimeMs: this.clock.monotonicMs() - back,
      wallTimeMs: this.clock.wallMs() - back,
    });
    this.pendingGap = 0;
    this.sampleIndex += n;
    this.newBlock();
  }

  private emitVitals(): void {
    const s = this.sample;
    const hub = this.clock.monotonicMs();
    const wall = this.clock.wallMs();
    // Zero means "not measured" on this board; SpO2 above 100 % is not a valid reading.
    this.vital('hr', s.hr > 0 ? s.hr : null, '/min', hub, wall);
    this.vital('spo2', s.spo2 > 0 && s.spo2 <= 100 ? s.spo2 : null, '%', hub, wall);
    this.vital('resp_rate', s.respRate > 0 ? s.respRate : null, '/min', hub, wall);
    this.vital('temp', s.temp !== 0 ? Math.round(s.temp * this.opts.tempScale * 100) / 100 : null, 'Cel', hub, wall);
  }

  private vital(metric: MetricName, value: number | null, unit: string, hub: number, wall: number): void {
    this.emit({ kind: 'measurement', deviceId: this.opts.deviceId, metric, value, unit, deviceTimeMs: null, hubTimeMs: hub, wallTimeMs: wall });
  }
}
