/**
 * Beat morphology: each beat is a sum of Gaussian waves placed around its R peak, the
 * approach of McSharry et al. 2003 (ECGSYN, IEEE Trans Biomed Eng 50:289) written as a
 * beat template instead of an ODE on a limit cycle, so the R peak lands exactly where the
 * beat schedule says and the ground truth is exact.
 *
 * As in ECGSYN, wave timing follows the cycle length: the T wave centre and width scale
 * with sqrt(RR) (Bazett's QT ~ sqrt(RR)), the P wave moves a little closer at fast rates
 * (PR shortens by roughly RR^0.25), and the QRS does not change.
 *
 * Amplitudes are in mV for two leads: index 0 = lead II, index 1 = V1. Typical adult
 * values (Goldberger's Clinical Electrocardiography): P <= 0.25 mV and ~100 ms, PR 120-200 ms,
 * QRS 80-100 ms, R in II ~1-1.5 mV, T 0.1-0.5 mV; V1 shows rS with a deep S.
 * PVC: no P, QRS >= 120 ms (here ~150 ms), taller, T opposite to the QRS.
 */

export const BeatKind = {
  /** Sinus beat: P, narrow QRS, T. */
  Normal: 0,
  /** Atrial premature complex: early, abnormal (inverted in II) P, normal QRS. */
  Apc: 1,
  /** Ventricular beat (PVC or VT): no P, wide bizarre QRS, discordant T. */
  Ventricular: 2,
  /** Beat conducted in atrial fibrillation: normal QRS, no P. */
  AfConducted: 3,
  /** Ventricular paced beat: pacing spike then a wide QRS. */
  Paced: 4,
} as const;
export type BeatKind = (typeof BeatKind)[keyof typeof BeatKind];

/** MIT-BIH annotation code per beat kind. */
export const BEAT_CODE: readonly string[] = ['N', 'A', 'V', 'N', '/'];

const Scale = { Qrs: 0, Atrial: 1, Repol: 2 } as const;
type Scale = (typeof Scale)[keyof typeof Scale];

interface Wave {
  /** Centre relative to the R peak at RR = 1 s, seconds. */
  readonly t: number;
  /** Standard deviation, seconds. */
  readonly s: number;
  /** Peak amplitude in lead II and V1, mV. */
  readonly ii: number;
  readonly v1: number;
  readonly k: Scale;
}

const P_NORMAL: readonly Wave[] = [
  { t: -0.165, s: 0.022, ii: 0.15, v1: 0, k: Scale.Atrial },
  // V1 P is biphasic (right then left atrium).
  { t: -0.18, s: 0.016, ii: 0, v1: 0.07, k: Scale.Atrial },
  { t: -0.145, s: 0.016, ii: 0, v1: -0.05, k: Scale.Atrial },
];

const P_ECTOPIC: readonly Wave[] = [
  // Low-atrial focus: retrograde activation, inverted P in II, shorter PR.
  { t: -0.13, s: 0.02, ii: -0.1, v1: 0, k: Scale.Atrial },
  { t: -0.13, s: 0.02, ii: 0, v1: 0.06, k: Scale.Atrial },
];

const QRS_NARROW_T: readonly Wave[] = [
  { t: -0.03, s: 0.0085, ii: -0.12, v1: 0, k: Scale.Qrs },
  { t: -0.012, s: 0.008, ii: 0, v1: 0.22, k: Scale.Qrs },
  { t: 0, s: 0.0095, ii: 1.2, v1: 0, k: Scale.Qrs },
  { t: 0.028, s: 0.0095, ii: -0.28, v1: 0, k: Scale.Qrs },
  { t: 0.016, s: 0.013, ii: 0, v1: -0.85, k: Scale.Qrs },
  // Two Gaussians make the T asymmetric: slow upstroke, faster return.
  { t: 0.22, s: 0.06, ii: 0.12, v1: 0.05, k: Scale.Repol },
  { t: 0.29, s: 0.04, ii: 0.22, v1: 0.08, k: Scale.Repol },
];

const QRS_WIDE_T: readonly Wave[] = [
  { t: -0.035, s: 0.016, ii: 0.3, v1: 0, k: Scale.Qrs },
  { t: 0, s: 0.022, ii: 1.55, v1: 0, k: Scale.Qrs },
  { t: 0.045, s: 0.018, ii: -0.45, v1: 0, k: Scale.Qrs },
  // V1: left-bundle-branch-like (right ventricular focus), small r then a deep broad S.
  { t: -0.04, s: 0.012, ii: 0, v1: 0.15, k: Scale.Qrs },
  { t: 0.01, s: 0.026, ii: 0, v1: -1.2, k: Scale.Qrs },
  { t: 0.33, s: 0.07, ii: -0.5, v1: 0.45, k: Scale.Repol },
];

const TEMPLATES: readonly (readonly Wave[])[] = [
  [...P_NORMAL, ...QRS_NARROW_T],
  [...P_ECTOPIC, ...QRS_NARROW_T],
  QRS_WIDE_T,
  QRS_NARROW_T,
  QRS_WIDE_T,
];

/** Pacing pulse before a paced QRS (onset relative to R, s) and its width (IEC 60601-2-27: 0.1-2 ms). */
const PACE_LEAD_S = 0.085;
export const PACE_WIDTH_S = 0.0005;
/** Ratio of the spike in V1 to lead II. */
const PACE_V1_RATIO = 0.6;

/** Waves beyond this many sigmas contribute < 4e-6 of their peak: not rendered. */
const SPAN_SIGMAS = 5;
const MAX_SLOTS = 8;
const MAX_WAVES = 12;

export interface BeatParams {
  kind: BeatKind;
  /** R peak, absolute samples (fractional). */
  r: number;
  /** Cycle length used for wave timing, seconds. */
  rrS: number;
  /** Amplitude factor for all waves of this beat. */
  amp: number;
  /** Pacing spike amplitude in lead II, mV (paced beats). */
  spikeMv: number;
}

/**
 * The beats currently being drawn, in preallocated typed arrays: a beat is written into a
 * slot once, when it starts, and each sample sums the few waves whose window covers it.
 */
export class BeatBank {
  private readonly wc = new Float64Array(MAX_SLOTS * MAX_WAVES);
  private readonly wk = new Float64Array(MAX_SLOTS * MAX_WAVES);
  private readonly wlo = new Float64Array(MAX_SLOTS * MAX_WAVES);
  private readonly whi = new Float64Array(MAX_SLOTS * MAX_WAVES);
  private readonly wa0 = new Float64Array(MAX_SLOTS * MAX_WAVES);
  private readonly wa1 = new Float64Array(MAX_SLOTS * MAX_WAVES);
  private readonly nWaves = new Int32Array(MAX_SLOTS);
  private readonly slotEnd = new Float64Array(MAX_SLOTS).fill(-Infinity);
  private readonly spS0 = new Float64Array(MAX_SLOTS);
  private readonly spS1 = new Float64Array(MAX_SLOTS);
  private readonly spA0 = new Float64Array(MAX_SLOTS);
  private readonly spA1 = new Float64Array(MAX_SLOTS);
  private active = 0;

  constructor(private readonly fs: number) {}

  /** Earliest sample (absolute, fractional) touched by a beat with these parameters. */
  static onsetOffsetS(kind: BeatKind, rrS: number): number {
    let lo = 0;
    for (const w of TEMPLATES[kind] ?? []) {
      const [c, s] = place(w, rrS);
      lo = Math.min(lo, c - SPAN_SIGMAS * s);
    }
    if (kind === BeatKind.Paced) lo = Math.min(lo, -PACE_LEAD_S);
    return lo;
  }

  /** Start drawing a beat. */
  add(p: BeatParams): void {
    const slot = this.freeSlot();
    const tpl = TEMPLATES[p.kind] ?? [];
    const base = slot * MAX_WAVES;
    let end = -Infinity;
    let n = 0;
    for (const w of tpl) {
      if (n >= MAX_WAVES) break;
      const [cS, sS] = place(w, p.rrS);
      const c = p.r + cS * this.fs;
      const sig = sS * this.fs;
      const i = base + n;
      this.wc[i] = c;
      this.wk[i] = 1 / (2 * sig * sig);
      this.wlo[i] = c - SPAN_SIGMAS * sig;
      this.whi[i] = c + SPAN_SIGMAS * sig;
      this.wa0[i] = w.ii * p.amp;
      this.wa1[i] = w.v1 * p.amp;
      if (c + SPAN_SIGMAS * sig > end) end = c + SPAN_SIGMAS * sig;
      n++;
    }
    this.nWaves[slot] = n;
    if (p.kind === BeatKind.Paced && p.spikeMv > 0) {
      const s0 = p.r - PACE_LEAD_S * this.fs;
      this.spS0[slot] = s0;
      this.spS1[slot] = s0 + PACE_WIDTH_S * this.fs;
      this.spA0[slot] = p.spikeMv;
      this.spA1[slot] = p.spikeMv * PACE_V1_RATIO;
    } else {
      this.spA0[slot] = 0;
      this.spA1[slot] = 0;
      this.spS0[slot] = 0;
      this.spS1[slot] = 0;
    }
    this.slotEnd[slot] = end;
    this.active |= 1 << slot;
  }

  /**
   * Add the value of every active beat at absolute sample `t` to out[0] (II) and out[1] (V1).
   * Hot path: no allocation, a bounds check per wave, exp() only inside a wave's window.
   */
  render(t: number, out: Float64Array): void {
    let mask = this.active;
    let v0 = 0;
    let v1 = 0;
    while (mask !== 0) {
      const slot = 31 - Math.clz32(mask);
      mask &= ~(1 << slot);
      if (t > this.slotEnd[slot]!) {
        this.active &= ~(1 << slot);
        continue;
      }
      const base = slot * MAX_WAVES;
      const n = this.nWaves[slot]!;
      for (let i = base; i < base + n; i++) {
        if (t < this.wlo[i]! || t > this.whi[i]!) continue;
        const d = t - this.wc[i]!;
        const e = Math.exp(-d * d * this.wk[i]!);
        v0 += this.wa0[i]! * e;
        v1 += this.wa1[i]! * e;
      }
      const a0 = this.spA0[slot]!;
      if (a0 !== 0) {
        // The pulse is far shorter than a sample period at usual rates: the sample gets the
        // pulse's mean over its period [t-0.5, t+0.5), as an integrating front end would.
        const ov = Math.min(t + 0.5, this.spS1[slot]!) - Math.max(t - 0.5, this.spS0[slot]!);
        if (ov > 0) {
          v0 += a0 * Math.min(1, ov);
          v1 += this.spA1[slot]! * Math.min(1, ov);
        }
      }
    }
    out[0] = out[0]! + v0;
    out[1] = out[1]! + v1;
  }

  private freeSlot(): number {
    let oldest = 0;
    for (let s = 0; s < MAX_SLOTS; s++) {
      if ((this.active & (1 << s)) === 0) return s;
      if (this.slotEnd[s]! < this.slotEnd[oldest]!) oldest = s;
    }
    // Cannot happen at <= 300 bpm (at most 3 beats overlap); reuse the one ending first.
    return oldest;
  }
}

/** Centre and sigma (seconds) of a wave for a cycle length. */
function place(w: Wave, rrS: number): [number, number] {
  if (w.k === Scale.Repol) {
    const f = Math.sqrt(Math.min(1.6, Math.max(0.25, rrS)));
    return [w.t * f, w.s * f];
  }
  if (w.k === Scale.Atrial) {
    const f = Math.pow(Math.min(1.5, Math.max(0.3, rrS)), 0.25);
    return [w.t * f, w.s];
  }
  return [w.t, w.s];
}
