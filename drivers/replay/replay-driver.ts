/**
 * WFDB replay: plays a recorded WFDB record (e.g. MIT-BIH) as if it were a live device, so
 * the whole hub (pipeline, detectors, alarms, store) can run on reference recordings.
 *
 * Pacing: block i is emitted when its last sample would have been acquired, at
 * t0 + samplesSoFar / fs / speed, computed from the absolute start time on the injected
 * clock (never by chaining fixed delays, so timer lateness does not accumulate as drift).
 * A late timer emits every block that is due at once. `speed` 0 or Infinity means "as fast
 * as the consumer pulls": blocks are produced ahead of the consumer up to a small queue
 * high-water mark, so nothing is dropped; hubTimeMs is then the time of emission.
 *
 * Lifecycle (chosen and documented): open() emits `connected`. close() emits `closed` and
 * ends the stream. When a non-looping record ends, the driver emits `disconnected` with
 * detail "end of record", then `closed`, and ends the stream by itself (a later close() is
 * a no-op), so `for await` over events() finishes at the end of the record.
 *
 * Blocks never straddle the end of the record: the last block may be short; with `loop`
 * the next block starts again at record sample 0 (deviceTimeMs goes back to 0, while
 * firstSample and seq keep counting).
 */
import { setImmediate, clearImmediate } from 'node:timers';
import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { AsyncChannel, pullStream } from '../../src/core/channel.ts';
import { VigilError, errorMessage } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { silentLogger } from '../../src/core/log.ts';
import { effectiveGain } from '../../src/wfdb/header.ts';
import { loadRecordSource, type RecordSource } from '../../src/wfdb/record.ts';
import { RecordDecoder } from '../../src/wfdb/signals.ts';
import type { ChannelInfo, DeviceState, Driver, DriverEvent, DriverStats, SampleBlock } from '../contract.ts';
import { emptyStats } from '../contract.ts';

export interface WfdbReplayOptions {
  deviceId: string;
  /** Record path without extension (reads `<record>.hea` and its data files), or a loaded source. */
  record: string | RecordSource;
  /** Block duration in ms (default 100). Rounded to whole samples, at least one. */
  blockMs?: number;
  /** Playback speed factor (default 1 = real time); 0 or Infinity = as fast as consumed. */
  speed?: number;
  /** Start again at the beginning when the record ends (default false). */
  loop?: boolean;
}

export interface WfdbReplayDeps {
  clock: Clock;
  logger?: Logger;
  /** Queue bound for the consumer (events). */
  queueCapacity?: number;
}

/** Most blocks produced ahead of the consumer in as-fast-as-possible mode. */
const FAST_AHEAD_MAX = 64;

export class WfdbReplayDriver implements Driver {
  readonly kind = 'wfdb-replay';
  readonly id: string;
  private readonly channel: AsyncChannel<DriverEvent>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly speed: number;
  private readonly fast: boolean;
  private readonly loop: boolean;
  /** Queue length up to which fast mode produces (half the queue, so status events still fit). */
  private readonly highWater: number;
  private readonly counters: DriverStats = emptyStats();
  private decoder: RecordDecoder | null = null;
  private channels: readonly ChannelInfo[] = [];
  private fs = 0;
  private blockSamples = 0;
  private recordFrames = 0;
  /** Next record frame to emit. */
  private pos = 0;
  /** Samples per channel emitted since open (the stream index of the next block). */
  private emitted = 0;
  private seq = 0;
  private t0 = 0;
  private wall0 = 0;
  private timer: TimerHandle | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;
  private waitingForPull = false;
  private started = false;
  private ended = false;

  constructor(
    private readonly opts: WfdbReplayOptions,
    deps: WfdbReplayDeps,
  ) {
    this.id = opts.deviceId;
    this.clock = deps.clock;
    this.log = (deps.logger ?? silentLogger).child({ device: opts.deviceId });
    this.channel = new AsyncChannel<DriverEvent>(deps.queueCapacity ?? 8192);
    this.highWater = Math.max(1, Math.min(FAST_AHEAD_MAX, Math.floor(this.channel.capacity / 2)));
    const speed = opts.speed ?? 1;
    if (!(speed >= 0)) throw new VigilError('VIGIL_USAGE', `replay speed must be >= 0, got ${speed}`);
    this.speed = speed;
    const blockMs = opts.blockMs ?? 100;
    if (!(blockMs > 0 && Number.isFinite(blockMs))) throw new VigilError('VIGIL_USAGE', `replay blockMs must be > 0, got ${blockMs}`);
    this.fast = speed === 0 || speed === Infinity;
    this.loop = opts.loop ?? false;
  }

  /** The event stream. In fast mode, each pull lets the producer refill the queue. */
  events(): AsyncIterable<DriverEvent> {
    // The consumer leaving the loop stops producing and ends the stream.
    return pullStream(this.channel, () => this.onPulled(), () => void this.close());
  }

  stats(): DriverStats {
    return { ...this.counters, overflow: this.channel.dropped };
  }

  /**
   * Loads the record and starts playing. Rejects with VIGIL_DRIVER_OPEN_FAILED (the WFDB
   * error, e.g. VIGIL_WFDB_FILE_MISSING, as `cause` and `details.cause`) when the record
   * cannot be read or has signals of different rates.
   */
  async open(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      const src = typeof this.opts.record === 'string' ? await loadRecordSource(this.opts.record) : this.opts.record;
      this.prepare(src);
    } catch (e: unknown) {
      // The record cannot be played: end the (empty) stream so consumers finish.
      this.ended = true;
      this.channel.close();
      const code = e instanceof VigilError ? e.code : undefined;
      throw new VigilError('VIGIL_DRIVER_OPEN_FAILED', `WFDB replay ${this.id}: ${errorMessage(e)}`, { cause: e, details: { cause: code } });
    }
    this.t0 = this.clock.monotonicMs();
    this.wall0 = this.clock.wallMs();
    this.setState('connected');
    if (this.fast) this.scheduleFast();
    else this.scheduleNext();
  }

  async close(): Promise<void> {
    if (!this.started || this.ended) return;
    this.finish(null);
  }

  private prepare(src: RecordSource): void {
    const h = src.header;
    if (h.signals.length === 0) throw new VigilError('VIGIL_WFDB_SIGNAL_INVALID', `record ${h.recordName} has no signals`);
    if (h.signals.some((s) => s.samplesPerFrame !== 1)) {
      // A SampleBlock carries one rate for all channels.
      throw new VigilError('VIGIL_WFDB_FORMAT_UNSUPPORTED', `record ${h.recordName} has multi-rate signals`);
    }
    this.decoder = new RecordDecoder(h, src.files);
    this.recordFrames = this.decoder.usableFrames;
    if (this.recordFrames === 0) throw new VigilError('VIGIL_WFDB_SIGNAL_INVALID', `record ${h.recordName} has no samples`);
    if (this.decoder.frames < this.decoder.expectedFrames) {
      this.log.warn('record data shorter than header', { frames: this.decoder.frames, expected: this.decoder.expectedFrames });
    }
    this.fs = h.samplingFrequency;
    this.blockSamples = Math.max(1, Math.round(((this.opts.blockMs ?? 100) * this.fs) / 1000));
    this.channels = h.signals.map((s) => ({
      name: s.description,
      units: s.units,
      gain: effectiveGain(s),
      baseline: s.baseline,
      sampleRate: this.fs,
    }));
  }

  /** Hub time at which stream sample `n` counts as acquired, in paced mode. */
  private dueMs(n: number): number {
    return this.t0 + (n * 1000) / (this.fs * this.speed);
  }

  private scheduleNext(): void {
    if (this.ended) return;
    const next = this.emitted + Math.min(this.blockSamples, this.recordFrames - this.pos);
    const delay = Math.max(0, this.dueMs(next) - this.clock.monotonicMs());
    this.timer = this.clock.setTimeout(() => this.onTimer(), delay);
  }

  private onTimer(): void {
    this.timer = null;
    const now = this.clock.monotonicMs();
    // Emit every block that is due (catch up after a late timer), then re-arm.
    while (!this.ended) {
      const next = this.emitted + Math.min(this.blockSamples, this.recordFrames - this.pos);
      if (this.dueMs(next) > now) break;
      this.emitBlock(this.dueMs(this.emitted));
    }
    this.scheduleNext();
  }

  private scheduleFast(): void {
    if (this.ended || this.immediate !== null) return;
    this.waitingForPull = false;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      while (!this.ended && !this.channel.isClosed && this.channel.length < this.highWater) this.emitBlock(this.clock.monotonicMs());
      if (!this.ended) this.waitingForPull = true;
    });
  }

  private onPulled(): void {
    if (this.fast && this.waitingForPull && this.channel.length < this.highWater / 2) this.scheduleFast();
  }

  private emitBlock(hubTimeMs: number): void {
    const decoder = this.decoder;
    if (decoder === null) return;
    const n = Math.min(this.blockSamples, this.recordFrames - this.pos);
    const data = decoder.allocate(n);
    decoder.decode(this.pos, n, data, 0);
    const block: SampleBlock = {
      kind: 'samples',
      deviceId: this.id,
      seq: this.seq++,
      firstSample: this.emitted,
      gap: 0,
      channels: this.channels,
      data,
      length: n,
      deviceTimeMs: (this.pos * 1000) / this.fs,
      hubTimeMs,
      wallTimeMs: this.wall0 + (hubTimeMs - this.t0),
    };
    this.pos += n;
    this.emitted += n;
    this.counters.blocks++;
    this.counters.samples += n;
    this.channel.push(block);
    if (this.pos >= this.recordFrames) {
      if (this.loop) {
        this.pos = 0;
        this.log.info('record looped', { seq: this.seq });
      } else {
        this.finish('end of record');
      }
    }
  }

  private finish(endDetail: string | null): void {
    this.ended = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.immediate = null;
    if (endDetail !== null) this.setState('disconnected', endDetail);
    this.setState('closed');
    this.channel.close();
  }

  private setState(state: DeviceState, detail?: string): void {
    const ev: DriverEvent = {
      kind: 'status',
      deviceId: this.id,
      state,
      ...(detail === undefined ? {} : { detail }),
      hubTimeMs: this.clock.monotonicMs(),
      wallTimeMs: this.clock.wallMs(),
    };
    this.channel.push(ev);
    this.log.info(`device ${state}`, detail === undefined ? {} : { detail });
  }
}
