/**
 * High-priority alarm scoring: were the life-threatening alarms a monitor would have sounded
 * (asystole, VF/VFL, VT) true or false against the reference rhythm annotations?
 *
 * `vigil analyze` writes each high-priority alarm onset as a NOTE annotation (code 22, '"')
 * with aux "ALARM <condition>" at the estimated onset (the rhythm timeline alone cannot tell
 * a VTach alarm from a medium "Run PVCs": mitdb labels both "(VT"). An alarm is true when its
 * time, widened by TOLERANCE_S on both sides, overlaps a reference episode of the matching
 * rhythm; otherwise it is false. Alarms before the comparison start (EC57's learning period)
 * are not counted. The figure the issue asks for is false alarms per hour of ECG.
 *
 * The other direction, per condition: how many reference episodes got their alarm (an alarm
 * of that condition within TOLERANCE_S of the episode). For VTach only the reference "(VT"
 * episodes holding at least VT_MIN_BEATS ventricular beats count (the alarm's definition,
 * default 5): mitdb also labels 3- and 4-beat runs "(VT", which are a medium "Run PVCs".
 */
import type { AnnotationSet } from '../wfdb/annotations.ts';
import { AnnotationCode } from '../wfdb/codes.ts';
import { extractEpisodes } from './epicmp.ts';
import { CLASS_V, aamiClass } from './classes.ts';

/** Ventricular beats a reference "(VT" episode needs to count as a VTach episode (the alarm's default). */
export const VT_MIN_BEATS = 5;

/** Alarm conditions scored, with the reference rhythm labels that make them true. */
export const SCORED_ALARMS: Readonly<Record<string, readonly string[]>> = {
  asystole: ['ASYS'],
  vfib: ['VFL', 'VF'],
  vtach: ['VT'],
};

/** Slack around an alarm's onset estimate when matching reference episodes. */
export const TOLERANCE_S = 2;

export const ALARM_NOTE_PREFIX = 'ALARM ';

export interface AlarmScore {
  readonly condition: string;
  readonly total: number;
  readonly falseAlarms: number;
  /** Sample of each false alarm, for inspection. */
  readonly falseAt: readonly number[];
  /** Whether the reference has any episode of the matching rhythm in the scored interval. */
  readonly referenceHasRhythm: boolean;
  /** Reference episodes of the condition (VTach: with >= VT_MIN_BEATS V beats) in the scored interval. */
  readonly episodes: number;
  /** Of those, the ones an alarm of the condition overlaps (within TOLERANCE_S). */
  readonly episodesAlarmed: number;
}

export interface RecordAlarms {
  readonly hours: number;
  readonly byCondition: readonly AlarmScore[];
}

export function scoreAlarms(reference: AnnotationSet, test: AnnotationSet, fs: number, lengthSamples: number, startS = 300): RecordAlarms {
  const from = Math.round(startS * fs);
  const tol = Math.round(TOLERANCE_S * fs);
  const refEpisodes = extractEpisodes(reference, lengthSamples).filter((e) => e.end > from);
  const byCondition: AlarmScore[] = [];
  for (const [condition, labels] of Object.entries(SCORED_ALARMS)) {
    const eps = refEpisodes.filter((e) => labels.includes(e.label));
    let total = 0;
    const falseAt: number[] = [];
    const alarmsAt: number[] = [];
    for (let i = 0; i < test.length; i++) {
      if (test.code[i] !== AnnotationCode.NOTE || test.aux[i] !== ALARM_NOTE_PREFIX + condition) continue;
      const t = test.sample[i] as number;
      alarmsAt.push(t);
      if (t < from) continue;
      total++;
      if (!eps.some((e) => e.start <= t + tol && e.end >= t - tol)) falseAt.push(t);
    }
    const counted = condition === 'vtach' ? eps.filter((e) => ventricularBeats(reference, e.start, e.end) >= VT_MIN_BEATS) : eps;
    const episodesAlarmed = counted.filter((e) => alarmsAt.some((t) => e.start <= t + tol && e.end >= t - tol)).length;
    byCondition.push({ condition, total, falseAlarms: falseAt.length, falseAt, referenceHasRhythm: eps.length > 0, episodes: counted.length, episodesAlarmed });
  }
  return { hours: Math.max(0, lengthSamples - from) / fs / 3600, byCondition };
}

/** Reference beats of AAMI class V in [start, end]. */
function ventricularBeats(reference: AnnotationSet, start: number, end: number): number {
  let n = 0;
  for (let i = 0; i < reference.length; i++) {
    const t = reference.sample[i] as number;
    if (t >= start && t <= end && aamiClass(reference.code[i] as number) === CLASS_V) n++;
  }
  return n;
}

export interface AlarmAggregate {
  readonly condition: string;
  readonly total: number;
  readonly falseAlarms: number;
  readonly hours: number;
  readonly falsePerHour: number | null;
  /** Reference episodes of the condition, and how many were alarmed (see AlarmScore). */
  readonly episodes: number;
  readonly episodesAlarmed: number;
  /** Over the records whose reference has none of the matching rhythm (the figure). */
  readonly withoutRhythm: { readonly records: number; readonly hours: number; readonly falseAlarms: number; readonly falsePerHour: number | null };
}

export function aggregateAlarms(records: readonly RecordAlarms[]): AlarmAggregate[] {
  return Object.keys(SCORED_ALARMS).map((condition) => {
    let total = 0;
    let falseAlarms = 0;
    let hours = 0;
    let wRecords = 0;
    let wHours = 0;
    let wFalse = 0;
    let episodes = 0;
    let episodesAlarmed = 0;
    for (const r of records) {
      const s = r.byCondition.find((c) => c.condition === condition);
      if (s === undefined) continue;
      episodes += s.episodes;
      episodesAlarmed += s.episodesAlarmed;
      total += s.total;
      falseAlarms += s.falseAlarms;
      hours += r.hours;
      if (!s.referenceHasRhythm) {
        wRecords++;
        wHours += r.hours;
        wFalse += s.falseAlarms;
      }
    }
    return {
      condition, total, falseAlarms, hours, falsePerHour: hours > 0 ? falseAlarms / hours : null, episodes, episodesAlarmed,
      withoutRhythm: { records: wRecords, hours: wHours, falseAlarms: wFalse, falsePerHour: wHours > 0 ? wFalse / wHours : null },
    };
  });
}
