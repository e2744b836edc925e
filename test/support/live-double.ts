/**
 * A scripted LiveSource for the HTTP and browser tests of the bedside view: a deterministic
 * ECG at 250 Hz (sinus at 75/min, or a flat line for asystole), alarms raised and cleared by
 * the test, an in-memory alarm log, and acknowledge / audio pause that behave like the alarm
 * manager's (acknowledge silences, a latched alarm acknowledged is cleared). Every call the
 * HTTP layer makes is recorded in `calls`.
 */
import type { AlarmLogEntry, AlarmPriority, AlarmView, AudioState, ControlResult, DeviceView, LiveEvent, LiveSnapshot, LiveSource, Vitals } from '../../src/api/live.ts';
import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { mulberry32 } from './prng.ts';

export interface LiveDoubleOptions {
  clock: Clock;
  sampleRate?: number;
  /** Samples per wave event. */
  blockSamples?: number;
  audioPauseMs?: number;
  seed?: number;
  /** The patient is set as paced (the view shows it). */
  paced?: boolean;
}

export interface AlarmSpec {
  condition: string;
  label: string;
  priority: AlarmPriority;
  technical?: boolean;
  deviceId?: string;
  latching?: boolean;
  value?: number | null;
}

const RANK: Record<AlarmPriority, number> = { high: 3, medium: 2, low: 1 };
const DEVICE = 'sim-ecg';

export class LiveDouble implements LiveSource {
  readonly calls = { acknowledge: [] as Array<{ alarmId: string | null; by: string }>, pauseAudio: [] as string[], alarmLog: [] as Array<{ limit: number; beforeSeq?: number }> };
  /** The alarm log, oldest first. */
  readonly log: AlarmLogEntry[] = [];
  rhythm: 'sinus' | 'asystole' = 'sinus';
  private readonly listeners = new Set<(ev: LiveEvent) => void>();
  private readonly alarms = new Map<string, AlarmView & { latching: boolean }>();
  private audio: AudioState = { tone: null, pausedUntilMs: null, pausedBy: null };
  private vitals: Vitals = { hr: null, spo2: null, pulseRate: null, resp: null, temp: null, nibp: null };
  private devices: DeviceView[];
  private readonly fs: number;
  private readonly block: number;
  private sample = 0;
  private seq = 0;
  private streamTimer: TimerHandle | null = null;
  private readonly noise: () => number;
  private readonly ecgBuf: number[];

  /** The patient is set as paced (shown by the view); settable before a page loads. */
  paced: boolean;

  constructor(private readonly opts: LiveDoubleOptions) {
    this.paced = opts.paced === true;
    this.fs = opts.sampleRate ?? 250;
    this.block = opts.blockSamples ?? 25;
    this.noise = mulberry32(opts.seed ?? 7);
    this.ecgBuf = new Array<number>(this.block).fill(0);
    this.devices = [{ id: DEVICE, kind: 'synthetic', state: 'streaming', sinceMs: opts.clock.wallMs(), detail: null }];
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  snapshot(): LiveSnapshot {
    return {
      hub: { id: 'test-hub', bed: '12' },
      patient: { paced: this.paced },
      nowMs: this.opts.clock.wallMs(),
      devices: this.devices,
      vitals: this.vitals,
      alarms: this.alarmViews(),
      audio: this.audio,
      ecg: { deviceId: DEVICE, sampleRate: this.fs, leads: ['II'] },
    };
  }

  subscribe(listener: (ev: LiveEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(ev: LiveEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch {
        // the contract: listener errors are the source's to swallow
      }
    }
  }

  /** One wave event of `blockSamples` samples, stamped with the clock's wall time. */
  pushEcgBlock(): void {
    const period = 0.8; // 75/min
    const at = this.opts.clock.wallMs() - (this.block * 1000) / this.fs;
    for (let i = 0; i < this.block; i++) {
      const t = (this.sample + i) / this.fs;
      const ph = (t % period) - 0.3;
      const base = 0.01 * (this.noise() - 0.5);
      this.ecgBuf[i] = this.rhythm === 'asystole' ? base : base + beat(ph);
    }
    this.sample += this.block;
    this.emit({ type: 'wave', deviceId: DEVICE, sampleRate: this.fs, wallTimeMs: at, leads: ['II'], data: [this.ecgBuf.slice()] });
  }

  /** Streams ECG in real time on the clock (one block per block duration) until stopStreaming(). */
  startStreaming(): void {
    if (this.streamTimer) return;
    const step = (): void => {
      this.pushEcgBlock();
      this.streamTimer = this.opts.clock.setTimeout(step, (this.block * 1000) / this.fs);
    };
    step();
  }

  stopStreaming(): void {
    if (this.streamTimer) this.opts.clock.clearTimeout(this.streamTimer);
    this.streamTimer = null;
  }

  setVitals(v: Partial<Vitals>): void {
    this.vitals = { ...this.vitals, ...v };
    this.emit({ type: 'vitals', vitals: this.vitals });
  }

  setDevice(state: string, detail: string | null = null): void {
    this.devices = [{ id: DEVICE, kind: 'synthetic', state, sinceMs: this.opts.clock.wallMs(), detail }];
    this.emit({ type: 'devices', devices: this.devices });
  }

  raiseAlarm(spec: AlarmSpec): AlarmView {
    const deviceId = spec.deviceId ?? DEVICE;
    const a = {
      id: `${spec.condition}@${deviceId}`, condition: spec.condition, label: spec.label, priority: spec.priority, technical: spec.technical ?? false, deviceId,
      state: 'active' as const, onsetMs: this.opts.clock.wallMs(), acknowledged: null, escalated: false, value: spec.value ?? null, limits: null, latching: spec.latching ?? true,
    };
    this.alarms.set(a.id, a);
    this.logEntry(a, 'onset', null);
    this.changed();
    return a;
  }

  /** The condition ends: latched if latching and unacknowledged, else cleared. */
  endCondition(id: string): void {
    const a = this.alarms.get(id);
    if (!a) return;
    if (a.latching && a.acknowledged === null) {
      this.alarms.set(id, { ...a, state: 'latched' });
      this.logEntry(a, 'latched', null);
    } else {
      this.alarms.delete(id);
      this.logEntry(a, 'cleared', null);
    }
    this.changed();
  }

  async acknowledge(alarmId: string | null, by: string): Promise<ControlResult> {
    this.calls.acknowledge.push({ alarmId, by });
    if (alarmId !== null && !this.alarms.has(alarmId)) return { ok: false, code: 'VIGIL_ALARM_NOT_FOUND', message: `no alarm ${alarmId}` };
    let affected = 0;
    for (const a of [...this.alarms.values()]) {
      if ((alarmId !== null && a.id !== alarmId) || a.acknowledged !== null) continue;
      affected++;
      this.logEntry(a, 'acknowledged', by);
      if (a.state === 'latched') this.alarms.delete(a.id);
      else this.alarms.set(a.id, { ...a, acknowledged: { by, atMs: this.opts.clock.wallMs() } });
    }
    this.changed();
    return { ok: true, affected };
  }

  async pauseAudio(by: string): Promise<ControlResult> {
    this.calls.pauseAudio.push(by);
    const top = this.top();
    this.audio = { ...this.audio, pausedUntilMs: this.opts.clock.wallMs() + (this.opts.audioPauseMs ?? 120_000), pausedBy: by };
    this.log.push(this.entry(top?.id ?? 'audio', top?.condition ?? 'audio', top?.priority ?? 'low', 'audio-paused', by));
    this.emitLog();
    this.emit({ type: 'alarms', alarms: this.alarmViews(), audio: this.audio });
    return { ok: true, affected: this.alarms.size };
  }

  async alarmLog(opts: { limit: number; beforeSeq?: number }): Promise<AlarmLogEntry[]> {
    this.calls.alarmLog.push(opts);
    const before = opts.beforeSeq ?? Infinity;
    return this.log.filter((e) => e.seq < before).reverse().slice(0, opts.limit);
  }

  private alarmViews(): AlarmView[] {
    return [...this.alarms.values()].map(({ latching: _l, ...view }) => view);
  }

  private top(): AlarmView | undefined {
    return [...this.alarms.values()].filter((a) => a.acknowledged === null).sort((a, b) => RANK[b.priority] - RANK[a.priority])[0];
  }

  private changed(): void {
    this.audio = { ...this.audio, tone: this.top()?.priority ?? null };
    this.emitLog();
    this.emit({ type: 'alarms', alarms: this.alarmViews(), audio: this.audio });
  }

  private emitted = 0;
  private emitLog(): void {
    for (; this.emitted < this.log.length; this.emitted++) {
      const entry = this.log[this.emitted];
      if (entry) this.emit({ type: 'alarm-log', entry });
    }
  }

  private logEntry(a: AlarmView, event: AlarmLogEntry['event'], by: string | null): void {
    this.log.push(this.entry(a.id, a.condition, a.priority, event, by, a.value));
  }

  private entry(alarmId: string, condition: string, priority: AlarmPriority, event: AlarmLogEntry['event'], by: string | null, value: number | null = null): AlarmLogEntry {
    return { seq: ++this.seq, atMs: this.opts.clock.wallMs(), alarmId, condition, priority, event, by, value, limits: null, detail: null };
  }
}

/** A PQRST complex around phase 0 (the R peak), in mV. */
function beat(ph: number): number {
  const g = (mu: number, sigma: number, a: number): number => a * Math.exp(-((ph - mu) ** 2) / (2 * sigma * sigma));
  return g(-0.2, 0.025, 0.15) + g(-0.03, 0.008, -0.12) + g(0, 0.01, 1.2) + g(0.03, 0.009, -0.3) + g(0.25, 0.045, 0.3);
}
