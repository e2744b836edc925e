/**
 * The bedside side of the running hub: gathers what the nurse sees (latest vitals, device
 * states, the ECG to draw, alarms) from the pipeline and the alarm manager, and implements the
 * LiveSource contract the bedside view reads (src/api/live.ts). It feeds vital signs to the
 * alarm manager's limit checks, so the view and the alarms see the same values.
 *
 * The ECG for drawing is decimated to at most 250 Hz and scaled to mV only while someone is
 * watching; with no viewer a block costs one comparison here.
 */
import type { Measurement, MetricName, SampleBlock } from '../../drivers/contract.ts';
import type { AlarmLogStore } from '../alarms/alarm-log.ts';
import type { AlarmManager } from '../alarms/manager.ts';
import type {
  AlarmLogEntry, ControlResult, DeviceView, LiveEvent, LiveSnapshot, LiveSource, VitalValue, Vitals,
} from '../api/live.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';

const MAX_DRAW_HZ = 250;

type VitalKey = 'hr' | 'spo2' | 'pulseRate' | 'resp' | 'temp';
const METRIC_TO_VITAL: Partial<Record<MetricName, VitalKey>> = {
  hr: 'hr', spo2: 'spo2', pulse_rate: 'pulseRate', resp_rate: 'resp', temp: 'temp',
};

export interface LiveHubOptions {
  readonly hub: { readonly id: string; readonly bed: string };
  readonly patient: { readonly paced: boolean };
  readonly clock: Clock;
  readonly alarms: AlarmManager;
  readonly alarmLog: AlarmLogStore;
  readonly logger: Logger;
}

export class LiveHub implements LiveSource {
  private readonly listeners = new Set<(ev: LiveEvent) => void>();
  private readonly devices = new Map<string, DeviceView>();
  private vitals: { -readonly [K in keyof Vitals]: Vitals[K] } = { hr: null, spo2: null, pulseRate: null, resp: null, temp: null, nibp: null };
  /** Whether the ECG HR comes from the analysis (preferred over a device's own HR number). */
  private ecgHr = false;
  private ecg: LiveSnapshot['ecg'] = null;
  private nibpParts: { sys: number | null; dia: number | null; map: number | null; atMs: number; deviceId: string } | null = null;

  constructor(private readonly opts: LiveHubOptions) {
    opts.alarms.subscribe((ev) => {
      if (ev.type === 'alarms') this.emit({ type: 'alarms', alarms: ev.alarms, audio: ev.audio });
      else if (ev.type === 'log') this.emit({ type: 'alarm-log', entry: ev.entry });
    });
  }

  // ---- fed by the composition root ------------------------------------------------------

  device(id: string, kind: string, state: string, sinceMs: number, detail: string | null): void {
    this.devices.set(id, { id, kind, state, sinceMs, detail });
    this.emit({ type: 'devices', devices: [...this.devices.values()] });
  }

  /** An ECG block: drawn by the first device that delivers mV channels. */
  block(b: SampleBlock): void {
    if (this.ecg !== null && this.ecg.deviceId !== b.deviceId) return;
    const leadIdx: number[] = [];
    b.channels.forEach((c, i) => {
      if (c.units === 'mV') leadIdx.push(i);
    });
    if (leadIdx.length === 0) return;
    const fs = b.channels[leadIdx[0] as number]?.sampleRate ?? 0;
    const step = Math.max(1, Math.ceil(fs / MAX_DRAW_HZ));
    if (this.ecg === null) this.ecg = { deviceId: b.deviceId, sampleRate: fs / step, leads: leadIdx.map((i) => b.channels[i]?.name ?? '?') };
    if (this.listeners.size === 0) return;
    // First sample of this block on the decimation grid of the stream (continues across blocks).
    const first = (step - ((b.firstSample % step) || step)) % step;
    const data = leadIdx.map((ci) => {
      const c = b.channels[ci];
      const src = b.data[ci];
      const out: number[] = [];
      if (c === undefined || src === undefined) return out;
      // Decimation by picking every step-th sample: the view draws at screen resolution, where
      // 250 Hz at 25 mm/s is already 10 samples per mm.
      for (let i = first; i < b.length; i += step) out.push(Math.round(((src[i] as number) - c.baseline) / c.gain * 1000) / 1000);
      return out;
    });
    this.emit({ type: 'wave', deviceId: b.deviceId, sampleRate: fs / step, wallTimeMs: b.wallTimeMs + (first * 1000) / fs, leads: this.ecg.leads, data });
  }

  /** HR from the ECG analysis (monitor average). */
  ecgHeartRate(deviceId: string, bpm: number | null, atMs: number): void {
    this.ecgHr = true;
    // No rate (asystole, no beats, unanalyzable): the number goes blank rather than showing
    // the last rate next to an asystole alarm.
    this.vitals.hr = bpm === null || !Number.isFinite(bpm) ? null : { value: Math.round(bpm), unit: '/min', atMs, deviceId };
    this.emit({ type: 'vitals', vitals: { ...this.vitals } });
  }

  measurement(m: Measurement): void {
    this.opts.alarms.observe(m.metric, m.deviceId, m.value);
    if (m.value === null) return;
    const v: VitalValue = { value: m.value, unit: m.unit, atMs: m.wallTimeMs, deviceId: m.deviceId };
    const key = METRIC_TO_VITAL[m.metric];
    if (key !== undefined) {
      if (key === 'hr' && this.ecgHr) return;
      this.vitals[key] = v;
    } else if (m.metric === 'nibp_sys' || m.metric === 'nibp_dia' || m.metric === 'nibp_map') {
      // A cuff reports the three pressures of one reading together (same timestamp).
      const p = this.nibpParts !== null && this.nibpParts.deviceId === m.deviceId && Math.abs(this.nibpParts.atMs - m.wallTimeMs) < 2000
        ? this.nibpParts
        : { sys: null, dia: null, map: null, atMs: m.wallTimeMs, deviceId: m.deviceId };
      if (m.metric === 'nibp_sys') p.sys = m.value;
      else if (m.metric === 'nibp_dia') p.dia = m.value;
      else p.map = m.value;
      this.nibpParts = p;
      if (p.sys === null || p.dia === null) return;
      this.vitals.nibp = { sys: p.sys, dia: p.dia, map: p.map, unit: m.unit, atMs: p.atMs, deviceId: p.deviceId };
    } else {
      return;
    }
    this.emit({ type: 'vitals', vitals: { ...this.vitals } });
  }

  // ---- LiveSource -------------------------------------------------------------------------

  snapshot(): LiveSnapshot {
    return {
      hub: this.opts.hub,
      patient: this.opts.patient,
      nowMs: this.opts.clock.wallMs(),
      devices: [...this.devices.values()],
      vitals: { ...this.vitals },
      alarms: this.opts.alarms.alarms(),
      audio: this.opts.alarms.audio(),
      ecg: this.ecg,
    };
  }

  subscribe(listener: (ev: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  acknowledge(alarmId: string | null, by: string): Promise<ControlResult> {
    return Promise.resolve(this.opts.alarms.acknowledge(alarmId, by));
  }

  pauseAudio(by: string): Promise<ControlResult> {
    return Promise.resolve(this.opts.alarms.pauseAudio(by));
  }

  alarmLog(opts: { limit: number; beforeSeq?: number }): Promise<AlarmLogEntry[]> {
    return this.opts.alarmLog.read(opts);
  }

  private emit(ev: LiveEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (e: unknown) {
        this.opts.logger.error('live listener failed', { err: e });
      }
    }
  }
}
