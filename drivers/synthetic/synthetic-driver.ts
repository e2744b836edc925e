/**
 * The synthetic patient as a Driver: the default bed behind `npm start`, and the source of
 * signals with known ground truth for tests of the analysis.
 *
 * Same pacing and lifecycle as the WFDB replay driver (drivers/replay), so the two are
 * interchangeable:
 * - Block k (samples [kB, (k+1)B)) is due when its last sample would have been acquired,
 *   t0 + (k+1)·B/fs/speed on the injected clock, an absolute time, so timer lateness never
 *   accumulates into drift; a late timer emits every block already due (bounded per turn).
 * - speed 0 or Infinity: as fast as the consumer pulls; blocks are produced ahead up to a
 *   small high-water mark, so nothing is dropped.
 * - open() emits `connected`; close() emits `closed` and ends the stream. When a
 *   non-looping scenario ends: `disconnected` (detail "end of scenario"), `closed`, end.
 *   Breaking out of `for await` closes the driver.
 *
 * Timestamps: hubTimeMs / wallTimeMs of a block or measurement are when its first sample is
 * (virtually) acquired, t0 + signalMs / speed; in fast mode the time of emission.
 * deviceTimeMs is the signal time since open (the simulated device's own clock).
 * Lead-off / lead-on status events follow the block in which the electrodes change.
 */
import { clearImmediate, setImmediate } from 'node:timers';
import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { AsyncChannel, pullStream } from '../../src/core/channel.ts';
import { VigilError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { ChannelInfo, DeviceState, Driver, DriverEvent, DriverStats, MetricName } from '../contract.ts';
import { emptyStats } from '../contract.ts';
import { EcgSynth, type LeadName, type TruthEvent } from './ecgsyn.ts';
import type { Scenario, ScenarioSpec } from './scenario.ts';
import { resolveScenario } from './scenarios.ts';

export const DEFAULT_BLOCK_MS = 100;
export const DEFAULT_TRUTH_KEEP = 100_000;
/** Blocks emitted per timer turn at most, so a long stall cannot monopolise the event loop. */
const MAX_BLOCKS_PER_TURN = 200;
/** Most blocks produced ahead of the consumer in as-fast-as-possible mode. */
const FAST_AHEAD_MAX = 64;

export interface SyntheticDriverOptions {
  deviceId: string;
  /** Built-in reference ('demo', 'sinus:60', see builtinScenarios()) or a scenario object. */
  scenario: string | ScenarioSpec;
  seed?: number;
  sampleRate?: number;
  loop?: boolean;
  /** 1 = real time (default), N = N times faster, 0 or Infinity = as fast as consumed. */
  speed?: number;
  /** Signal time per sample block, ms (default 100: 25 samples at 250 Hz). */
  blockMs?: number;
  leads?: readonly LeadName[];
  /** ADC units per mV (default 1000). */
  gain?: number;
  /** Seconds of signal between measurement rounds (default 1). */
  measurementIntervalS?: number;
  /** Ground-truth events kept for drainTruth() (default 100 000; the oldest are dropped). */
  truthKeep?: number;
}

export interface SyntheticDriverDeps {
  clock: Clock;
  logger?: Logger;
  /** Queue bound for the consumer (events). */
  queueCapacity?: number;
  /** Called with the ground truth of each block, in sample order, as it is produced. */
  onTruth?: (events: readonly TruthEvent[]) => void;
}

const METRICS: readonly { metric: MetricName; unit: string; key: 'hr' | 'spo2' | 'respRate' | 'tempC' }[] = [
  { metric: 'hr', unit: '/min', key: 'hr' },
  { metric: 'spo2', unit: '%', key: 'spo2' },
  { metric: 'resp_rate', unit: '/min', key: 'respRate' },
  { metric: 'temp', unit: 'Cel', key: 'tempC' },
];

export class SyntheticDriver implements Driver {
  readonly kind = 'synthetic';
  readonly id: string;
  readonly scenario: Scenario;
  readonly channels: readonly ChannelInfo[];
  readonly blockSamples: number;
  readonly speed: number;
  private readonly gen: EcgSynth;
  private readonly channel: AsyncChannel<DriverEvent>;
  private readonly log: Logger;
  private readonly counters: DriverStats = emptyStats();
  private readonly measureEvery: number;
  private readonly truthKeep: number;
  private truth: TruthEvent[] = [];
  private truthDropped = 0;
  private timer: TimerHandle | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;
  private waitingForPull = false;
  private readonly fast: boolean;
  private readonly highWater: number;
  private started = false;
  private closing = false;
  private seq = 0;
  private t0Mono = 0;
  private t0Wall = 0;
  private nextMeasure: number;

  constructor(
    opts: SyntheticDriverOptions,
    private readonly deps: SyntheticDriverDeps,
  ) {
    this.id = opts.deviceId;
    // Throws VigilError('VIGIL_SCENARIO_INVALID') here, at construction, not mid-stream.
    this.scenario = resolveScenario(opts.scenario, { seed: opts.seed, sampleRate: opts.sampleRate, loop: opts.loop });
    this.gen = new EcgSynth(this.scenario, { leads: opts.leads, gain: opts.gain });
    this.channels = this.gen.channels();
    const fs = this.scenario.sampleRate;
    this.speed = opts.speed ?? 1;
    if (!(this.speed >= 0)) throw new VigilError('VIGIL_USAGE', `synthetic speed must be >= 0, got ${this.speed}`);
    const blockMs = opts.blockMs ?? DEFAULT_BLOCK_MS;
    if (!(blockMs > 0 && Number.isFinite(blockMs))) throw new VigilError('VIGIL_USAGE', `synthetic blockMs must be > 0, got ${blockMs}`);
    this.blockSamples = Math.max(1, Math.round((fs * blockMs) / 1000));
    this.fast = this.speed === 0 || this.speed === Infinity;
    this.measureEvery = Math.max(1, Math.round((opts.measurementIntervalS ?? 1) * fs));
    this.nextMeasure = this.measureEvery;
    this.truthKeep = opts.truthKeep ?? DEFAULT_TRUTH_KEEP;
    this.channel = new AsyncChannel<DriverEvent>(deps.queueCapacity ?? 8192);
    this.highWater = Math.max(1, Math.min(FAST_AHEAD_MAX, Math.floor(this.channel.capacity / 2)));
    this.log = (deps.logger ?? silentLogger).child({ device: this.id, scenario: this.scenario.name });
  }

  /** The event stream. In fast mode each pull lets the producer refill the queue. */
  events(): AsyncIterable<DriverEvent> {
    // The consumer leaving the loop stops producing and ends the stream.
    return pullStream(this.channel, () => this.onPulled(), () => void this.close());
  }

  stats(): DriverStats {
    return { ...this.counters, overflow: this.channel.dropped };
  }

  /** Ground truth produced since the last call (beats, rhythm changes, lead-off), in sample order. */
  drainTruth(): TruthEvent[] {
    const out = this.truth;
    this.truth = [];
    return out;
  }

  /** Truth events dropped because drainTruth() was not called often enough. */
  get truthOverflow(): number {
    return this.truthDropped + this.gen.truthOverflow;
  }

  async open(): Promise<void> {
    if (this.started || this.closing) return;
    this.started = true;
    this.t0Mono = this.deps.clock.monotonicMs();
    this.t0Wall = this.deps.clock.wallMs();
    this.status('connected', this.t0Mono, this.t0Wall);
    this.log.info('synthetic patient started', { sampleRate: this.scenario.sampleRate, speed: this.speed });
    if (this.fast) this.scheduleFast();
    else this.schedule();
  }

  async close(): Promise<void> {
    this.finish(null);
  }

  private finish(endDetail: string | null): void {
    if (this.closing) return;
    this.closing = true;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    if (this.started) {
      const now = this.deps.clock.monotonicMs();
      const wall = this.deps.clock.wallMs();
      if (endDetail !== null) this.status('disconnected', now, wall, endDetail);
      this.status('closed', now, wall);
    }
    this.channel.close();
  }

  /** Hub time (ms) at which absolute sample s counts as acquired (emission time in fast mode). */
  private hubMs(s: number): number {
    if (this.fast) return this.deps.clock.monotonicMs();
    return this.t0Mono + (s * 1000) / this.scenario.sampleRate / this.speed;
  }

  private wallMsAt(s: number): number {
    return this.t0Wall + (this.hubMs(s) - this.t0Mono);
  }

  /** When the next block is complete (a short last block at the end of a scenario). */
  private dueMs(): number {
    const pos = this.gen.position;
    return this.hubMs(pos + Math.max(1, Math.min(this.blockSamples, this.gen.totalSamples - pos)));
  }

  private schedule(): void {
    if (this.closing) return;
    const delay = Math.max(0, this.dueMs() - this.deps.clock.monotonicMs());
    this.timer = this.deps.clock.setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    this.timer = null;
    const now = this.deps.clock.monotonicMs();
    let n = 0;
    while (!this.closing && this.dueMs() <= now && n < MAX_BLOCKS_PER_TURN) {
      if (!this.emitBlock()) return;
      n++;
    }
    this.schedule();
  }

  private scheduleFast(): void {
    if (this.closing || this.immediate !== null) return;
    this.waitingForPull = false;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      while (!this.closing && this.channel.length < this.highWater) {
        if (!this.emitBlock()) return;
      }
      if (!this.closing) this.waitingForPull = true;
    });
  }

  private onPulled(): void {
    if (this.fast && this.waitingForPull && this.channel.length < this.highWater / 2) this.scheduleFast();
  }

  /** Produce and push one block with its truth, status and measurements. False when finished. */
  private emitBlock(): boolean {
    const gen = this.gen;
    const first = gen.position;
    const B = this.blockSamples;
    const data = this.channels.map(() => new Int32Array(B));
    const n = gen.generate(data, B);
    if (n > 0) {
      const out = n === B ? data : data.map((d) => d.slice(0, n));
      this.channel.push({
        kind: 'samples',
        deviceId: this.id,
        seq: this.seq++,
        firstSample: first,
        gap: 0,
        channels: this.channels,
        data: out,
        length: n,
        deviceTimeMs: (first * 1000) / this.scenario.sampleRate,
        hubTimeMs: this.hubMs(first),
        wallTimeMs: this.wallMsAt(first),
      });
      this.counters.blocks++;
      this.counters.samples += n;
      this.handleTruth(gen.drainTruth());
      this.measure();
    }
    if (gen.done) {
      this.log.info('scenario ended', { samples: gen.position });
      this.finish('end of scenario');
      return false;
    }
    return true;
  }

  private handleTruth(events: TruthEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      if (e.code === '~') this.status(e.aux === 'lead-off' ? 'lead-off' : 'lead-on', this.hubMs(e.sample), this.wallMsAt(e.sample));
      this.truth.push(e);
    }
    const over = this.truth.length - this.truthKeep;
    if (over > 0) {
      this.truth.splice(0, over);
      this.truthDropped += over;
    }
    this.deps.onTruth?.(events);
  }

  /** One round of measurements per interval boundary crossed by the last block. */
  private measure(): void {
    const pos = this.gen.position;
    if (pos < this.nextMeasure) return;
    const v = this.gen.vitalsNow();
    while (this.nextMeasure <= pos) {
      const at = this.nextMeasure;
      this.nextMeasure += this.measureEvery;
      const hubTimeMs = this.hubMs(at);
      const wallTimeMs = this.wallMsAt(at);
      const deviceTimeMs = (at * 1000) / this.scenario.sampleRate;
      for (const m of METRICS) {
        this.channel.push({ kind: 'measurement', deviceId: this.id, metric: m.metric, value: v[m.key], unit: m.unit, deviceTimeMs, hubTimeMs, wallTimeMs });
        this.counters.measurements++;
      }
    }
  }

  private status(state: DeviceState, hubTimeMs: number, wallTimeMs: number, detail?: string): void {
    this.channel.push({ kind: 'status', deviceId: this.id, state, ...(detail === undefined ? {} : { detail }), hubTimeMs, wallTimeMs });
    if (state === 'lead-off' || state === 'lead-on') this.log.info(`ECG ${state}`);
  }
}
