/**
 * The `alarms` section of the hub configuration: per-bed limits, delays, switched-off
 * conditions, audio pause, escalation and the command hook. Checked against the alarm table
 * at load, so a misspelt condition or a limit outside its plausible range stops the start
 * with a clear message instead of silently leaving a bed unprotected.
 */
import { z } from 'zod';
import type { MetricName } from '../../drivers/contract.ts';
import { CONDITIONS } from '../detect/conditions.ts';
import { isVigilError } from '../core/errors.ts';
import { resolveRhythmConfig, type RhythmConfig } from '../detect/rhythm/config.ts';
import type { AlarmSettings } from './manager.ts';
import { ALARM_CONDITIONS } from './table.ts';

/** Plausible range of each metric's limits (a limit outside is a typo, not a setting). */
const METRIC_RANGE: Readonly<Partial<Record<MetricName, readonly [number, number]>>> = {
  spo2: [50, 100.5], pulse_rate: [15, 300], resp_rate: [0, 150], temp: [25, 45],
  nibp_sys: [10, 300], nibp_dia: [10, 300], nibp_map: [10, 300],
};

/** HR limits live in the rhythm detectors (ECG-derived HR), keyed here by their alarm id. */
const HR_LIMIT_KEYS: Readonly<Record<string, keyof RhythmConfig>> = {
  'hr-low': 'hrLowBpm', 'hr-high': 'hrHighBpm', 'extreme-brady': 'extremeBradyBpm', 'extreme-tachy': 'extremeTachyBpm',
};

const conditionIds = new Set(ALARM_CONDITIONS.map((c) => c.id));

export const alarmsConfigSchema = z
  .strictObject({
    /** IEC 60601-1-8 audio pause length. */
    audioPauseS: z.number().min(10).max(600).default(120),
    /** Unacknowledged medium physiological alarms escalate to high after this; 0: never; null: table default (120 s). */
    escalateAfterS: z.number().min(0).max(3600).nullable().default(null),
    /** Conditions switched off for this bed (asystole, VF, VT and technical alarms cannot be). */
    disabled: z.array(z.string()).default([]),
    /** Limit per condition id, e.g. {"spo2-low": 88, "hr-high": 130}; null switches a limit off. */
    limits: z.record(z.string(), z.number().nullable()).default({}),
    /** Alarm-condition delay per condition id, in seconds. */
    delaysS: z.record(z.string(), z.number().min(0).max(120)).default({}),
    /** Free space on the data directory's file system below this raises "storage failure" (MB). */
    storageMinFreeMb: z.number().min(1).max(1_000_000).default(200),
    /** A connected device that sends nothing for this long raises "no data". */
    noDataAfterS: z.number().min(2).max(600).default(10),
    /** A program run with the alarm as JSON on stdin at each onset/escalation (buzzer, nurse call, GPIO); argv, no shell. */
    hook: z
      .strictObject({
        command: z.array(z.string().min(1)).min(1).nullable().default(null),
        timeoutMs: z.number().int().min(100).max(60_000).default(5000),
        /** Which alarm priorities run the hook. */
        priorities: z.array(z.enum(['high', 'medium', 'low'])).min(1).default(['high', 'medium', 'low']),
      })
      .default({ command: null, timeoutMs: 5000, priorities: ['high', 'medium', 'low'] }),
  })
  .superRefine((a, ctx) => {
    a.disabled.forEach((id, i) => {
      const def = ALARM_CONDITIONS.find((c) => c.id === id);
      if (def === undefined) ctx.addIssue({ code: 'custom', path: ['disabled', i], message: `unknown alarm condition "${id}"`, input: id });
      else if (!def.canDisable) ctx.addIssue({ code: 'custom', path: ['disabled', i], message: `"${id}" cannot be switched off (IEC 60601-2-27 / technical alarm)`, input: id });
    });
    for (const [id, v] of Object.entries(a.limits)) {
      const hrKey = HR_LIMIT_KEYS[id];
      if (hrKey !== undefined) {
        const q = CONDITIONS.flatMap((c) => c.params).find((p) => p.key === hrKey);
        if (v === null) ctx.addIssue({ code: 'custom', path: ['limits', id], message: `switch "${id}" off with alarms.disabled, not a null limit`, input: v });
        else if (q !== undefined && !(v >= q.min && v <= q.max)) ctx.addIssue({ code: 'custom', path: ['limits', id], message: `limit ${v} outside ${q.min}..${q.max} bpm`, input: v });
        continue;
      }
      const def = ALARM_CONDITIONS.find((c) => c.id === id);
      if (def?.limit === undefined) {
        ctx.addIssue({ code: 'custom', path: ['limits', id], message: `"${id}" is not a limit alarm (limits: ${[...Object.keys(HR_LIMIT_KEYS), ...ALARM_CONDITIONS.filter((c) => c.limit).map((c) => c.id)].join(', ')})`, input: v });
        continue;
      }
      const r = METRIC_RANGE[def.limit.metric];
      if (v !== null && r !== undefined && !(v >= r[0] && v <= r[1])) ctx.addIssue({ code: 'custom', path: ['limits', id], message: `limit ${v} outside ${r[0]}..${r[1]} ${def.limit.unit}`, input: v });
    }
    for (const id of Object.keys(a.delaysS)) {
      const def = ALARM_CONDITIONS.find((c) => c.id === id);
      if (def === undefined) ctx.addIssue({ code: 'custom', path: ['delaysS', id], message: `unknown alarm condition "${id}"`, input: id });
      // Asystole, VF, VTach and extreme brady/tachy sound as soon as their detector decides
      // (its own delay is the definition: 4 s of no QRS, the 5th V beat): a bed must not be
      // able to hold them back (the condition table refuses such a delay too).
      else if (def.source === 'rhythm' && def.priority === 'high') ctx.addIssue({ code: 'custom', path: ['delaysS', id], message: `"${id}" is a high-priority arrhythmia alarm: it takes no alarm delay`, input: a.delaysS[id] });
    }
    // Low and high limits of one vital sign must leave room between them (a low limit at or above
    // the high one alarms all the time), and the SpO2 desaturation limit (high priority) lies at
    // or below the SpO2 low limit. Limits left at their defaults count with their default value.
    const effective = (id: string): number | null => {
      const def = ALARM_CONDITIONS.find((c) => c.id === id);
      if (def?.limit === undefined) return null;
      const v = a.limits[id];
      return v === undefined ? def.limit.default : v;
    };
    const metrics = new Set(ALARM_CONDITIONS.flatMap((c) => (c.limit ? [c.limit.metric] : [])));
    for (const m of metrics) {
      const defs = ALARM_CONDITIONS.filter((c) => c.limit?.metric === m);
      for (const lo of defs.filter((c) => c.limit?.side === 'low')) {
        for (const hi of defs.filter((c) => c.limit?.side === 'high')) {
          const l = effective(lo.id);
          const h = effective(hi.id);
          if (l !== null && h !== null && !(l < h)) ctx.addIssue({ code: 'custom', path: ['limits', lo.id], message: `${lo.id} ${l} must be below ${hi.id} ${h}`, input: l });
        }
      }
    }
    const desat = effective('spo2-desat');
    const spo2Low = effective('spo2-low');
    if (desat !== null && spo2Low !== null && desat > spo2Low) ctx.addIssue({ code: 'custom', path: ['limits', 'spo2-desat'], message: `spo2-desat ${desat} must not be above spo2-low ${spo2Low}`, input: desat });
    // The HR limits also have to fit each other and the rhythm thresholds (hr-low below hr-high,
    // extreme-brady at most hr-low ...). Checked here, at load, with the detectors' own rules:
    // found only when the first ECG block builds the detectors, such a limit would stop every
    // bed's arrhythmia analysis instead of the start.
    try {
      resolveRhythmConfig(rhythmOverrides(a));
    } catch (e: unknown) {
      if (!isVigilError(e)) throw e;
      ctx.addIssue({ code: 'custom', path: ['limits'], message: `HR limits do not fit together: ${e.message.replace(/^rhythm config /, '')} (hr-low < hr-high, extreme-brady <= hr-low, extreme-tachy >= hr-high)`, input: a.limits });
    }
  });

export type AlarmsConfig = z.output<typeof alarmsConfigSchema>;

/** The alarm manager's settings from the config section. */
export function alarmSettings(c: AlarmsConfig): Partial<AlarmSettings> {
  const limits: Record<string, number | null> = {};
  for (const [id, v] of Object.entries(c.limits)) if (HR_LIMIT_KEYS[id] === undefined) limits[id] = v;
  const delaysMs: Record<string, number> = {};
  for (const [id, s] of Object.entries(c.delaysS)) delaysMs[id] = s * 1000;
  return {
    audioPauseMs: c.audioPauseS * 1000,
    escalateAfterMs: c.escalateAfterS === null ? null : c.escalateAfterS * 1000,
    disabled: c.disabled,
    limits,
    delaysMs,
  };
}

/** The rhythm detectors' part of the section: HR limits. */
export function rhythmOverrides(c: AlarmsConfig): Partial<RhythmConfig> {
  const out: Partial<Record<keyof RhythmConfig, number>> = {};
  for (const [id, v] of Object.entries(c.limits)) {
    const k = HR_LIMIT_KEYS[id];
    if (k !== undefined && v !== null) out[k] = v;
  }
  return out as Partial<RhythmConfig>;
}
