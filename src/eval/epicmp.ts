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
  return out.sort((a, b) => a.start - b.start);
}

export interface EpisodeScore {
  readonly label: string;
  readonly refEpisodes: number;
  readonly testEpisodes: number;
  /** Reference episodes overlapped by a test episode. */
  readonly refDetected: number;
  /** Test episodes overlapping a reference episode. */
  readonly testTrue: number;
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

function clip(list: readonly Episode[], label: string, start: number, end: number): Episode[] {
  const out: Episode[] = [];
  for (const e of list) {
    if (e.label !== label) continue;
    const s = Math.max(e.start, start);
    const f = Math.min(e.end, end);
    if (f > s) out.push({ label, start: s, end: f });
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
}

/** Score test episodes of one label against the reference ones. */
export function compareEpisodes(ref: readonly Episode[], test: readonly Episode[], label: string, fs: number, endSample: number, options: EpisodeOptions = {}): EpisodeScore {
  const start = Math.round((options.startS ?? 300) * fs);
  const end = options.endS === undefined ? endSample : Math.round(options.endS * fs);
  const r = clip(ref, label, start, end);
  const t = clip(test, label, start, end);
  let overlapSamples = 0;
  const testHit = new Uint8Array(t.length);
  let refDetected = 0;
  for (const a of r) {
    let hit = false;
    t.forEach((b, j) => {
      const o = overlap(a, b);
      if (o > 0) {
        hit = true;
        testHit[j] = 1;
        // Episodes of one label never overlap within a file, so summing pairwise
        // intersections measures the intersection of the two unions.
        overlapSamples += o;
      }
    });
    if (hit) refDetected++;
  }
  const testTrue = testHit.reduce((s, v) => s + v, 0);
  const refDur = r.reduce((s, e) => s + e.end - e.start, 0);
  const testDur = t.reduce((s, e) => s + e.end - e.start, 0);
  return {
    label,
    refEpisodes: r.length,
    testEpisodes: t.length,
    refDetected,
    testTrue,
    refDurationS: refDur / fs,
    testDurationS: testDur / fs,
    overlapS: overlapSamples / fs,
    se: ratio(refDetected, r.length),
    ppv: ratio(testTrue, t.length),
    durationSe: ratio(overlapSamples, refDur),
    durationPpv: ratio(overlapSamples, testDur),
  };
}

/** Score every label of `labels` for one record. */
export function scoreEpisodes(reference: AnnotationSet, test: AnnotationSet, fs: number, endSample: number, options: EpisodeOptions & { labels?: readonly string[] } = {}): EpisodeScore[] {
  const r = extractEpisodes(reference, endSample);
  const t = extractEpisodes(test, endSample);
  return (options.labels ?? EPISODE_LABELS).map((l) => compareEpisodes(r, t, l, fs, endSample, options));
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
