/** Small signal measurements used by the synthetic-patient tests. */
import type { TruthEvent } from '../../../drivers/synthetic/ecgsyn.ts';

export function beats(truth: readonly TruthEvent[], codes = 'NVA/'): TruthEvent[] {
  return truth.filter((e) => e.code.length === 1 && codes.includes(e.code));
}

export function rrSamples(b: readonly TruthEvent[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < b.length; i++) out.push(b[i]!.sample - b[i - 1]!.sample);
  return out;
}

export function mean(x: readonly number[]): number {
  return x.reduce((a, b) => a + b, 0) / x.length;
}

/** Coefficient of variation (sd / mean). */
export function cv(x: readonly number[]): number {
  const m = mean(x);
  const v = x.reduce((a, b) => a + (b - m) * (b - m), 0) / x.length;
  return Math.sqrt(v) / m;
}

/** Index of max |x - baseline| in [lo, hi]. */
export function argmaxAbs(x: Int32Array, lo: number, hi: number, baseline = 0): number {
  let best = Math.max(0, lo);
  for (let i = Math.max(0, lo); i <= Math.min(x.length - 1, hi); i++) {
    if (Math.abs(x[i]! - baseline) > Math.abs(x[best]! - baseline)) best = i;
  }
  return best;
}

/** max |x| over [lo, hi), in raw units. */
export function maxAbs(x: Int32Array, lo: number, hi: number): number {
  let m = 0;
  for (let i = Math.max(0, lo); i < Math.min(x.length, hi); i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

/**
 * QRS duration of a clean beat: from the annotation, walk outwards until |x| stays below 2 %
 * of the complex's peak for 20 ms (zero crossings inside the complex are shorter than that).
 * Returns [duration in ms, peak |x| in raw units].
 */
export function qrsWidthMs(x: Int32Array, at: number, fs: number): [number, number] {
  const w = Math.round(0.03 * fs);
  const peak = maxAbs(x, at - w, at + w + 1);
  const thr = 0.02 * peak;
  const quiet = Math.max(2, Math.round(0.02 * fs));
  const limit = Math.round(0.2 * fs);
  const edge = (dir: 1 | -1): number => {
    let q = 0;
    for (let k = 0; k < limit; k++) {
      const i = at + dir * k;
      if (Math.abs(x[i] ?? 0) < thr) {
        if (++q >= quiet) return i - dir * (quiet - 1);
      } else q = 0;
    }
    return at + dir * limit;
  };
  const lo = edge(-1);
  const hi = edge(1);
  return [((hi - lo) * 1000) / fs, peak];
}

/** Zero crossings of x - mean over [lo, hi) per second, halved: the dominant frequency of an oscillation. */
export function crossingFrequencyHz(x: Int32Array, lo: number, hi: number, fs: number): number {
  let m = 0;
  for (let i = lo; i < hi; i++) m += x[i]!;
  m /= hi - lo;
  let n = 0;
  for (let i = lo + 1; i < hi; i++) if (x[i - 1]! - m < 0 !== x[i]! - m < 0) n++;
  return n / 2 / ((hi - lo) / fs);
}
