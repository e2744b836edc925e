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
 * Of those, the ones whose V beats run at VT_MIN_RATE_BPM or faster (the alarm's rate, default
 * 100/min) are counted apart: a slower run (accelerated idioventricular rhythm, mitdb 205 and
 * 223's "slow VT") is, by the alarm's definition, a medium "Run PVCs".
 */
import type { AnnotationSet } from '../wfdb/annotations.ts';
import { AnnotationCode } from '../wfdb/codes.ts';
import { extractEpisodes, mergeSameLabel } from './epicmp.ts';
import { CLASS_V, aamiClass } from './classes.ts';

/** Ventricular beats a reference "(VT" episode needs to count as a VTach episode (the alarm's default). */
export const VT_MIN_BEATS = 5;
/** Mean rate of an episode's V beats from which it counts as a VTach episode at the alarm's rate (default vtMinRateBpm). */
export const VT_MIN_RATE_BPM = 100;

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
  /** VTach: the episodes whose V beats run at >= VT_MIN_RATE_BPM, and how many were alarmed (other conditions: as above). */
  readonly fastEpisodes: number;
  readonly fastEpisodesAlarmed: number;
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
    // One event marked under several of the labels (mitdb 207's VF: '[' ']' and "(VFL") is one episode.
    const eps = mergeSameLabel(refEpisodes.filter((e) => labels.includes(e.label)).map((e) => ({ ...e, label: condition })));
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
    const vt = condition === 'vtach';
    const runs = eps.map((e) => ({ e, v: vt ? ventricularBeats(reference, e.start, e.end, fs) : null }));
    const counted = runs.filter((r) => r.v === null || r.v.count >= VT_MIN_BEATS);
    const fast = counted.filter((r) => r.v === null || r.v.rateBpm >= VT_MIN_RATE_BPM);
    const alarmed = (e: { start: number; end: number }): boolean => alarmsAt.some((t) => e.start <= t + tol && e.end >= t - tol);
    byCondition.push({
      condition, total, falseAlarms: falseAt.length, falseAt, referenceHasRhythm: eps.length > 0,
      episodes: counted.length, episodesAlarmed: counted.filter((r) => alarmed(r.e)).length, fastEpisodes: fast.length, fastEpisodesAlarmed: fast.filter((r) => alarmed(r.e)).length,
    });
  }
  return { hours: Math.max(0, lengthSamples - from) / fs / 3600, byCondition };
}

/** Reference beats of AAMI class V in [start, end], and their mean rate (first to last V beat; 0 with < 2). */
function ventricularBeats(reference: AnnotationSet, start: number, end: number, fs: number): { count: number; rateBpm: number } {
  let n = 0;
  let first = -1;
  let last = -1;
  for (let i = 0; i < reference.length; i++) {
    const t = reference.sample[i] as number;
    if (t >= start && t <= end && aamiClass(reference.code[i] as number) === CLASS_V) {
      n++;
      if (first < 0) first = t;
      last = t;
    }
  }
  return { count: n, rateBpm: n >= 2 && last > first ? ((n - 1) * 60 * fs) / (last - first) : 0 };
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
  /** VTach: the episodes at the alarm's rate (see AlarmScore.fastEpisodes). */
  readonly fastEpisodes: number;
  readonly fastEpisodesAlarmed: number;
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
    let fastEpisodes = 0;
    let fastEpisodesAlarmed = 0;
    for (const r of records) {
      const s = r.byCondition.find((c) => c.condition === condition);
      if (s === undefined) continue;
      episodes += s.episodes;
      episodesAlarmed += s.episodesAlarmed;
      fastEpisodes += s.fastEpisodes;
      fastEpisodesAlarmed += s.fastEpisodesAlarmed;
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
      condition, total, falseAlarms, hours, falsePerHour: hours > 0 ? falseAlarms / hours : null, episodes, episodesAlarmed, fastEpisodes, fastEpisodesAlarmed,
      withoutRhythm: { records: wRecords, hours: wHours, falseAlarms: wFalse, falsePerHour: wHours > 0 ? wFalse / wHours : null },
    };
  });
}
