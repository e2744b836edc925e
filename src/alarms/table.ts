/**
 * Every alarm condition the hub can raise, as one declarative table (ARCHITECTURE.md: data
 * tables over code), validated at start and tested across all entries.
 *
 * Three sources feed the alarm manager:
 * - rhythm: the ECG rhythm detectors (src/detect/conditions.ts is the single source of their
 *   priority, latching, switch-off rules and alarm-condition delay; most detectors already
 *   apply their own delay, e.g. 4 s of no QRS for asystole, so theirs is 0; the HR limits
 *   have 5 s);
 * - limit: vital signs from devices against per-bed high/low limits, with an alarm-condition
 *   delay and hysteresis (IEC 60601-1-8 6.1.2: the delay keeps a transient from alarming; the
 *   hysteresis keeps a value hovering at a limit from flapping);
 * - technical: equipment conditions (IEC 60601-1-8 "technical alarm condition").
 *
 * Defaults for limits and delays follow common adult bedside-monitor defaults (Philips
 * IntelliVue / GE CARESCAPE manuals: SpO2 low 90 %, desat 80 %, SpO2 alarm delay 10 s;
 * respiration 8-30 /min; NIBP systolic 90-160, diastolic 50-90, mean 60-110 mmHg). They are
 * configurable per bed (config `alarms.limits`).
 */
import type { MetricName } from '../../drivers/contract.ts';
import { VigilError } from '../core/errors.ts';
import { CONDITIONS, type Priority } from '../detect/conditions.ts';

export type AlarmSource = 'rhythm' | 'limit' | 'technical';

export interface AlarmConditionDef {
  readonly id: string;
  /** Banner text. */
  readonly name: string;
  readonly source: AlarmSource;
  readonly technical: boolean;
  readonly priority: Priority;
  /** Stays indicated after the condition ends until acknowledged (IEC 60601-1-8 6.5.2). */
  readonly latching: boolean;
  /** Whether a bed may switch it off (asystole, VF and VT never: IEC 60601-2-27). */
  readonly canDisable: boolean;
  /** Alarm-condition delay: the condition must hold this long before the alarm is raised. */
  readonly delayMs: number;
  /** A medium alarm unacknowledged this long escalates to high; null: never. */
  readonly escalateAfterMs: number | null;
  /** Limit alarms: the metric, which side, default limit and hysteresis (same units). */
  readonly limit?: { readonly metric: MetricName; readonly side: 'low' | 'high'; readonly default: number; readonly hysteresis: number; readonly unit: string };
}

const ESCALATE_MS = 120_000;

const limit = (
  id: string, name: string, metric: MetricName, side: 'low' | 'high', def: number, hysteresis: number, unit: string,
  o: { priority?: Priority; delayMs?: number; latching?: boolean } = {},
): AlarmConditionDef => ({
  id, name, source: 'limit', technical: false, priority: o.priority ?? 'medium', latching: o.latching ?? false, canDisable: true,
  delayMs: o.delayMs ?? 10_000, escalateAfterMs: (o.priority ?? 'medium') === 'medium' ? ESCALATE_MS : null,
  limit: { metric, side, default: def, hysteresis, unit },
});

const technical = (id: string, name: string, priority: Priority, delayMs: number, o: { latching?: boolean } = {}): AlarmConditionDef => ({
  id, name, source: 'technical', technical: true, priority, latching: o.latching ?? false, canDisable: false, delayMs, escalateAfterMs: null,
});

/** Rhythm conditions, straight from the detectors' table. */
const RHYTHM: AlarmConditionDef[] = CONDITIONS.map((c) => ({
  id: c.id,
  name: c.name,
  source: c.technical ? 'technical' : 'rhythm',
  technical: c.technical,
  priority: c.priority,
  latching: c.latching,
  canDisable: c.canDisable,
  delayMs: (c.alarmDelayS ?? 0) * 1000,
  escalateAfterMs: !c.technical && c.priority === 'medium' ? ESCALATE_MS : null,
}));

export const ALARM_CONDITIONS: readonly AlarmConditionDef[] = [
  ...RHYTHM,
  // SpO2: a deep desaturation is life-threatening (red), a mild one medium.
  limit('spo2-desat', 'SpO2 Desat', 'spo2', 'low', 80, 1, '%', { priority: 'high', latching: true, delayMs: 5_000 }),
  limit('spo2-low', 'SpO2 Low', 'spo2', 'low', 90, 1, '%'),
  limit('spo2-high', 'SpO2 High', 'spo2', 'high', 100.5, 1, '%'),
  limit('pulse-low', 'Pulse Low', 'pulse_rate', 'low', 50, 3, '/min'),
  limit('pulse-high', 'Pulse High', 'pulse_rate', 'high', 120, 3, '/min'),
  limit('resp-low', 'Resp Low', 'resp_rate', 'low', 8, 1, '/min'),
  limit('resp-high', 'Resp High', 'resp_rate', 'high', 30, 1, '/min'),
  limit('temp-low', 'Temp Low', 'temp', 'low', 35.5, 0.2, 'Cel', { priority: 'low', delayMs: 30_000 }),
  limit('temp-high', 'Temp High', 'temp', 'high', 39, 0.2, 'Cel', { priority: 'low', delayMs: 30_000 }),
  // NIBP is episodic: each reading decides at once (no delay, nothing to hover).
  limit('nibp-sys-low', 'NBP Sys Low', 'nibp_sys', 'low', 90, 0, 'mm[Hg]', { delayMs: 0 }),
  limit('nibp-sys-high', 'NBP Sys High', 'nibp_sys', 'high', 160, 0, 'mm[Hg]', { delayMs: 0 }),
  limit('nibp-dia-low', 'NBP Dia Low', 'nibp_dia', 'low', 50, 0, 'mm[Hg]', { delayMs: 0 }),
  limit('nibp-dia-high', 'NBP Dia High', 'nibp_dia', 'high', 90, 0, 'mm[Hg]', { delayMs: 0 }),
  limit('nibp-map-low', 'NBP Mean Low', 'nibp_map', 'low', 60, 0, 'mm[Hg]', { delayMs: 0 }),
  limit('nibp-map-high', 'NBP Mean High', 'nibp_map', 'high', 110, 0, 'mm[Hg]', { delayMs: 0 }),
  technical('device-disconnected', 'Device Disconnected', 'medium', 10_000),
  // A wireless sensor out of reach longer than its configured time (BLE `goneAlarmAfterS`).
  technical('device-gone', 'Sensor Out Of Range', 'medium', 0),
  technical('no-data', 'No Data From Device', 'medium', 0),
  // A sensor that reports itself off the patient (BLE pulse oximeter / HR strap contact flag:
  // driver state sensor-fault): its readings stop meaning anything until it is back on.
  technical('sensor-off', 'Sensor Off Patient', 'medium', 0),
  // The data directory's file system nearly full, or the store's writer failing (waveform,
  // beats, events): raised and cleared by the TechnicalWatch (src/alarms/technical-watch.ts)
  // alone, every 10 s; the alarm log has its own conditions below, so one cannot clear the other.
  technical('storage-failure', 'Storage Failure', 'medium', 0),
  // An alarm log write failed (the entry is lost, and the alarms in force may not survive a
  // power cut). The condition holds until an alarm log write succeeds again (raised and ended
  // by src/pipeline/bedside.ts); it latches, so even a single lost entry stays shown until
  // someone acknowledges it: the legal record (IEC 60601-1-8 6.12) has a gap.
  technical('alarm-log-failed', 'Alarm Log Failure', 'medium', 0, { latching: true }),
  // At start the persisted alarm state could not be read: latched alarms from before the
  // restart may be lost. An event, not a lasting condition (a later successful write does not
  // bring them back): raised and ended at once, so it stays LATCHED until acknowledged. The
  // alarm log still holds what happened before.
  technical('alarm-state-lost', 'Prior Alarms Not Restored', 'medium', 0, { latching: true }),
  technical('uplink-down', 'Uplink Down', 'low', 0),
  technical('outbox-drop', 'Upload Data Dropped', 'low', 0),
  technical('model-failed', 'Beat Classifier Failed', 'medium', 0),
  // The hub's ECG analysis threw on a block (bad configuration or an internal error): no
  // arrhythmia detection on this bed. Raised per ECG device (`ecg-analysis-failed@<device>`).
  technical('ecg-analysis-failed', 'ECG Analysis Failed', 'medium', 0),
];

function bad(path: string, message: string): VigilError {
  return new VigilError('VIGIL_CONDITION_TABLE_INVALID', `alarm table ${path}: ${message}`, { details: { path } });
}

/** Checks the table (run at start and over every entry in the tests); returns it by id. */
export function validateAlarmTable(table: readonly AlarmConditionDef[]): ReadonlyMap<string, AlarmConditionDef> {
  const byId = new Map<string, AlarmConditionDef>();
  table.forEach((c, i) => {
    const at = `[${i}]`;
    if (!/^[a-z][a-z0-9-]{1,31}$/.test(c.id)) throw bad(`${at}.id`, `bad id "${c.id}"`);
    if (byId.has(c.id)) throw bad(`${at}.id`, `duplicate id "${c.id}"`);
    if (c.name.trim() === '' || c.name.length > 40) throw bad(`${at}.name`, 'name must be 1-40 characters');
    if (!(c.delayMs >= 0 && c.delayMs <= 120_000)) throw bad(`${at}.delayMs`, 'must be 0..120000');
    if (c.technical && c.priority === 'high') throw bad(`${at}.priority`, 'technical conditions are medium or low priority');
    if (c.technical !== (c.source === 'technical')) throw bad(`${at}.source`, 'technical conditions have source "technical"');
    if (!c.canDisable && !c.technical && c.priority !== 'high') throw bad(`${at}.canDisable`, 'only high-priority physiological conditions may be non-disableable');
    if (c.escalateAfterMs !== null && c.priority !== 'medium') throw bad(`${at}.escalateAfterMs`, 'only medium alarms escalate');
    if ((c.source === 'limit') !== (c.limit !== undefined)) throw bad(`${at}.limit`, 'limit alarms (and only they) have a limit');
    if (c.limit !== undefined && !(c.limit.hysteresis >= 0 && Number.isFinite(c.limit.default))) throw bad(`${at}.limit`, 'need a finite default and hysteresis >= 0');
    byId.set(c.id, c);
  });
  return byId;
}

/** The IEC 60601-1-8 order: high before medium before low. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { high: 3, medium: 2, low: 1 };
