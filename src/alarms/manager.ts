/**
 * The bedside alarm manager: IEC 60601-1-8 alarm semantics over the conditions in
 * ./table.ts. It runs entirely on the hub, synchronously with the analysis that feeds it,
 * so an alarm never waits on the network (the uplink only reads the log afterwards).
 *
 * Per alarm (one per condition and device):
 *   condition true --(alarm-condition delay)--> ACTIVE (sounding)
 *   ACTIVE --acknowledge--> ACTIVE+acknowledged (visual only, no sound, no escalation)
 *   ACTIVE --condition ends--> latching and unacknowledged ? LATCHED : cleared
 *   LATCHED --acknowledge--> cleared
 *   LATCHED --condition recurs and holds for the alarm-condition delay--> ACTIVE (re-alarm)
 *   medium ACTIVE unacknowledged for escalateAfter --> priority high (escalated)
 * Audio pause (IEC 60601-1-8 "AUDIO PAUSED") is time-limited, resumes by itself, and ends
 * early when a new alarm condition arises (6.8.1 permits it; a nurse who paused one alarm has
 * not heard the next one).
 *
 * Every state change becomes an AlarmLogEntry handed to the sink, which persists it (sync
 * write) together with the set of alarms in force, so latched alarms survive a power cut.
 */
import type { MetricName } from '../../drivers/contract.ts';
import type { AlarmLogEntry, AlarmView, AudioState, ControlResult } from '../api/live.ts';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { Priority } from '../detect/conditions.ts';
import { ALARM_CONDITIONS, PRIORITY_RANK, validateAlarmTable, type AlarmConditionDef } from './table.ts';

export interface AlarmSettings {
  /** IEC 60601-1-8 audio pause length (default 2 min). */
  readonly audioPauseMs: number;
  /** Escalation of unacknowledged medium alarms; null: use the table's, 0: never. */
  readonly escalateAfterMs: number | null;
  /** Condition ids switched off for this bed (never those the table marks canDisable: false). */
  readonly disabled: readonly string[];
  /** Per-condition limit overrides (limit alarms), by condition id; null switches the limit off. */
  readonly limits: Readonly<Record<string, number | null>>;
  /** Per-condition alarm-condition delay overrides in ms. */
  readonly delaysMs: Readonly<Record<string, number>>;
  /** A condition that recurs within this time of its alarm clearing is logged as a re-alarm. */
  readonly reAlarmWindowMs: number;
}

export const DEFAULT_ALARM_SETTINGS: AlarmSettings = {
  audioPauseMs: 120_000, escalateAfterMs: null, disabled: [], limits: {}, delaysMs: {}, reAlarmWindowMs: 600_000,
};

/** What the sink persists besides the log: the alarms in force, to restore after a restart. */
export interface PersistedAlarm {
  readonly id: string;
  readonly condition: string;
  readonly deviceId: string | null;
  readonly priority: Priority;
  readonly state: 'active' | 'latched';
  readonly onsetMs: number;
  readonly acknowledged: { readonly by: string; readonly atMs: number } | null;
  readonly escalated: boolean;
  readonly value: number | null;
  readonly detail: string | null;
}

export interface AlarmSink {
  /** Persist one log entry and the alarms in force after it, in call order. */
  record(entry: AlarmLogEntry, inForce: readonly PersistedAlarm[]): void;
}

export type AlarmManagerEvent =
  | { readonly type: 'alarms'; readonly alarms: readonly AlarmView[]; readonly audio: AudioState }
  | { readonly type: 'log'; readonly entry: AlarmLogEntry }
  /** A new alarm started sounding (onset or re-alarm): for hooks and latency measurement. */
  | { readonly type: 'raised'; readonly event: 'onset' | 're-alarm'; readonly alarm: AlarmView; readonly monotonicMs: number };

interface AlarmRecord {
  readonly id: string;
  readonly def: AlarmConditionDef;
  readonly deviceId: string | null;
  conditionActive: boolean;
  state: 'active' | 'latched';
  priority: Priority;
  escalated: boolean;
  onsetMs: number;
  ack: { by: string; atMs: number } | null;
  value: number | null;
  detail: string | null;
  escalateTimer: TimerHandle | null;
}

interface Pending {
  timer: TimerHandle;
  value: number | null;
  detail: string | null;
}

export interface ConditionInfo {
  readonly value?: number | null;
  readonly detail?: string | null;
}

export interface AlarmManagerOptions {
  readonly clock: Clock;
  readonly sink: AlarmSink;
  readonly logger: Logger;
  readonly settings?: Partial<AlarmSettings>;
  readonly table?: readonly AlarmConditionDef[];
  /** Sequence number of the last persisted log entry (0 for a new store). */
  readonly lastSeq?: number;
}

export const alarmId = (condition: string, deviceId: string | null): string => `${condition}@${deviceId ?? 'hub'}`;

/** ControlResult code of a control that reaches the manager after close() (hub stopping). */
export const ALARMS_CLOSED = 'VIGIL_ALARMS_CLOSED';

const closedResult = (): ControlResult => ({ ok: false, code: ALARMS_CLOSED, message: 'the alarm manager is closed (hub stopping): not done' });

export class AlarmManager {
  private readonly clock: Clock;
  private readonly sink: AlarmSink;
  private readonly log: Logger;
  readonly settings: AlarmSettings;
  private readonly defs: ReadonlyMap<string, AlarmConditionDef>;
  private readonly byMetric = new Map<MetricName, AlarmConditionDef[]>();
  private readonly disabled: ReadonlySet<string>;
  private readonly alarmsById = new Map<string, AlarmRecord>();
  private readonly pending = new Map<string, Pending>();
  private readonly clearedAt = new Map<string, number>();
  private readonly listeners = new Set<(ev: AlarmManagerEvent) => void>();
  private seq: number;
  private pausedUntilMs: number | null = null;
  private pausedBy: string | null = null;
  private pauseTimer: TimerHandle | null = null;
  private closed = false;

  constructor(opts: AlarmManagerOptions) {
    this.clock = opts.clock;
    this.sink = opts.sink;
    this.log = opts.logger;
    this.settings = { ...DEFAULT_ALARM_SETTINGS, ...opts.settings };
    this.defs = validateAlarmTable(opts.table ?? ALARM_CONDITIONS);
    this.seq = opts.lastSeq ?? 0;
    for (const id of this.settings.disabled) {
      const d = this.defs.get(id);
      // Config validation rejects these first; this guard keeps the rule even for callers that skip it.
      if (d !== undefined && !d.canDisable) this.log.warn('alarm cannot be switched off; ignoring', { condition: id });
    }
    this.disabled = new Set(this.settings.disabled.filter((id) => this.defs.get(id)?.canDisable === true));
    for (const d of this.defs.values()) {
      if (d.limit === undefined) continue;
      const list = this.byMetric.get(d.limit.metric) ?? [];
      list.push(d);
      this.byMetric.set(d.limit.metric, list);
    }
  }

  subscribe(listener: (ev: AlarmManagerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The limit in force for a limit condition (config override or table default), null if off. */
  limitOf(def: AlarmConditionDef): number | null {
    if (def.limit === undefined) return null;
    const o = this.settings.limits[def.id];
    return o === undefined ? def.limit.default : o;
  }

  private delayOf(def: AlarmConditionDef): number {
    return this.settings.delaysMs[def.id] ?? def.delayMs;
  }

  /**
   * Restores the alarms in force before a restart. Latching alarms that were not acknowledged
   * come back LATCHED (the condition itself is unknown until the detectors see it again);
   * the rest are not restored: if their condition still holds it is raised again.
   */
  restore(inForce: readonly PersistedAlarm[]): void {
    for (const p of inForce) {
      const def = this.defs.get(p.condition);
      if (def === undefined || !def.latching || p.acknowledged !== null || this.alarmsById.has(p.id)) continue;
      // Switched off for this bed since (config changed across the restart): setCondition
      // ignores the condition, so a restored alarm could never clear by itself nor be raised
      // again; it is dropped like any other alarm of a disabled condition. (Conditions that
      // cannot be switched off never reach `disabled`, see the constructor.)
      if (this.disabled.has(p.condition)) {
        this.log.info('latched alarm not restored: condition switched off for this bed', { alarm: p.id });
        continue;
      }
      const rec: AlarmRecord = {
        id: p.id, def, deviceId: p.deviceId, conditionActive: false, state: 'latched', priority: p.priority, escalated: p.escalated,
        onsetMs: p.onsetMs, ack: null, value: p.value, detail: p.detail, escalateTimer: null,
      };
      this.alarmsById.set(p.id, rec);
      this.entry(rec, 'restored', null, 'latched alarm restored after restart');
    }
    if (inForce.length > 0) this.changed();
  }

  /** A condition (rhythm, technical) turned on or off for a device (null: the hub itself). */
  setCondition(condition: string, deviceId: string | null, active: boolean, info: ConditionInfo = {}): void {
    if (this.closed) return;
    const def = this.defs.get(condition);
    if (def === undefined) {
      this.log.warn('unknown alarm condition ignored', { condition });
      return;
    }
    if (this.disabled.has(condition)) return;
    const id = alarmId(condition, deviceId);
    const rec = this.alarmsById.get(id);
    const value = info.value ?? null;
    const detail = info.detail ?? null;
    if (active) {
      if (rec !== undefined && rec.conditionActive) {
        // Still in force: keep the value and its text current (a limit alarm's label is built
        // from `detail`, which must not stay at the first violating value).
        rec.value = value ?? rec.value;
        rec.detail = detail ?? rec.detail;
        return;
      }
      // A new onset, or the recurrence of a LATCHED alarm: either way the condition has to hold
      // for its alarm-condition delay first (a 1-s SpO2 dip must not re-alarm a latched desat,
      // nor end an audio pause), then activate() raises or re-activates the alarm.
      const delay = this.delayOf(def);
      if (delay <= 0) {
        this.activate(def, id, deviceId, value, detail);
        return;
      }
      const p = this.pending.get(id);
      if (p !== undefined) {
        p.value = value;
        p.detail = detail ?? p.detail;
        return;
      }
      const timer = this.clock.setTimeout(() => {
        const q = this.pending.get(id);
        this.pending.delete(id);
        if (q !== undefined && !this.closed) this.activate(def, id, deviceId, q.value, q.detail);
      }, delay);
      this.pending.set(id, { timer, value, detail });
      return;
    }
    const p = this.pending.get(id);
    if (p !== undefined) {
      this.clock.clearTimeout(p.timer);
      this.pending.delete(id);
    }
    if (rec === undefined || !rec.conditionActive) return;
    rec.conditionActive = false;
    this.entry(rec, 'offset', null, null);
    if (rec.def.latching && rec.ack === null) {
      rec.state = 'latched';
      this.entry(rec, 'latched', null, null);
    } else {
      this.remove(rec);
    }
    this.changed();
  }

  /**
   * A vital sign arrived: checks it against the limits of its metric, with hysteresis (a low
   * alarm ends only once the value is back at limit + hysteresis). A "no valid value" (null)
   * changes nothing: it neither raises nor clears a limit alarm.
   */
  observe(metric: MetricName, deviceId: string, value: number | null): void {
    if (value === null || !Number.isFinite(value)) return;
    const defs = this.byMetric.get(metric);
    if (defs === undefined) return;
    for (const def of defs) {
      const lim = this.limitOf(def);
      const l = def.limit;
      if (lim === null || l === undefined) continue;
      const id = alarmId(def.id, deviceId);
      const on = this.alarmsById.get(id)?.conditionActive === true || this.pending.has(id);
      const violated = l.side === 'low' ? value < lim : value > lim;
      const clear = l.side === 'low' ? value >= lim + l.hysteresis : value <= lim - l.hysteresis;
      if (violated) this.setCondition(def.id, deviceId, true, { value, detail: `${value} ${l.side === 'low' ? '<' : '>'} ${lim} ${l.unit}` });
      else if (on && clear) this.setCondition(def.id, deviceId, false, { value });
      else if (on) {
        // Inside the hysteresis band: the alarm holds, its label follows the value (which is
        // no longer beyond the limit, so no "<" / ">").
        const rec = this.alarmsById.get(id);
        if (rec !== undefined && rec.conditionActive) {
          rec.value = value;
          rec.detail = `${value}, limit ${lim} ${l.unit}`;
        }
      }
    }
  }

  /**
   * Acknowledges one alarm (by id) or every unacknowledged alarm in force now (null). A bedside
   * request is scoped to what the nurse saw before it gets here (src/api/bedside/routes.ts).
   */
  acknowledge(id: string | null, by: string): ControlResult {
    if (this.closed) return closedResult();
    if (id !== null && !this.alarmsById.has(id)) return { ok: false, code: 'VIGIL_ALARM_UNKNOWN', message: `no alarm ${id} is in force` };
    let affected = 0;
    for (const rec of [...this.alarmsById.values()]) {
      if ((id !== null && rec.id !== id) || rec.ack !== null) continue;
      rec.ack = { by, atMs: this.clock.wallMs() };
      this.stopEscalation(rec);
      this.entry(rec, 'acknowledged', by, null);
      if (rec.state === 'latched') this.remove(rec);
      affected++;
    }
    if (affected > 0) this.changed();
    return { ok: true, affected };
  }

  pauseAudio(by: string): ControlResult {
    // After close() the log is flushed and timers are stopped: no new entry, no new timer.
    if (this.closed) return closedResult();
    const now = this.clock.wallMs();
    this.pausedUntilMs = now + this.settings.audioPauseMs;
    this.pausedBy = by;
    if (this.pauseTimer !== null) this.clock.clearTimeout(this.pauseTimer);
    this.pauseTimer = this.clock.setTimeout(() => this.resumeAudio('audio pause time over'), this.settings.audioPauseMs);
    this.hubEntry('audio-paused', by, `for ${Math.round(this.settings.audioPauseMs / 1000)} s`);
    this.changed();
    return { ok: true, affected: this.alarmsById.size };
  }

  alarms(): AlarmView[] {
    return [...this.alarmsById.values()].map((r) => this.view(r)).sort((a, b) => PRIORITY_RANK[b.priority] - PRIORITY_RANK[a.priority] || a.onsetMs - b.onsetMs);
  }

  audio(): AudioState {
    let tone: Priority | null = null;
    for (const r of this.alarmsById.values()) {
      if (r.ack !== null) continue;
      if (tone === null || PRIORITY_RANK[r.priority] > PRIORITY_RANK[tone]) tone = r.priority;
    }
    return { tone, pausedUntilMs: this.pausedUntilMs, pausedBy: this.pausedBy };
  }

  /** The alarms in force, as the sink persists them. */
  inForce(): PersistedAlarm[] {
    return [...this.alarmsById.values()].map((r) => ({
      id: r.id, condition: r.def.id, deviceId: r.deviceId, priority: r.priority, state: r.state, onsetMs: r.onsetMs,
      acknowledged: r.ack, escalated: r.escalated, value: r.value, detail: r.detail,
    }));
  }

  /** Stops timers; alarms in force stay persisted for the next start. */
  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) this.clock.clearTimeout(p.timer);
    this.pending.clear();
    for (const r of this.alarmsById.values()) this.stopEscalation(r);
    if (this.pauseTimer !== null) this.clock.clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.listeners.clear();
  }

  // ---- internals -------------------------------------------------------------------------

  /** The condition held for its delay: a latched alarm sounds again, otherwise a new alarm. */
  private activate(def: AlarmConditionDef, id: string, deviceId: string | null, value: number | null, detail: string | null): void {
    const rec = this.alarmsById.get(id);
    if (rec === undefined) {
      this.raise(def, id, deviceId, value, detail);
      return;
    }
    // Only a LATCHED record can be here (an active one never starts a delay); it keeps its
    // onset time and sounds again.
    rec.conditionActive = true;
    rec.state = 'active';
    rec.value = value;
    rec.detail = detail;
    this.raised(rec, 're-alarm');
  }

  private raise(def: AlarmConditionDef, id: string, deviceId: string | null, value: number | null, detail: string | null): void {
    const rec: AlarmRecord = {
      id, def, deviceId, conditionActive: true, state: 'active', priority: def.priority, escalated: false,
      onsetMs: this.clock.wallMs(), ack: null, value, detail, escalateTimer: null,
    };
    this.alarmsById.set(id, rec);
    const last = this.clearedAt.get(id);
    this.raised(rec, last !== undefined && rec.onsetMs - last <= this.settings.reAlarmWindowMs ? 're-alarm' : 'onset');
  }

  private raised(rec: AlarmRecord, event: 'onset' | 're-alarm'): void {
    this.entry(rec, event, null, rec.detail);
    this.startEscalation(rec);
    if (this.pausedUntilMs !== null) this.resumeAudio('new alarm condition');
    this.emit({ type: 'raised', event, alarm: this.view(rec), monotonicMs: this.clock.monotonicMs() });
    this.changed();
  }

  private remove(rec: AlarmRecord): void {
    this.stopEscalation(rec);
    this.alarmsById.delete(rec.id);
    this.clearedAt.set(rec.id, this.clock.wallMs());
    this.entry(rec, 'cleared', null, null);
  }

  private startEscalation(rec: AlarmRecord): void {
    // The table says which alarms escalate; the bed's setting only changes when (0: never).
    const after = rec.def.escalateAfterMs === null ? null : (this.settings.escalateAfterMs ?? rec.def.escalateAfterMs);
    if (after === null || after <= 0 || rec.priority !== 'medium' || rec.ack !== null || rec.escalateTimer !== null) return;
    rec.escalateTimer = this.clock.setTimeout(() => {
      rec.escalateTimer = null;
      if (this.closed || rec.ack !== null || this.alarmsById.get(rec.id) !== rec) return;
      rec.priority = 'high';
      rec.escalated = true;
      this.entry(rec, 'escalated', null, `unacknowledged for ${Math.round(after / 1000)} s`);
      this.changed();
    }, after);
  }

  private stopEscalation(rec: AlarmRecord): void {
    if (rec.escalateTimer !== null) this.clock.clearTimeout(rec.escalateTimer);
    rec.escalateTimer = null;
  }

  private resumeAudio(why: string): void {
    if (this.pauseTimer !== null) this.clock.clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.pausedUntilMs = null;
    this.pausedBy = null;
    this.hubEntry('audio-resumed', null, why);
    this.changed();
  }

  private limitsOf(def: AlarmConditionDef): AlarmLogEntry['limits'] {
    const l = def.limit;
    if (l === undefined) return null;
    let low: number | null = null;
    let high: number | null = null;
    for (const d of this.byMetric.get(l.metric) ?? []) {
      if (d.limit === undefined || this.disabled.has(d.id)) continue;
      const v = this.limitOf(d);
      // The limit nearest to normal is the one shown (SpO2 low 90 rather than desat 80).
      if (d.limit.side === 'low' && v !== null) low = low === null ? v : Math.max(low, v);
      if (d.limit.side === 'high' && v !== null) high = high === null ? v : Math.min(high, v);
    }
    return { low, high };
  }

  private view(r: AlarmRecord): AlarmView {
    return {
      id: r.id, condition: r.def.id, label: r.detail !== null && r.def.limit !== undefined ? `${r.def.name} ${r.detail}` : r.def.name,
      priority: r.priority, technical: r.def.technical, deviceId: r.deviceId, state: r.state, onsetMs: r.onsetMs,
      acknowledged: r.ack, escalated: r.escalated, value: r.value, limits: this.limitsOf(r.def),
    };
  }

  private entry(rec: AlarmRecord, event: AlarmLogEntry['event'], by: string | null, detail: string | null): void {
    this.write({
      seq: ++this.seq, atMs: this.clock.wallMs(), alarmId: rec.id, condition: rec.def.id, priority: rec.priority, event, by,
      value: rec.value, limits: this.limitsOf(rec.def), detail,
    });
  }

  private hubEntry(event: AlarmLogEntry['event'], by: string | null, detail: string | null): void {
    this.write({ seq: ++this.seq, atMs: this.clock.wallMs(), alarmId: 'audio@hub', condition: 'audio', priority: this.audio().tone ?? 'low', event, by, value: null, limits: null, detail });
  }

  private write(entry: AlarmLogEntry): void {
    try {
      this.sink.record(entry, this.inForce());
    } catch (e: unknown) {
      this.log.error('alarm log write failed', { entry: entry.seq, err: e });
    }
    const text = `${entry.event} ${entry.alarmId}${entry.detail !== null ? ` (${entry.detail})` : ''}${entry.by !== null ? ` by ${entry.by}` : ''}`;
    // The console is one of the local outputs: onsets are warnings a technician sees in the journal.
    if (entry.event === 'onset' || entry.event === 're-alarm' || entry.event === 'escalated') this.log.warn(`ALARM ${entry.priority.toUpperCase()} ${text}`, { alarm: entry });
    else this.log.info(`alarm ${text}`, { alarm: entry });
    this.emit({ type: 'log', entry });
  }

  private changed(): void {
    this.emit({ type: 'alarms', alarms: this.alarms(), audio: this.audio() });
  }

  private emit(ev: AlarmManagerEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (e: unknown) {
        this.log.error('alarm listener failed', { err: e });
      }
    }
  }
}
