/**
 * Signal quality per lead, in ticks of TICK_S seconds.
 *
 * Lead-off: the raw signal sits at the ADC rail for most of a tick (an open input drives
 * the front end to full scale). A flat line is not lead-off: it may be asystole.
 * Noise: the floor of the detection feature (mean |slope| over 100 ms) relative to the
 * lead's QRS feature level: the largest of the per-tick minima over the last 1.5 s. Clean
 * ECG has flat stretches between beats, so each tick's minimum is a few % of the QRS level;
 * muscle or motion noise fills those stretches.
 * quality = 1 at floor <= NOISE_LO, 0 at floor >= NOISE_HI, linear between. A tick is
 * unanalyzable when no lead reaches UNANALYZABLE_Q.
 */
import type { LeadFrontEnd } from './filters.ts';

export const TICK_S = 0.25;
const NOISE_TICKS = 6;
const NOISE_LO = 0.25;
const NOISE_HI = 0.6;
const UNANALYZABLE_Q = 0.05;
const CAP = 512;
/** Floor added before inverse-square weighting, so clean leads (floor ~0.01-0.03) weigh alike. */
const FLOOR_EPS = 0.03;

export interface QualityAround {
  /** Lowest best-lead quality over the ticks considered. */
  best: number;
  unanalyzable: boolean;
}

export interface WindowQuality {
  sqi: number;
  leadOff: boolean[];
  unanalyzable: boolean;
}

export class LeadQuality {
  readonly tickLen: number;
  private readonly fe: readonly LeadFrontEnd[];
  private readonly L: number;
  private readonly floorHist: Float64Array;
  private floorIdx = 0;
  private readonly smoothFloor: Float64Array;
  private readonly tEnd = new Float64Array(CAP);
  private readonly tBest = new Float64Array(CAP);
  private readonly tUnan = new Uint8Array(CAP);
  private readonly tQ: Float64Array;
  private readonly tOff: Uint8Array;
  private head = 0;
  private count = 0;
  private readonly q: Float64Array;
  private readonly off: Uint8Array;

  constructor(fe: readonly LeadFrontEnd[], fs: number, gains: readonly number[]) {
    this.fe = fe;
    this.L = fe.length;
    this.tickLen = Math.max(1, Math.round(TICK_S * fs));
    this.floorHist = new Float64Array(NOISE_TICKS * this.L);
    this.smoothFloor = new Float64Array(this.L).fill(-1);
    this.tQ = new Float64Array(CAP * this.L);
    this.tOff = new Uint8Array(CAP * this.L);
    this.q = new Float64Array(this.L);
    this.off = new Uint8Array(this.L);
  }

  /** Close the tick ending at `end` (absolute sample); `scale` = detector's per-lead QRS levels. */
  endTick(end: number, scale: Float64Array, learning = false): void {
    const slot = (this.head + this.count) % CAP;
    if (this.count < CAP) this.count++;
    else this.head = (this.head + 1) % CAP;
    let best = 0;
    this.floorIdx = (this.floorIdx + 1) % NOISE_TICKS;
    for (let i = 0; i < this.L; i++) {
      const fe = this.fe[i] as LeadFrontEnd;
      // A flat line is NOT lead-off: it may be asystole, which must never be masked.
      const off = fe.tickRail * 2 > this.tickLen;
      // Pessimistic over the last NOISE_TICKS ticks: bursty noise must not hide behind one quiet tick.
      const hist = this.floorHist;
      hist[this.floorIdx * this.L + i] = fe.tickFtMin / (scale[i] as number);
      let floor = 0;
      for (let k = 0; k < NOISE_TICKS; k++) floor = Math.max(floor, hist[k * this.L + i] as number);
      // Smoothed floor (~1 s) for the detector weights.
      const sf = this.smoothFloor[i] as number;
      this.smoothFloor[i] = sf < 0 ? floor : sf + 0.3 * (floor - sf);
      // While learning the QRS levels are unknown: rate only lead-off.
      let q = off ? 0 : learning ? 1 : 1 - (floor - NOISE_LO) / (NOISE_HI - NOISE_LO);
      q = q < 0 ? 0 : q > 1 ? 1 : q;
      this.q[i] = q;
      this.off[i] = off ? 1 : 0;
      this.tQ[slot * this.L + i] = q;
      this.tOff[slot * this.L + i] = off ? 1 : 0;
      if (q > best) best = q;
      fe.resetTick();
    }
    this.tEnd[slot] = end;
    this.tBest[slot] = best;
    this.tUnan[slot] = best < UNANALYZABLE_Q ? 1 : 0;
  }

  /**
   * Detector weights: inverse-variance style, w_i ∝ 1/(floor_i + FLOOR_EPS)², scaled so the
   * best lead has 1 (each lead's feature is already normalised to its QRS level, so this is
   * the maximum-SNR combination of independent noises); 0 for a lead that is off.
   */
  weights(w: Float64Array): void {
    let mx = 0;
    for (let i = 0; i < this.L; i++) {
      const f = Math.max(0, this.smoothFloor[i] as number) + FLOOR_EPS;
      const v = this.off[i] ? 0 : 1 / (f * f);
      w[i] = v;
      if (v > mx) mx = v;
    }
    for (let i = 0; i < this.L; i++) w[i] = mx > 0 ? (w[i] as number) / mx : 0;
  }

  /** Quality of the ticks ending in (from, to]. */
  around(from: number, to: number): QualityAround {
    let best = 1;
    let unan = false;
    let seen = false;
    for (let k = this.count - 1; k >= 0; k--) {
      const s = (this.head + k) % CAP;
      const e = this.tEnd[s] as number;
      if (e > to) continue;
      if (e <= from) break;
      seen = true;
      const b = this.tBest[s] as number;
      if (b < best) best = b;
      if (this.tUnan[s]) unan = true;
    }
    return { best: seen ? best : 1, unanalyzable: unan };
  }

  /** True when a tick ending in (from, to] was unanalyzable or had every lead off. */
  brokenSince(from: number, to: number): boolean {
    for (let k = this.count - 1; k >= 0; k--) {
      const s = (this.head + k) % CAP;
      const e = this.tEnd[s] as number;
      if (e > to) continue;
      if (e <= from) break;
      if (this.tUnan[s]) return true;
    }
    return false;
  }

  windowSummary(start: number, end: number): WindowQuality {
    let n = 0;
    let sum = 0;
    let unan = 0;
    const offN = new Array<number>(this.L).fill(0);
    for (let k = this.count - 1; k >= 0; k--) {
      const s = (this.head + k) % CAP;
      const e = this.tEnd[s] as number;
      if (e > end) continue;
      if (e <= start) break;
      n++;
      sum += this.tBest[s] as number;
      unan += this.tUnan[s] as number;
      for (let i = 0; i < this.L; i++) offN[i] = (offN[i] as number) + (this.tOff[s * this.L + i] as number);
    }
    return {
      sqi: n > 0 ? sum / n : 0,
      leadOff: offN.map((c) => n > 0 && c * 2 >= n),
      unanalyzable: n > 0 && unan * 2 >= n,
    };
  }
}
