/**
 * Signal quality per lead, in ticks of TICK_S seconds.
 *
 * Lead-off: the raw signal sits at the ADC rail for most of a tick (an open input drives
 * the front end to full scale). A flat line is not lead-off: it may be asystole.
 *
 * Two noise measures, both from the detection feature ft (mean |slope| of the 5-15 Hz
 * band-pass over 100 ms). Clean ECG has flat stretches between beats, so the minimum of ft
 * over any 0.25 s tick is a few % of the QRS level; muscle or motion noise fills them.
 *  - Detector weights (unchanged from the first version): floor = largest per-tick ft minimum
 *    over the last 1.5 s, relative to the DETECTOR's running QRS level, smoothed (~1 s).
 *  - Quality / unanalyzable: floor over the last 2 s relative to a CLEAN reference QRS level
 *    per lead. The detector's own level is useless for this: in sustained noise it accepts
 *    artefacts as beats and its level climbs with them (on nstdb 118e00 the floor relative
 *    to it hardly differs between clean and 0 dB blocks). The clean reference follows the
 *    detector's level only while that lead is clean (floor < REF_CLEAN), so a 2-min motion
 *    artefact block is measured against the QRS size from before it; a slow leak (REF_LEAK_S)
 *    lets it follow a lasting change of amplitude anyway.
 * quality = 1 at floor <= NOISE_LO, 0 at floor >= NOISE_HI, linear between.
 * A lead is not analyzable when floor >= UNANALYZABLE_FLOOR and its 2-s peak-to-peak excursion
 * of `mo` is >= UNANALYZABLE_EXCURSION × its clean reference (motion artefact), or floor >=
 * UNANALYZABLE_FLOOR_ALONE; the stream is unanalyzable when no lead is analyzable, with
 * hysteresis (ENTER_TICKS / EXIT_TICKS). Thresholds were tuned on nstdb 118e00/e12/e24 and
 * the 24 mitdb records (README.md): the mitdb stretches with a high floor (104, 108, 203, 208:
 * muscle noise where the reference still marks beats) swing less than 118e00's 0 dB
 * electrode-motion blocks, whose floor has a median of ~0.33.
 */
import type { LeadFrontEnd } from './filters.ts';

export const TICK_S = 0.25;
const NOISE_TICKS = 6;
/** Ticks over which the clean-referenced floor is taken (2 s, pessimistic like NOISE_TICKS). */
const REF_TICKS = 8;
const NOISE_LO = 0.15;
const NOISE_HI = 0.4;
/** Clean-referenced floor above which a lead is not analyzable (tuned, README.md). */
const UNANALYZABLE_FLOOR = 0.3;
/** ... together with a 2-s excursion of at least this × the clean one (motion artefact). */
const UNANALYZABLE_EXCURSION = 1.15;
/** Clean-referenced floor that makes a lead unanalyzable on its own. */
const UNANALYZABLE_FLOOR_ALONE = 0.4;
/** The clean reference follows the detector's QRS level only while the lead's floor is below this. */
const REF_CLEAN = 0.2;
/** Reference tracking time constant while clean, and leak time constant while noisy, seconds. */
const REF_TRACK_S = 5;
/**
 * Hysteresis of the unanalyzable state, ticks: entered after ENTER_TICKS consecutive ticks
 * with no analyzable lead, left after EXIT_TICKS consecutive ticks with one. One noisy second
 * (a movement, a burst of PVC-like artefact) must not blank beats; sustained noise must.
 */
const ENTER_TICKS = 8;
/**
 * Fraction of a tick held by the pace-spike blanker beyond which a lead is noise: 8 ms per
 * spike, so 0.15 of 0.25 s is ~5 spikes per tick (~19/s), far above dual-chamber pacing
 * (2 spikes per beat).
 */
const MAX_BLANKED = 0.15;
const EXIT_TICKS = 4;
const REF_LEAK_S = 60;
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
  private readonly refHist: Float64Array;
  private readonly rangeHist: Float64Array;
  /** Per-lead clean reference of the 2-s peak-to-peak excursion of `mo`, mV (-1 until set). */
  private readonly refRange: Float64Array;
  /** Latest 2-s excursion relative to the clean reference, per lead. */
  readonly excursion: Float64Array;
  private refIdx = 0;
  private unan = false;
  private run = 0;
  /** Per-lead clean reference QRS feature level (-1 until learning ends). */
  private readonly ref: Float64Array;
  private readonly refTrack: number;
  private readonly refLeak: number;
  /** Latest clean-referenced floor per lead. */
  readonly noiseFloor: Float64Array;
  private readonly tEnd = new Float64Array(CAP);
  private readonly tBest = new Float64Array(CAP);
  private readonly tUnan = new Uint8Array(CAP);
  private readonly tQ: Float64Array;
  private readonly tOff: Uint8Array;
  private head = 0;
  private count = 0;
  private readonly q: Float64Array;
  private readonly flat: Uint8Array;
  private readonly good: Uint8Array;
  private readonly off: Uint8Array;

  constructor(fe: readonly LeadFrontEnd[], fs: number, gains: readonly number[]) {
    this.fe = fe;
    this.L = fe.length;
    this.tickLen = Math.max(1, Math.round(TICK_S * fs));
    this.floorHist = new Float64Array(NOISE_TICKS * this.L);
    this.smoothFloor = new Float64Array(this.L).fill(-1);
    this.refHist = new Float64Array(REF_TICKS * this.L);
    this.ref = new Float64Array(this.L).fill(-1);
    this.noiseFloor = new Float64Array(this.L);
    this.rangeHist = new Float64Array(REF_TICKS * this.L);
    this.refRange = new Float64Array(this.L).fill(-1);
    this.excursion = new Float64Array(this.L);
    this.refTrack = TICK_S / REF_TRACK_S;
    this.refLeak = TICK_S / REF_LEAK_S;
    this.tQ = new Float64Array(CAP * this.L);
    this.tOff = new Uint8Array(CAP * this.L);
    this.q = new Float64Array(this.L);
    this.off = new Uint8Array(this.L);
    this.flat = new Uint8Array(this.L);
    this.good = new Uint8Array(this.L);
  }

  /** Close the tick ending at `end` (absolute sample); `scale` = detector's per-lead QRS levels. */
  endTick(end: number, scale: Float64Array, learning = false): void {
    const slot = (this.head + this.count) % CAP;
    if (this.count < CAP) this.count++;
    else this.head = (this.head + 1) % CAP;
    let best = 0;
    let analyzable = false;
    this.floorIdx = (this.floorIdx + 1) % NOISE_TICKS;
    this.refIdx = (this.refIdx + 1) % REF_TICKS;
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
      // Clean-referenced floor (quality, unanalyzable).
      const sc = scale[i] as number;
      let ref = this.ref[i] as number;
      if (!learning && ref < 0) ref = sc;
      const rh = this.refHist;
      rh[this.refIdx * this.L + i] = ref > 0 ? fe.tickFtMin / ref : 0;
      let nf = 0;
      for (let k = 0; k < REF_TICKS; k++) nf = Math.max(nf, rh[k * this.L + i] as number);
      if (ref > 0) ref += (nf < REF_CLEAN ? this.refTrack : this.refLeak) * (sc - ref);
      this.ref[i] = ref;
      this.noiseFloor[i] = off ? Infinity : nf;
      // Excursion: 2-s peak-to-peak of `mo` against its clean reference (same tracking rule).
      this.rangeHist[this.refIdx * this.L + i] = fe.tickMoMax - fe.tickMoMin;
      let rg = 0;
      for (let k = 0; k < REF_TICKS; k++) rg = Math.max(rg, this.rangeHist[k * this.L + i] as number);
      let rr = this.refRange[i] as number;
      if (!learning && rr < 0) rr = rg;
      const ex = rr > 0 ? rg / rr : 1;
      if (rr > 0) rr += (nf < REF_CLEAN ? this.refTrack : this.refLeak) * (rg - rr);
      this.refRange[i] = rr;
      this.excursion[i] = ex;
      // Flat: under 5 uV peak-to-peak for 2 s, which no live front end shows (its own noise is
      // larger). While another lead is live a flat lead counts for nothing (weights, quality,
      // analyzable): with floor 0 it looked like the best lead and scaled the live one down.
      this.flat[i] = rg < 0.005 ? 1 : 0;
      // A lead is not analyzable when its floor is high AND it swings well beyond its clean
      // QRS excursion (motion artefact), or when the floor alone is extreme.
      // Far more blanked time than pacing makes (MAX_BLANKED) is large fast noise that the
      // spike blanker has been flattening: the lead then looks clean but is not.
      const bad = (nf >= UNANALYZABLE_FLOOR && ex >= UNANALYZABLE_EXCURSION) || nf >= UNANALYZABLE_FLOOR_ALONE || fe.tickBlanked > MAX_BLANKED * this.tickLen;
      // While learning the QRS levels are unknown: rate only lead-off.
      let q = off ? 0 : learning || ref < 0 ? 1 : 1 - (nf - NOISE_LO) / (NOISE_HI - NOISE_LO);
      q = q < 0 || (bad && !learning && ref > 0) ? 0 : q > 1 ? 1 : q;
      const good = !off && (learning || ref < 0 || !bad);
      this.good[i] = good ? 1 : 0;
      if (good) analyzable = true;
      this.q[i] = q;
      this.off[i] = off ? 1 : 0;
      this.tQ[slot * this.L + i] = q;
      this.tOff[slot * this.L + i] = off ? 1 : 0;
      if (q > best) best = q;
      fe.resetTick();
    }
    let liveAny = false;
    for (let i = 0; i < this.L; i++) if (!this.off[i] && !this.flat[i]) liveAny = true;
    if (liveAny) {
      best = 0;
      analyzable = false;
      for (let i = 0; i < this.L; i++) {
        if (this.flat[i]) { this.q[i] = 0; this.tQ[slot * this.L + i] = 0; continue; }
        if ((this.q[i] as number) > best) best = this.q[i] as number;
        if (this.good[i]) analyzable = true;
      }
    }
    this.tEnd[slot] = end;
    this.tBest[slot] = best;
    if (analyzable === this.unan) this.run++;
    else this.run = 0;
    if (this.unan ? this.run >= EXIT_TICKS : this.run >= ENTER_TICKS) {
      this.unan = !this.unan;
      this.run = 0;
    }
    this.tUnan[slot] = this.unan ? 1 : 0;
  }

  /**
   * Detector weights: inverse-variance style, w_i ∝ 1/(floor_i + FLOOR_EPS)², scaled so the
   * best lead has 1 (each lead's feature is already normalised to its QRS level, so this is
   * the maximum-SNR combination of independent noises); 0 for a lead that is off.
   */
  weights(w: Float64Array): void {
    let mx = 0;
    let live = false;
    for (let i = 0; i < this.L; i++) if (!this.off[i] && !this.flat[i]) live = true;
    for (let i = 0; i < this.L; i++) {
      const f = Math.max(0, this.smoothFloor[i] as number) + FLOOR_EPS;
      const v = this.off[i] || (live && this.flat[i]) ? 0 : 1 / (f * f);
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
