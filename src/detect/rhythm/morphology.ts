/**
 * "Wide-complex tachycardia is VT until proven otherwise": a backstop for the VT rule when the
 * beat classifier misses a sustained ventricular run. During a long run the classifier's
 * online template follows the new dominant shape, and a fast regular run of beats that look
 * alike is then easily called supraventricular (seen on the synthetic patient's VT at
 * 180 bpm). This keeps a reference of the patient's own conducted beat, learnt only from
 * beats at a normal rate that the classifier called N, and flags a FAST beat whose shape
 * differs from it (correlation below MAX_CORR on the fiducial lead).
 *
 * It cannot fire on sinus tachycardia, SVT or AF with a fast ventricular response in a
 * patient with bundle branch block: conducted beats keep the reference's shape (the
 * reference is learnt from that same conduction). It can fire on rate-dependent aberrancy,
 * which bedside practice treats as VT anyway.
 */
import type { Beat } from '../../ecg/types.ts';
import { corr as correlation } from '../features.ts';

/** Beats at or slower than this RR (s) teach the reference (60 / 100 bpm). */
const LEARN_MIN_RR_S = 0.6;
const LEARN_MIN_QUALITY = 0.5;
/** Reference beats needed before the backstop speaks. */
const MIN_LEARNT = 16;
/** Exponential update weight per learning beat (~ last 20 beats). */
const ALPHA = 0.05;
/** A beat correlating below this with the reference is "a different shape". */
export const MAX_CORR = 0.6;
/** Consecutive beats of a ventricular run correlate at least this with each other. */
const MIN_RUN_CORR = 0.9;

export class ConductedReference {
  private ref: Float64Array | null = null;
  private learnt = 0;
  private readonly points: number;
  private readonly last: Float32Array;
  private hasLast = false;

  constructor(points: number) {
    this.points = points;
    this.last = new Float32Array(points);
  }

  /** Learn from a beat when it qualifies; returns its correlation with the reference (NaN before enough learning). */
  observe(b: Beat): number {
    const n = Math.min(this.points, b.morphology.length);
    if (n < 8) return Number.NaN;
    const corr = this.ref !== null && this.learnt >= MIN_LEARNT ? correlation(this.ref, b.morphology, 0, n) : Number.NaN;
    const teaches = b.label === 'N' && b.rrPrevS !== null && b.rrPrevS >= LEARN_MIN_RR_S && b.quality >= LEARN_MIN_QUALITY;
    if (teaches && (Number.isNaN(corr) || corr >= 0.8)) {
      if (this.ref === null) this.ref = new Float64Array(this.points);
      const a = this.learnt === 0 ? 1 : Math.max(ALPHA, 1 / (this.learnt + 1));
      for (let i = 0; i < n; i++) this.ref[i] = (this.ref[i] as number) * (1 - a) + (b.morphology[i] as number) * a;
      this.learnt++;
    }
    return corr;
  }

  /**
   * Whether a fast beat of a different shape continues a MONOMORPHIC run: it must also look
   * like the beat just before it (noise and artifacts at a fast rate do not repeat a shape;
   * a ventricular focus does). Call for every beat, in order.
   */
  monomorphicDifferent(b: Beat, fast: boolean, corr: number): boolean {
    const n = Math.min(this.points, b.morphology.length);
    const different = fast && !Number.isNaN(corr) && corr < MAX_CORR && n >= 8;
    let out = false;
    if (different) {
      if (this.hasLast) out = correlation(this.last, b.morphology, 0, n) >= MIN_RUN_CORR;
      this.last.set(b.morphology.subarray(0, n));
    }
    this.hasLast = different;
    return out;
  }

  reset(): void {
    this.ref = null;
    this.learnt = 0;
    this.hasLast = false;
  }
}
