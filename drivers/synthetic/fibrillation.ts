/**
 * Continuous fibrillatory activity: a sinusoid whose frequency and amplitude wander
 * between random knots (linear interpolation), which is how VF and AF f-waves look on a
 * monitor: quasi-periodic, never repeating, amplitude waxing and waning.
 *
 * Ranges (Clayton et al. 1993, Heart; Bollmann et al. 2006, Europace):
 * VF dominant frequency 4-6 Hz on the surface ECG, coarse VF 0.2-1 mV;
 * AF f-waves 350-600 /min (5.8-10 Hz), usually < 0.1 mV, largest in V1.
 */
import type { Prng } from './prng.ts';

export interface OscillatorRange {
  /** Frequency range, Hz. */
  readonly fLo: number;
  readonly fHi: number;
  /** Amplitude range, mV. */
  readonly aLo: number;
  readonly aHi: number;
  /** Time between knots, seconds. */
  readonly knotLoS: number;
  readonly knotHiS: number;
}

export const VF_RANGE: OscillatorRange = { fLo: 4, fHi: 6, aLo: 0.2, aHi: 0.7, knotLoS: 0.3, knotHiS: 0.9 };
export const AF_RANGE: OscillatorRange = { fLo: 5.8, fHi: 8.5, aLo: 0.03, aHi: 0.07, knotLoS: 0.2, knotHiS: 0.6 };

export class WanderingOscillator {
  /** Current phase, radians in [0, 2pi). */
  phase = 0;
  /** Current amplitude, mV. */
  amp = 0;
  private freq = 0;
  private fStep = 0;
  private aStep = 0;
  private left = 0;

  constructor(
    private readonly fs: number,
    private readonly range: OscillatorRange,
  ) {}

  /** Start afresh (random phase, frequency and amplitude). */
  reset(rng: Prng): void {
    const r = this.range;
    this.phase = rng.uniform(0, 2 * Math.PI);
    this.freq = rng.uniform(r.fLo, r.fHi);
    this.amp = rng.uniform(r.aLo, r.aHi);
    this.left = 0;
  }

  /** Advance one sample. */
  step(rng: Prng): void {
    if (this.left <= 0) {
      const r = this.range;
      const n = Math.max(1, Math.round(rng.uniform(r.knotLoS, r.knotHiS) * this.fs));
      this.fStep = (rng.uniform(r.fLo, r.fHi) - this.freq) / n;
      this.aStep = (rng.uniform(r.aLo, r.aHi) - this.amp) / n;
      this.left = n;
    }
    this.freq += this.fStep;
    this.amp += this.aStep;
    this.left--;
    this.phase += (2 * Math.PI * this.freq) / this.fs;
    if (this.phase >= 2 * Math.PI) this.phase -= 2 * Math.PI;
  }
}
