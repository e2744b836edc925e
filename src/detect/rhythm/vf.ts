/**
 * Ventricular fibrillation / flutter from the signal itself, not from QRS counting (a VF
 * wave fools QRS detectors both ways: it is counted as a fast irregular rhythm, or missed
 * as asystole).
 *
 * Every `hopS` the last `windowS` of the primary lead (band-limited 1-30 Hz, mV) is
 * measured with:
 * - VF-filter leakage (Kuo & Dillman 1978, "Computer detection of ventricular fibrillation",
 *   Computers in Cardiology; as described by Amann, Tratnig & Unterkofler 2005, BioMed Eng
 *   OnLine 4:60): the mean half period N = round(pi * sum|x| / sum|dx|); leakage =
 *   sum|x[i] + x[i-N]| / sum(|x[i]| + |x[i-N]|) is near 0 for a sinusoid, high for spiky QRS
 *   complexes on a flat baseline.
 * - Threshold-crossing sample count (TCSC, Arafat, Chowdhury & Hasan 2011, Med Biol Eng
 *   Comput 49:1075): per 1-s block, the fraction of samples above 0.2 x that block's max |x|;
 *   VF keeps the signal away from the baseline most of the time.
 * - The dominant frequency implied by N (VF 3-8 Hz on the surface ECG; flutter ~4-5 Hz).
 * - Amplitude: mean |x| (fine VF below ~0.1 mV is left to the asystole detector).
 * A window is fibrillatory when all four agree and the beats the engine found inside it are
 * not a regular narrow-QRS rhythm (a regular QRS train is not VF, whatever the wave).
 * VF is declared when fibrillatory windows have covered `vfDurationS` (IEC 60601-2-27: 4 s).
 *
 * State: one Float32Array ring (windowS of samples) and a 16-beat ring; no per-sample
 * allocation.
 */
import { butterworth2, type Biquad } from '../../ecg/filters.ts';

/** Decision thresholds (tuned on the synthetic patient and mitdb 207; see README.md). */
export const VF_TUNING = {
  windowS: 3,
  hopS: 0.5,
  maxLeakage: 0.5,
  minTcsc: 0.45,
  minFreqHz: 2.5,
  maxFreqHz: 9,
  minMeanAbsMv: 0.08,
  /** RR coefficient of variation under which >= 3 narrow beats in the window are a regular QRS rhythm. */
  regularRrCv: 0.08,
  narrowQrsS: 0.11,
  /**
   * Consecutive organised windows (an isoelectric baseline is back: TCSC under minTcsc or
   * leakage at least organisedLeakage, spiky complexes on a baseline; or the wave is below
   * minMeanAbsMv, asystole's business) that end a VF stretch ...
   */
  offsetWindows: 3,
  /**
   * ... or consecutive windows of any kind that do not sustain it (6 s): windows without a
   * baseline that fail the VF tests (noise-like 10-13 Hz stretches inside mitdb 207's 98-s
   * episode) neither continue nor end VF on their own.
   */
  offsetAnyWindows: 12,
  /** Leakage of QRS complexes on a baseline (mitdb 207 rhythm between VF episodes: 0.77-0.82; noise inside VF <= 0.76 for single windows). */
  organisedLeakage: 0.75,
  /**
   * The first fibrillatory window is only partly VF: with leakage ~0.4 in VF and ~0.75 in a
   * QRS rhythm (mitdb 207 medians), a window's leakage, a ratio of sums, crosses maxLeakage
   * when ~2/3 of it is VF. The wave is dated back this far from the end of that window, so
   * the 4-s duration rule counts the VF actually seen rather than 4 s of whole windows
   * (a 4.3-s VFL episode in mitdb 207 at 242 s was otherwise missed).
   */
  onsetBackS: 2,
  /**
   * Likewise at the other end: a window still sustains while ~2/3 of it is VF, so the wave seen
   * ends about this long before the end of the latest sustaining window. The duration counted
   * is start (dated back) to end (dated back by this): without it a 2.0-2.5 s burst raised a
   * 4-s VF alarm (6 s: 5-s bursts, 8 s: 7-s bursts); 207's 4.3-s VFL still spans 4 s.
   */
  endBackS: 1,
  /**
   * Windows that sustain a fibrillatory stretch pass relaxed thresholds (hysteresis as in
   * every monitor's VF latch: coarse VF degenerates into stretches of lower organisation, and
   * mitdb 207's 98-s episode otherwise breaks into three pieces): leakage up to this, ...
   */
  sustainMaxLeakage: 0.65,
  /**
   * ... and the regular-QRS veto waived up to this leakage (flutter is regular: the engine
   * finds a regular ~180-240/min narrow "QRS" train in it, mitdb 207 at 242-247 s).
   */
  sustainVetoLeakage: 0.5,
  /**
   * A stretch of sustaining windows alarms VF once it spans vfDurationS (dated back by
   * onsetBackS) and holds at least this many fully fibrillatory windows (2 s of them at the
   * 0.5-s hop): the relaxed windows extend a VF stretch, they never make one alone.
   */
  minStrictWindows: 4,
} as const;

export interface VfFeatures {
  endSample: number;
  leakage: number;
  tcsc: number;
  freqHz: number;
  meanAbsMv: number;
  regularQrs: boolean;
  fibrillatory: boolean;
  /** The window keeps an already declared VF going (relaxed thresholds, see VF_TUNING). */
  sustains: boolean;
  /** The window shows an organised (non-VF) signal: baseline back, or too small for VF. */
  organised: boolean;
}

const BEAT_RING = 16;

export class VfDetector {
  private readonly fs: number;
  private readonly ring: Float32Array;
  private readonly mask: number;
  private readonly win: number;
  private readonly hop: number;
  private readonly hp: Biquad;
  private readonly lp: Biquad;
  private hz1 = 0; private hz2 = 0; private lz1 = 0; private lz2 = 0;
  private abs = 0;
  private nextHop: number;
  private readonly bSample = new Float64Array(BEAT_RING);
  private readonly bWidth = new Float32Array(BEAT_RING);
  private bCount = 0;
  private bHead = 0;
  /** Last window's verdict (the asystole detector defers while the wave looks fibrillatory). */
  fibrillatoryNow = false;
  last: VfFeatures | null = null;
  /** Optional per-window feature sink (tuning tools). */
  onFeatures: ((f: VfFeatures) => void) | null = null;

  constructor(fs: number) {
    this.fs = fs;
    this.win = Math.round(VF_TUNING.windowS * fs);
    this.hop = Math.max(1, Math.round(VF_TUNING.hopS * fs));
    let size = 1;
    while (size < this.win + 2) size <<= 1;
    this.ring = new Float32Array(size);
    this.mask = size - 1;
    this.hp = butterworth2('highpass', 1, fs);
    this.lp = butterworth2('lowpass', Math.min(30, fs * 0.4), fs);
    this.nextHop = this.win;
  }

  get samplesSeen(): number {
    return this.abs;
  }

  /**
   * The samples now come from another lead: forget the filters' memory and the window (as if
   * the stream were silent up to here), so the step between the leads is not read as a wave.
   * Stream time goes on.
   */
  restartSignal(): void {
    this.hz1 = this.hz2 = this.lz1 = this.lz2 = 0;
    this.ring.fill(0);
    this.fibrillatoryNow = false;
  }

  /** A beat found by the engine (for the regular-QRS veto). */
  onBeat(sample: number, qrsWidthS: number): void {
    const j = (this.bHead + this.bCount) % BEAT_RING;
    this.bSample[j] = sample;
    this.bWidth[j] = qrsWidthS;
    if (this.bCount < BEAT_RING) this.bCount++;
    else this.bHead = (this.bHead + 1) % BEAT_RING;
  }

  /**
   * Feed n samples of the primary lead (raw ADC units or mV with gain 1, baseline 0).
   * Calls `decide(endSample, features)` after each hop.
   */
  push(x: ArrayLike<number>, n: number, gainPerMv: number, baseline: number, offset: number, decide: (f: VfFeatures) => void): void {
    const hp = this.hp;
    const lp = this.lp;
    for (let i = 0; i < n; i++) {
      const v = ((x[offset + i] as number) - baseline) / gainPerMv;
      // Transposed direct form II biquads.
      const h = hp.b0 * v + this.hz1;
      this.hz1 = hp.b1 * v - hp.a1 * h + this.hz2;
      this.hz2 = hp.b2 * v - hp.a2 * h;
      const y = lp.b0 * h + this.lz1;
      this.lz1 = lp.b1 * h - lp.a1 * y + this.lz2;
      this.lz2 = lp.b2 * h - lp.a2 * y;
      this.ring[this.abs & this.mask] = y;
      this.abs++;
      if (this.abs === this.nextHop) {
        this.nextHop += this.hop;
        const f = this.measure(this.abs);
        this.last = f;
        this.fibrillatoryNow = f.fibrillatory;
        if (this.onFeatures !== null) this.onFeatures(f);
        decide(f);
      }
    }
  }

  private measure(end: number): VfFeatures {
    const ring = this.ring;
    const m = this.mask;
    const start = end - this.win;
    let sAbs = 0;
    let sDiff = 0;
    let prev = ring[start & m] as number;
    for (let i = start; i < end; i++) {
      const v = ring[i & m] as number;
      sAbs += Math.abs(v);
      sDiff += Math.abs(v - prev);
      prev = v;
    }
    const meanAbs = sAbs / this.win;
    const halfPeriod = sDiff > 0 ? Math.max(1, Math.floor((Math.PI * sAbs) / sDiff + 0.5)) : this.win;
    let num = 0;
    let den = 0;
    if (halfPeriod < this.win / 2) {
      for (let i = start + halfPeriod; i < end; i++) {
        const a = ring[i & m] as number;
        const b = ring[(i - halfPeriod) & m] as number;
        num += Math.abs(a + b);
        den += Math.abs(a) + Math.abs(b);
      }
    }
    const leakage = den > 0 ? num / den : 1;
    // TCSC over 1-s blocks (the last block may be shorter).
    const block = Math.max(1, Math.round(this.fs));
    let over = 0;
    for (let b0 = start; b0 < end; b0 += block) {
      const b1 = Math.min(end, b0 + block);
      let mx = 0;
      for (let i = b0; i < b1; i++) mx = Math.max(mx, Math.abs(ring[i & m] as number));
      const th = 0.2 * mx;
      for (let i = b0; i < b1; i++) if (Math.abs(ring[i & m] as number) > th) over++;
    }
    const tcsc = over / this.win;
    const freqHz = this.fs / (2 * halfPeriod);
    const regularQrs = this.regularQrs(start, end);
    const t = VF_TUNING;
    const wave = tcsc >= t.minTcsc && freqHz >= t.minFreqHz && freqHz <= t.maxFreqHz && meanAbs >= t.minMeanAbsMv;
    const fibrillatory = wave && leakage <= t.maxLeakage && !regularQrs;
    const sustains = wave && leakage <= t.sustainMaxLeakage && (!regularQrs || leakage <= t.sustainVetoLeakage);
    const organised = tcsc < t.minTcsc || meanAbs < t.minMeanAbsMv || leakage >= t.organisedLeakage;
    return { endSample: end, leakage, tcsc, freqHz, meanAbsMv: meanAbs, regularQrs, fibrillatory, sustains, organised };
  }

  /** >= 3 narrow beats in [start, end) with steady RR. */
  private regularQrs(start: number, end: number): boolean {
    let n = 0;
    let last = -1;
    let sum = 0;
    let sum2 = 0;
    let rrN = 0;
    let narrow = 0;
    for (let k = 0; k < this.bCount; k++) {
      const j = (this.bHead + k) % BEAT_RING;
      const s = this.bSample[j] as number;
      if (s < start || s >= end) continue;
      n++;
      if ((this.bWidth[j] as number) <= VF_TUNING.narrowQrsS) narrow++;
      if (last >= 0) {
        const rr = s - last;
        sum += rr;
        sum2 += rr * rr;
        rrN++;
      }
      last = s;
    }
    if (n < 3 || narrow * 2 < n || rrN < 2) return false;
    const mean = sum / rrN;
    const sd = Math.sqrt(Math.max(0, sum2 / rrN - mean * mean));
    return sd / mean <= VF_TUNING.regularRrCv;
  }
}
