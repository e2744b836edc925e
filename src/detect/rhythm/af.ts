/**
 * Atrial fibrillation from RR irregularity over a sliding window of beats.
 *
 * Measures over the last `afWindowBeats` RR intervals, leaving out intervals that touch an
 * ectopic, unclassifiable or paced beat (label V, S, F, Q, P) so that PVCs and APCs do not look like AF:
 * - median |dRR| / mean RR: a robust normalised RMSSD (Dash et al. 2009, Ann Biomed Eng
 *   37:1701, use RMSSD/mean with the extremes trimmed; the median is the limit of that trim).
 *   Isolated ectopics move a few differences and leave the median where it was.
 * - Shannon entropy of the RR histogram (16 bins across the trimmed RR range, normalised by
 *   log 16; Dash et al. 2009): AF spreads the RRs, bigeminy/trigeminy cluster them.
 * - Turning-point ratio (Dash et al. 2009): random RR series turn at 2/3 of points; an
 *   alternating bigeminal pattern turns at nearly every point.
 * A window is irregular when all three agree; AF starts after `onsetBeats` irregular
 * windows in a row and ends after `offsetBeats` regular ones, judged with thresholds relaxed by
 * `stayFactor` (hysteresis). The onset/offset
 * sample is the middle of the window at the first decision, where a window-wide measure
 * crosses on a step change of rhythm.
 * Atrial flutter with variable block is as irregular by these measures and is called AF
 * (see README.md): RR timing alone cannot tell them apart.
 */

export const AF_TUNING = {
  minMedDiff: 0.11,
  minEntropy: 0.7,
  minTpr: 0.45,
  maxTpr: 0.85,
  /** Once in AF, the irregularity thresholds relax by this factor (hysteresis: AF rate and RR spread wander). */
  stayFactor: 0.75,
  /**
   * Consecutive irregular windows (one per beat) before AF is called. On top of the 40-beat
   * window this asks for the irregularity to persist ~55 beats, the order of the 30-60 beats
   * that AF detectors on RR series use before a decision (Dash et al. 2009 use 128-beat
   * segments; Tateno & Glass 2001 50 beats). Shorter bursts of irregularity are sinus
   * arrhythmia with detection jitter or ectopy runs (mitdb 108: an 11-window burst at
   * median |dRR| 0.12-0.13 in sinus rhythm).
   */
  onsetBeats: 16,
  /** Consecutive regular windows before AF ends (sooner: the window itself already lags). */
  offsetBeats: 6,
  /** Fraction of the window that must be usable intervals. */
  minUsable: 0.3,
  /**
   * Sinus arrhythmia is periodic (breathing): the RR series correlates with itself a few beats
   * later; AF's does not. A window whose largest RR autocorrelation over lags 2-8 reaches this
   * does not start AF (review 2026-11, synthetic: sinus arrhythmia of +-10-15 % gives 0.74-0.86
   * and raised AF in 3 of 3 seeds; AF gives 0.05-0.30). Onset only: AF in progress is not ended by it.
   */
  maxPeriodicity: 0.5,
} as const;

export interface AfFeatures {
  sample: number;
  usable: number;
  medDiff: number;
  entropy: number;
  tpr: number;
  irregular: boolean;
  /** Largest autocorrelation of the usable RR series over lags 2-8. */
  periodicity: number;
}

/** Beats whose intervals say nothing of atrial rhythm: ectopic, unclassifiable and paced (P). */
const ECTOPIC = new Set(['V', 'S', 'F', 'Q', 'P']);

export class AfDetector {
  private readonly n: number;
  private readonly rr: Float64Array;
  private readonly ok: Uint8Array;
  private readonly at: Float64Array;
  private count = 0;
  private head = 0;
  private prevEctopic = true;
  private readonly tmpRr: Float64Array;
  private readonly tmpD: Float64Array;
  private readonly hist = new Float64Array(16);
  private run = 0;
  /** Sample of the middle beat at the first decision of the current run. */
  private runMid = -1;
  active = false;
  last: AfFeatures | null = null;
  onFeatures: ((f: AfFeatures) => void) | null = null;

  constructor(windowBeats: number) {
    this.n = windowBeats;
    this.rr = new Float64Array(windowBeats);
    this.ok = new Uint8Array(windowBeats);
    this.at = new Float64Array(windowBeats);
    this.tmpRr = new Float64Array(windowBeats);
    this.tmpD = new Float64Array(windowBeats);
  }

  /** Forget the RR history (after a gap, VF, asystole or noise). */
  reset(): void {
    this.count = 0;
    this.head = 0;
    this.prevEctopic = true;
    this.run = 0;
    this.runMid = -1;
  }

  /**
   * One beat. Returns 'onset' / 'offset' with the estimated transition sample, or null.
   */
  onBeat(sample: number, rrPrevS: number | null, label: string): { phase: 'onset' | 'offset'; sample: number } | null {
    const ectopic = ECTOPIC.has(label);
    if (rrPrevS === null) {
      this.prevEctopic = ectopic;
      return null;
    }
    const j = (this.head + this.count) % this.n;
    this.rr[j] = rrPrevS;
    this.ok[j] = ectopic || this.prevEctopic ? 0 : 1;
    this.at[j] = sample;
    if (this.count < this.n) this.count++;
    else this.head = (this.head + 1) % this.n;
    this.prevEctopic = ectopic;
    if (this.count < this.n) return null;
    const f = this.measure(sample);
    this.last = f;
    if (this.onFeatures !== null) this.onFeatures(f);
    if (f.usable < AF_TUNING.minUsable) return null;
    const irregular = this.active ? this.stays(f) : f.irregular;
    const wantChange = irregular !== this.active;
    if (!wantChange) {
      this.run = 0;
      return null;
    }
    if (this.run === 0) this.runMid = this.at[(this.head + (this.n >> 1)) % this.n] as number;
    this.run++;
    if (this.run < (this.active ? AF_TUNING.offsetBeats : AF_TUNING.onsetBeats)) return null;
    this.run = 0;
    this.active = !this.active;
    return { phase: this.active ? 'onset' : 'offset', sample: this.runMid };
  }

  private stays(f: AfFeatures): boolean {
    const t = AF_TUNING;
    const k = t.stayFactor;
    return f.medDiff >= t.minMedDiff * k && f.entropy >= t.minEntropy * k && f.tpr >= t.minTpr * k && f.tpr <= 1 - (1 - t.maxTpr) * k;
  }

  private measure(sample: number): AfFeatures {
    let m = 0;
    let nd = 0;
    let sum = 0;
    let prevOk = false;
    let prev = 0;
    for (let k = 0; k < this.n; k++) {
      const j = (this.head + k) % this.n;
      if (this.ok[j] !== 1) {
        prevOk = false;
        continue;
      }
      const v = this.rr[j] as number;
      this.tmpRr[m++] = v;
      sum += v;
      if (prevOk) this.tmpD[nd++] = Math.abs(v - prev);
      prev = v;
      prevOk = true;
    }
    const usable = m / this.n;
    if (m < 8 || nd < 4) return { sample, usable, medDiff: 0, entropy: 0, tpr: 0, irregular: false, periodicity: 0 };
    const mean = sum / m;
    const d = this.tmpD.subarray(0, nd).sort();
    const medDiff = (d[nd >> 1] as number) / mean;
    // Turning points over the usable RR sequence.
    let tp = 0;
    for (let i = 1; i + 1 < m; i++) {
      const a = this.tmpRr[i - 1] as number;
      const b = this.tmpRr[i] as number;
      const c = this.tmpRr[i + 1] as number;
      if ((b > a && b > c) || (b < a && b < c)) tp++;
    }
    const tpr = tp / Math.max(1, m - 2);
    // Periodicity (before the sort below reorders tmpRr): autocorrelation at lags 2-8.
    let v0 = 0;
    for (let i = 0; i < m; i++) v0 += ((this.tmpRr[i] as number) - mean) ** 2;
    let periodicity = 0;
    if (v0 > 0) {
      for (let lag = 2; lag <= 8 && lag < m - 4; lag++) {
        let c = 0;
        for (let i = 0; i + lag < m; i++) c += ((this.tmpRr[i] as number) - mean) * ((this.tmpRr[i + lag] as number) - mean);
        const r = (c / v0) * (m / (m - lag));
        if (r > periodicity) periodicity = r;
      }
    }
    // Entropy over the RR range with the 10 % extremes trimmed.
    const s = this.tmpRr.subarray(0, m).sort();
    const lo = s[Math.floor(m * 0.1)] as number;
    const hi = s[Math.min(m - 1, Math.ceil(m * 0.9) - 1)] as number;
    this.hist.fill(0);
    let inRange = 0;
    const span = Math.max(hi - lo, 1e-6);
    for (let i = 0; i < m; i++) {
      const v = s[i] as number;
      if (v < lo || v > hi) continue;
      const b = Math.min(15, Math.floor(((v - lo) / span) * 16));
      this.hist[b] = (this.hist[b] as number) + 1;
      inRange++;
    }
    let h = 0;
    for (let b = 0; b < 16; b++) {
      const pr = (this.hist[b] as number) / inRange;
      if (pr > 0) h -= pr * Math.log(pr);
    }
    const entropy = h / Math.log(16);
    const t = AF_TUNING;
    const irregular = medDiff >= t.minMedDiff && entropy >= t.minEntropy && tpr >= t.minTpr && tpr <= t.maxTpr && periodicity < t.maxPeriodicity;
    return { sample, usable, medDiff, entropy, tpr, irregular, periodicity };
  }
}
