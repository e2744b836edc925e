/**
 * Episode comparison for rhythm detectors, after WFDB `epicmp` and ANSI/AAMI EC57 §3.4
 * (AF, VT, VF/VFL episode statistics).
 *
 * Episodes: a rhythm annotation (code 28 '+') whose aux is "(X" opens an episode of rhythm X
 * that lasts until the next rhythm annotation with a different label, or the record's end; a
 * repeated "(X" continues the same episode. Independently, '[' ... ']' (codes 32/33) make
 * episodes labelled "VF" (an unterminated '[' runs to the end).
 *
 * Scoring one label over [start, end) (episodes are clipped to the interval, EC57 ignores the
 * learning period as bxb does): a reference episode is detected when a test episode of the
 * label overlaps it by at least one sample; a test episode is true when it overlaps a
 * reference one. Episode Se = detected / reference episodes, episode +P = true / test
 * episodes. Duration Se = overlapping time / reference time, duration +P = overlapping time
 * / test time. Figures are fractions, null when undefined.
 *
 * AF positive predictivity counts every test AF episode, as EC57 and EC38:2007 do (WFDB
 * epicmp's default since 2010). On request (`exclusions: true`, `vigil eval --exclude-afl`,
 * epicmp -x) it leaves out reference atrial flutter as EC38:1998 did: a test AF episode wholly
 * inside a reference "(AFL" interval is not counted; one that overlaps such an interval is
 * judged and timed without the flutter part (trimmed at its start or end, or with an inner
 * interval subtracted from its duration). Sensitivity has no exclusion. One deliberate
 * difference from epicmp's C there: when an episode starts inside an exclusion, epicmp adds the
 * excluded part to the duration (a sign slip, `duration -= ep_start - ex_end`); here it is
 * subtracted, as its comment intends. (Until 2026-11 this excluded flutter by default, and said
 * EC57 did: wrong, it is the 1998 rule; DS1's AF duration +P was reported 91.0 % instead of 76.0 %.)
 *
 * Episodes of one label that overlap or touch are one episode: mitdb and `vigil analyze` mark a
 * ventricular fibrillation both with '[' ']' and with a rhythm label, and a "(VF" label would
 * otherwise count the same event twice under "VF".
 */
import type { AnnotationSet } from '../wfdb/annotations.ts';
import { AnnotationCode } from '../wfdb/codes.ts';
import { meanDefined } from './stats.ts';

export interface Episode {
  readonly label: string;
  /** Samples, [start, end). */
  readonly start: number;
  readonly end: number;
}

/** Default labels scored: AF, atrial flutter, VT, ventricular flutter, VF. */
export const EPISODE_LABELS: readonly string[] = ['AFIB', 'AFL', 'VT', 'VFL', 'VF'];

/** With exclusions on (EC38:1998, epicmp -x): reference episodes of the value's label are left out of the key label's +P. */
export const PPV_EXCLUSIONS: Readonly<Record<string, string>> = { AFIB: 'AFL' };

/** Rhythm label of an aux string "(AFIB" -> "AFIB"; null when it is not a rhythm label. */
export function rhythmLabel(aux: string | null | undefined): string | null {
  if (aux === null || aux === undefined || !aux.startsWith('(')) return null;
  const label = aux.slice(1).trim();
  return label.length > 0 ? label : null;
}

/** Episodes of every rhythm label (and VF from '[' ']') in an annotation set, by start time. */
export function extractEpisodes(set: AnnotationSet, endSample: number): Episode[] {
  const out: Episode[] = [];
  let label: string | null = null;
  let since = 0;
  let vfOn = -1;
  for (let i = 0; i < set.length; i++) {
    const c = set.code[i]!;
    const t = set.sample[i]!;
    if (c === AnnotationCode.RHYTHM) {
      const l = rhythmLabel(set.aux[i]);
      if (l === null || l === label) continue;
      if (label !== null && t > since) out.push({ label, start: since, end: t });
      label = l;
      since = t;
    } else if (c === AnnotationCode.VFON && vfOn < 0) {
      vfOn = t;
    } else if (c === AnnotationCode.VFOFF && vfOn >= 0) {
      if (t > vfOn) out.push({ label: 'VF', start: vfOn, end: t });
      vfOn = -1;
    }
  }
  if (label !== null && endSample > since) out.push({ label, start: since, end: endSample });
  if (vfOn >= 0 && endSample > vfOn) out.push({ label: 'VF', start: vfOn, end: endSample });
  return mergeSameLabel(out.sort((a, b) => a.start - b.start));
}

/** Episodes (sorted by start) with overlapping or touching episodes of one label merged. */
export function mergeSameLabel(sorted: readonly Episode[]): Episode[] {
  const out: Episode[] = [];
  const open = new Map<string, number>();
  for (const e of sorted) {
    const i = open.get(e.label);
    const prev = i === undefined ? undefined : out[i];
    if (prev !== undefined && e.start <= prev.end) {
      if (e.end > prev.end) out[i as number] = { label: prev.label, start: prev.start, end: e.end };
      continue;
    }
    open.set(e.label, out.length);
    out.push(e);
  }
  return out;
}

export interface EpisodeScore {
  readonly label: string;
  readonly refEpisodes: number;
  readonly testEpisodes: number;
  /** Reference episodes overlapped by a test episode. */
  readonly refDetected: number;
  /** Test episodes overlapping a reference episode. */
  readonly testTrue: number;
  /** Test episodes left out of +P because they lie wholly inside an exclusion (AF: reference flutter). */
  readonly testExcluded: number;
  /** Test time left out of +P (inside exclusions), seconds. */
  readonly excludedS: number;
  /** Durations in seconds. */
  readonly refDurationS: number;
  readonly testDurationS: number;
  readonly overlapS: number;
  readonly se: number | null;
  readonly ppv: number | null;
  readonly durationSe: number | null;
  readonly durationPpv: number | null;
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

/** Episodes of `label` (null: every label) clipped to [start, end). */
function clip(list: readonly Episode[], label: string | null, start: number, end: number): Episode[] {
  const out: Episode[] = [];
  for (const e of list) {
    if (label !== null && e.label !== label) continue;
    const s = Math.max(e.start, start);
    const f = Math.min(e.end, end);
    if (f > s) out.push({ label: e.label, start: s, end: f });
  }
  return out;
}

function overlap(a: Episode, b: Episode): number {
  return Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
}

export interface EpisodeOptions {
  /** Comparison start, seconds (default 300, as bxb). */
  startS?: number;
  /** Comparison end, seconds (default: endSample). */
  endS?: number;
  /**
   * Reference intervals left out of +P (default: none for compareEpisodes; scoreEpisodes
   * passes the reference episodes named by PPV_EXCLUSIONS unless `exclusions` is false).
   */
  exclude?: readonly Episode[];
}

/**
 * One test episode judged for +P without the excluded intervals (sorted, clipped, disjoint):
 * null when wholly inside one, else its trimmed span and remaining duration (epicmp).
 */
function withoutExclusions(e: Episode, ex: readonly Episode[]): { span: Episode; duration: number } | null {
  let start = e.start;
  let end = e.end;
  let duration = end - start;
  for (const x of ex) {
    if (end <= x.start) break;
    if (x.start <= start && start <= x.end) {
      if (end <= x.end) return null;
      duration -= x.end - start;
      start = x.end;
    } else if (start <= x.start && x.start <= end) {
      if (x.end < end) duration -= x.end - x.start;
      else {
        duration -= end - x.start;
        end = x.start;
      }
    }
  }
  return { span: { label: e.label, start, end }, duration };
}

/** Score test episodes of one label against the reference ones. */
export function compareEpisodes(ref: readonly Episode[], test: readonly Episode[], label: string, fs: number, endSample: number, options: EpisodeOptions = {}): EpisodeScore {
  const start = Math.round((options.startS ?? 300) * fs);
  const end = options.endS === undefined ? endSample : Math.round(options.endS * fs);
  const r = clip(ref, label, start, end);
  const t = clip(test, label, start, end);
  let overlapSamples = 0;
  let refDetected = 0;
  for (const a of r) {
    let hit = false;
    for (const b of t) {
      const o = overlap(a, b);
      if (o > 0) {
        hit = true;
        // Episodes of one label never overlap within a file, so summing pairwise
        // intersections measures the intersection of the two unions.
        overlapSamples += o;
      }
    }
    if (hit) refDetected++;
  }
  // +P: each test episode without the excluded intervals (none unless asked).
  const ex = clip(options.exclude ?? [], null, start, end).sort((a, b) => a.start - b.start);
  let testEpisodes = 0;
  let testTrue = 0;
  let testExcluded = 0;
  let testDur = 0;
  let excluded = 0;
  for (const b of t) {
    const kept = withoutExclusions(b, ex);
    if (kept === null) {
      testExcluded++;
      excluded += b.end - b.start;
      continue;
    }
    testEpisodes++;
    testDur += kept.duration;
    excluded += b.end - b.start - kept.duration;
    if (r.some((a) => overlap(a, kept.span) > 0)) testTrue++;
  }
  const refDur = r.reduce((s, e) => s + e.end - e.start, 0);
  return {
    label,
    refEpisodes: r.length,
    testEpisodes,
    refDetected,
    testTrue,
    testExcluded,
    excludedS: excluded / fs,
    refDurationS: refDur / fs,
    testDurationS: testDur / fs,
    overlapS: overlapSamples / fs,
    se: ratio(refDetected, r.length),
    ppv: ratio(testTrue, testEpisodes),
    durationSe: ratio(overlapSamples, refDur),
    durationPpv: ratio(overlapSamples, testDur),
  };
}

/** Score every label of `labels` for one record. */
export function scoreEpisodes(reference: AnnotationSet, test: AnnotationSet, fs: number, endSample: number, options: EpisodeOptions & { labels?: readonly string[]; exclusions?: boolean } = {}): EpisodeScore[] {
  const r = extractEpisodes(reference, endSample);
  const t = extractEpisodes(test, endSample);
  return (options.labels ?? EPISODE_LABELS).map((l) => {
    const x = options.exclusions === true ? PPV_EXCLUSIONS[l] : undefined;
    return compareEpisodes(r, t, l, fs, endSample, { ...options, exclude: x === undefined ? undefined : r.filter((e) => e.label === x) });
  });
}

export interface EpisodeAggregate {
  /** From episode counts and durations pooled over records. */
  readonly gross: EpisodeScore;
  /** Means of the per-record figures over records where each is defined. */
  readonly average: { readonly se: number | null; readonly ppv: number | null; readonly durationSe: number | null; readonly durationPpv: number | null };
}

/** Gross and average over records for one label (scores of other labels are ignored). */
export function aggregateEpisodes(scores: readonly EpisodeScore[], label: string): EpisodeAggregate {
  const s = scores.filter((x) => x.label === label);
  const sum = (f: (x: EpisodeScore) => number): number => s.reduce((a, x) => a + f(x), 0);
  const refEpisodes = sum((x) => x.refEpisodes);
  const testEpisodes = sum((x) => x.testEpisodes);
  const refDetected = sum((x) => x.refDetected);
  const testTrue = sum((x) => x.testTrue);
  const testExcluded = sum((x) => x.testExcluded);
  const excludedS = sum((x) => x.excludedS);
  const refDurationS = sum((x) => x.refDurationS);
  const testDurationS = sum((x) => x.testDurationS);
  const overlapS = sum((x) => x.overlapS);
  return {
    gross: {
      label,
      refEpisodes,
      testEpisodes,
      refDetected,
      testTrue,
      testExcluded,
      excludedS,
      refDurationS,
      testDurationS,
      overlapS,
      se: ratio(refDetected, refEpisodes),
      ppv: ratio(testTrue, testEpisodes),
      durationSe: ratio(overlapS, refDurationS),
      durationPpv: ratio(overlapS, testDurationS),
    },
    average: {
      se: meanDefined(s.map((x) => x.se)),
      ppv: meanDefined(s.map((x) => x.ppv)),
      durationSe: meanDefined(s.map((x) => x.durationSe)),
      durationPpv: meanDefined(s.map((x) => x.durationPpv)),
    },
  };
}
