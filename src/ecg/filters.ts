/**
 * Per-lead front end: raw ADC -> mV, pacemaker-spike blanking, baseline removal, mains
 * null, QRS band-pass and the detection feature. Everything is causal and computed in
 * Float64 one sample at a time, so the output does not depend on the block size.
 *
 * Signals kept per lead in power-of-two rings (absolute sample index & mask):
 *  - `mo`: morphology signal = first-order 0.5 Hz high-pass (baseline wander) followed by a
 *    moving average of round(fs/mains) samples, which has a null at the mains frequency and
 *    its harmonics and a -3 dB point near 0.44·mains (26 Hz at 60 Hz): enough bandwidth for
 *    QRS width/amplitude at the morphology resolution (~140 Hz).
 *  - `bp`: QRS band-pass (2nd-order Butterworth high-pass then low-pass, default 5-15 Hz,
 *    the band Pan & Tompkins 1985 chose to maximise QRS energy against P/T waves and motion).
 *  - `ft`: detection feature = moving average over `mwiS` of |bp[n] - bp[n-2]| (slope
 *    magnitude, Hamilton & Tompkins 1986 use the mean absolute derivative rather than the
 *    square: more linear, so per-lead normalised features can be summed across leads).
 *  - `pace` (paced patients only, `paceTracking`): |second difference| of the raw input, mV,
 *    and `roughness`, its running 90th percentile: a pacemaker pulse is the
 *    sharpest event in the signal, even after a recorder's band limit has smeared it over a
 *    few samples (mitdb 102/104: 8.5-15 at paced beats, against <= 3.5 at the same patients'
 *    own beats; see src/ecg/pace.ts).
 */

/** Coefficients of a biquad section, a0 normalised to 1. */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** RBJ audio-EQ cookbook low/high-pass with Q = 1/sqrt(2) (2nd-order Butterworth). */
export function butterworth2(kind: 'lowpass' | 'highpass', fc: number, fs: number): Biquad {
  const w = (2 * Math.PI * fc) / fs;
  const cw = Math.cos(w);
  const alpha = Math.sin(w) / (2 * Math.SQRT1_2);
  const a0 = 1 + alpha;
  const b0 = kind === 'lowpass' ? (1 - cw) / 2 : (1 + cw) / 2;
  const b1 = kind === 'lowpass' ? 1 - cw : -(1 + cw);
  return { b0: b0 / a0, b1: b1 / a0, b2: b0 / a0, a1: (-2 * cw) / a0, a2: (1 - alpha) / a0 };
}

export interface FrontEndConfig {
  fs: number;
  gain: number;
  baseline: number;
  ringSize: number;
  mainsHz: number;
  bandLowHz: number;
  bandHighHz: number;
  mwiS: number;
  /** Minimum sample-to-sample step (mV) that marks a pacing spike (see constructor). */
  spikeStepMv: number;
  /** Input hold after a spike, seconds. */
  spikeBlankS: number;
  /** Keep the `pace` ring and `roughness` (a paced patient; costs ~2 ns per sample otherwise saved). */
  paceTracking?: boolean;
}

export class LeadFrontEnd {
  readonly mo: Float64Array;
  readonly bp: Float64Array;
  readonly ft: Float64Array;
  readonly pace: Float32Array;
  readonly mask: number;
  /** Raw min/max of the current quality tick (lead-off detection), ADC units. */
  tickRawMin = Infinity;
  tickRawMax = -Infinity;
  /** Samples at the ADC rail in the current tick. */
  tickRail = 0;
  /** Minimum and sum of `ft` in the current tick (noise floor / activity). */
  tickFtMin = Infinity;
  tickFtSum = 0;
  /** Min/max of `mo` in the current tick (amplitude excursions), mV. */
  tickMoMin = Infinity;
  tickMoMax = -Infinity;
  /** Samples held by the spike blanker in the current tick. */
  tickBlanked = 0;
  /** Pacing spikes seen (since start). */
  spikes = 0;

  private readonly invGain: number;
  private readonly baseline: number;
  private readonly hpA: number;
  private readonly ma: Float64Array;
  private readonly maLen: number;
  private maIdx = 0;
  private maSum = 0;
  private readonly hp: Biquad;
  private readonly lp: Biquad;
  private readonly ad: Float64Array;
  private readonly adLen: number;
  private adIdx = 0;
  private adSum = 0;
  private readonly spikeStep: number;
  private readonly blankN: number;
  private blankLeft = 0;
  private hold = 0;
  private xPrev = 0;
  private xPrev2 = 0;
  /** Running 90th percentile of |second difference| (mV), the pace score's unit. */
  private d2Floor: number;
  private readonly d2FloorMin: number;
  private readonly paceTracking: boolean;
  private inPrev = 0;
  private hpOut = 0;
  private h1x1 = 0;
  private h1x2 = 0;
  private h1y1 = 0;
  private h1y2 = 0;
  private l1x1 = 0;
  private l1x2 = 0;
  private l1y1 = 0;
  private l1y2 = 0;
  private bp1 = 0;
  private bp2 = 0;
  private started = false;
  private railed = false;
  private readonly railHi: number;
  private readonly railLo: number;

  constructor(cfg: FrontEndConfig, railHi = 8_388_607, railLo = -8_388_608) {
    this.mo = new Float64Array(cfg.ringSize);
    this.bp = new Float64Array(cfg.ringSize);
    this.ft = new Float64Array(cfg.ringSize);
    // Only a paced patient's front end keeps the pace ring (paceTracking).
    this.pace = new Float32Array(cfg.paceTracking === true ? cfg.ringSize : 0);
    this.mask = cfg.ringSize - 1;
    // Floor of the roughness unit: 0.02 mV per sample² at 360 Hz (4 ADC units of mitdb),
    // scaled with 1/fs², so a very clean high-resolution signal does not make every QRS
    // look like a spike.
    this.d2FloorMin = 0.02 * (360 / cfg.fs) ** 2;
    this.d2Floor = 2 * this.d2FloorMin;
    this.paceTracking = cfg.paceTracking === true;
    this.invGain = 1 / cfg.gain;
    this.baseline = cfg.baseline;
    // First-order high-pass y = a(y + x - x1), a = RC/(RC+T): 0.5 Hz keeps ST/QRS shape
    // (AHA monitoring-mode low corner is 0.5 Hz; diagnostic 0.05 Hz).
    const rc = 1 / (2 * Math.PI * 0.5);
    this.hpA = rc / (rc + 1 / cfg.fs);
    this.maLen = Math.max(1, Math.round(cfg.fs / cfg.mainsHz));
    this.ma = new Float64Array(this.maLen);
    this.hp = butterworth2('highpass', cfg.bandLowHz, cfg.fs);
    this.lp = butterworth2('lowpass', cfg.bandHighHz, cfg.fs);
    this.adLen = Math.max(1, Math.round(cfg.mwiS * cfg.fs));
    this.ad = new Float64Array(this.adLen);
    // IEC 60601-2-27 pacing pulses are 2-700 mV over 0.1-2 ms: a step of >= spikeStepMv
    // within one sample is far steeper than any QRS (<~0.1 mV/ms); hold the input at its
    // pre-spike value for spikeBlankS so the spike never reaches the QRS filters.
    this.spikeStep = cfg.spikeStepMv;
    this.blankN = Math.max(1, Math.round(cfg.spikeBlankS * cfg.fs));
    this.railHi = railHi;
    this.railLo = railLo;
  }

  /** Running 90th percentile of the raw |second difference|, mV (the `pace` ring's unit; paceTracking only). */
  get roughness(): number {
    return this.d2Floor;
  }

  /** Group delay of `mo` relative to the input, samples (the moving average's). */
  get moDelay(): number {
    return (this.maLen - 1) / 2;
  }

  /** Filter n samples of `raw` from `off`; `abs` is the absolute index of raw[off]. */
  process(raw: Int32Array, off: number, n: number, abs: number): void {
    const mo = this.mo;
    const bp = this.bp;
    const ft = this.ft;
    const mask = this.mask;
    const ma = this.ma;
    const ad = this.ad;
    const hp = this.hp;
    const lp = this.lp;
    const invGain = this.invGain;
    const base = this.baseline;
    const hpA = this.hpA;
    const maLen = this.maLen;
    const adLen = this.adLen;
    const invAd = 1 / adLen;
    const invMa = 1 / maLen;
    let { maIdx, maSum, adIdx, adSum, blankLeft, hold, xPrev, xPrev2, d2Floor, inPrev, hpOut } = this;
    const pace = this.pace;
    const d2Min = this.d2FloorMin;
    const track = this.paceTracking;
    let { h1x1, h1x2, h1y1, h1y2, l1x1, l1x2, l1y1, l1y2, bp1, bp2 } = this;
    let rmin = this.tickRawMin;
    let rmax = this.tickRawMax;
    let rail = this.tickRail;
    let fmin = this.tickFtMin;
    let fsum = this.tickFtSum;
    let blanked = this.tickBlanked;
    let mmin = this.tickMoMin;
    let mmax = this.tickMoMax;
    if (!this.started && n > 0) {
      // Start the filters from the first value instead of a 0 -> signal step.
      const x0 = ((raw[off] as number) - base) * invGain;
      xPrev = x0;
      xPrev2 = x0;
      inPrev = x0;
      hold = x0;
      this.started = true;
    }
    for (let i = 0; i < n; i++) {
      const r = raw[off + i] as number;
      if (r < rmin) rmin = r;
      if (r > rmax) rmax = r;
      const atRail = r >= this.railHi || r <= this.railLo;
      if (atRail) rail++;
      const x = (r - base) * invGain;
      // At the ADC rail (electrode off) the filters see the last real input held, not a step of
      // thousands of mV; the first sample back restarts their inputs from there. Before, the
      // step rang through the high-pass and a lead coming back looked like the cleanest one
      // with a huge "beat": the detector's level jumped ~80x and missed beats for 5-17 s.
      if (atRail) this.railed = true;
      else if (this.railed) {
        this.railed = false;
        xPrev = x;
        xPrev2 = x;
        hold = x;
        inPrev = x;
        blankLeft = 0;
      }
      const step = x - xPrev;
      if (track) {
        let d2 = step - (xPrev - xPrev2);
        if (d2 < 0) d2 = -d2;
        // Stochastic 90th-percentile tracker (time constant ~1000 samples), floored.
        d2Floor += d2 > d2Floor ? 0.0009 * d2Floor : -0.0001 * d2Floor;
        if (d2Floor < d2Min) d2Floor = d2Min;
        pace[(abs + i) & mask] = d2;
      }
      xPrev2 = xPrev;
      xPrev = x;
      if (step > this.spikeStep || step < -this.spikeStep) {
        if (blankLeft === 0) this.spikes++;
        blankLeft = this.blankN;
      }
      let xin: number;
      if (atRail) {
        xin = hold;
      } else if (blankLeft > 0) {
        blankLeft--;
        blanked++;
        xin = hold;
      } else {
        xin = x;
        hold = x;
      }
      hpOut = hpA * (hpOut + xin - inPrev);
      inPrev = xin;
      maSum += hpOut - (ma[maIdx] as number);
      ma[maIdx] = hpOut;
      if (++maIdx === maLen) maIdx = 0;
      const m = maSum * invMa;
      const k = (abs + i) & mask;
      mo[k] = m;
      if (m < mmin) mmin = m;
      if (m > mmax) mmax = m;
      const h = hp.b0 * m + hp.b1 * h1x1 + hp.b2 * h1x2 - hp.a1 * h1y1 - hp.a2 * h1y2;
      h1x2 = h1x1;
      h1x1 = m;
      h1y2 = h1y1;
      h1y1 = h;
      const l = lp.b0 * h + lp.b1 * l1x1 + lp.b2 * l1x2 - lp.a1 * l1y1 - lp.a2 * l1y2;
      l1x2 = l1x1;
      l1x1 = h;
      l1y2 = l1y1;
      l1y1 = l;
      bp[k] = l;
      let d = l - bp2;
      bp2 = bp1;
      bp1 = l;
      if (d < 0) d = -d;
      adSum += d - (ad[adIdx] as number);
      ad[adIdx] = d;
      if (++adIdx === adLen) adIdx = 0;
      const f = adSum * invAd;
      ft[k] = f;
      if (f < fmin) fmin = f;
      fsum += f;
    }
    Object.assign(this, { maIdx, maSum, adIdx, adSum, blankLeft, hold, xPrev, xPrev2, d2Floor, inPrev, hpOut });
    Object.assign(this, { h1x1, h1x2, h1y1, h1y2, l1x1, l1x2, l1y1, l1y2, bp1, bp2 });
    this.tickRawMin = rmin;
    this.tickRawMax = rmax;
    this.tickRail = rail;
    this.tickFtMin = fmin;
    this.tickFtSum = fsum;
    this.tickMoMin = mmin;
    this.tickMoMax = mmax;
    this.tickBlanked = blanked;
  }

  /** Start a new quality tick. */
  resetTick(): void {
    this.tickRawMin = Infinity;
    this.tickRawMax = -Infinity;
    this.tickRail = 0;
    this.tickFtMin = Infinity;
    this.tickFtSum = 0;
    this.tickMoMin = Infinity;
    this.tickMoMax = -Infinity;
    this.tickBlanked = 0;
  }
}
