/**
 * Per-beat measurements read from the front-end rings at emission time (fiducial + 0.45 s),
 * when the whole morphology window is available. Only samples <= the emission sample are
 * read, so the result does not depend on how the stream was cut into blocks.
 */
import type { LeadFrontEnd } from './filters.ts';

/** Morphology window around the R peak (seconds): P wave before, T wave after. */
export const MORPHOLOGY_PRE_S = 0.25;
export const MORPHOLOGY_POST_S = 0.4;

/** Index in a `points`-long morphology lead of time `t` seconds from the R peak (clamped to 0..points). */
export function morphologyIndex(t: number, points: number): number {
  return Math.max(0, Math.min(points, Math.round(((t + MORPHOLOGY_PRE_S) / (MORPHOLOGY_PRE_S + MORPHOLOGY_POST_S)) * (points - 1))));
}

/**
 * Resample each lead's morphology signal over [R - pre, R + post] to `points` values
 * (linear interpolation), minus the lead's PR-segment level (mean over R-100..R-60 ms),
 * lead-major into `out` (length leads × points).
 */
export function morphology(fes: readonly LeadFrontEnd[], fid: number, fs: number, points: number, out: Float32Array): void {
  const step = ((MORPHOLOGY_PRE_S + MORPHOLOGY_POST_S) * fs) / (points - 1);
  for (let i = 0; i < fes.length; i++) {
    const fe = fes[i] as LeadFrontEnd;
    const mo = fe.mo;
    const mask = fe.mask;
    const c = fid + fe.moDelay;
    const b0 = Math.round(c - 0.1 * fs);
    const b1 = Math.round(c - 0.06 * fs);
    let base = 0;
    for (let n = b0; n <= b1; n++) base += mo[n & mask] as number;
    base /= b1 - b0 + 1;
    const t0 = c - MORPHOLOGY_PRE_S * fs;
    for (let p = 0; p < points; p++) {
      const t = t0 + p * step;
      const n = Math.floor(t);
      const a = t - n;
      const v0 = mo[n & mask] as number;
      const v1 = mo[(n + 1) & mask] as number;
      out[i * points + p] = v0 + a * (v1 - v0) - base;
    }
  }
}

/** Peak-to-peak amplitude (mV) within ±80 ms of the fiducial. */
export function qrsAmplitude(fe: LeadFrontEnd, fid: number, fs: number): number {
  const c = Math.round(fid + fe.moDelay);
  const h = Math.round(0.08 * fs);
  let lo = Infinity;
  let hi = -Infinity;
  for (let n = c - h; n <= c + h; n++) {
    const v = fe.mo[n & fe.mask] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi - lo;
}

/**
 * QRS width (s): from the steepest point within ±60 ms, walk out on the slope of `mo` until
 * it stays below 15 % of the maximal slope for 8 ms (onset within 100 ms before, offset
 * within 150 ms after). A slope-threshold delineation in the spirit of Laguna et al. 1994,
 * simplified to one lead.
 */
export function qrsWidth(fe: LeadFrontEnd, fid: number, fs: number): number {
  const mo = fe.mo;
  const mask = fe.mask;
  const c = Math.round(fid + fe.moDelay);
  const h = Math.round(0.06 * fs);
  let mx = 0;
  for (let n = c - h; n <= c + h; n++) {
    const d = Math.abs((mo[(n + 1) & mask] as number) - (mo[(n - 1) & mask] as number));
    if (d > mx) mx = d;
  }
  if (mx <= 0) return 0;
  const th = 0.15 * mx;
  const quiet = Math.max(2, Math.round(0.008 * fs));
  let on = c - Math.round(0.1 * fs);
  let run = 0;
  for (let n = c; n >= c - Math.round(0.1 * fs); n--) {
    const d = Math.abs((mo[(n + 1) & mask] as number) - (mo[(n - 1) & mask] as number));
    run = d < th ? run + 1 : 0;
    if (run >= quiet) {
      on = n + quiet - 1;
      break;
    }
  }
  let off = c + Math.round(0.15 * fs);
  run = 0;
  for (let n = c; n <= c + Math.round(0.15 * fs); n++) {
    const d = Math.abs((mo[(n + 1) & mask] as number) - (mo[(n - 1) & mask] as number));
    run = d < th ? run + 1 : 0;
    if (run >= quiet) {
      off = n - quiet + 1;
      break;
    }
  }
  return (off - on) / fs;
}
