/**
 * Multi-lead QRS detector on the fused feature of the lead front ends.
 *
 * Fusion: f[n] = Σ w_i · ft_i[n] / S_i / Σ w_i, where S_i is lead i's running QRS feature
 * level and w_i its quality weight (0 for a lead that is off or noisy), so each lead votes
 * with its own normalised slope energy and a noisy or missing lead fades out.
 *
 * Peaks of f are candidates (a local maximum not exceeded within `holdS`, as Hamilton &
 * Tompkins 1986). Each candidate is decided `decideS` after its peak, with that much
 * look-ahead, so a beat is still reported well inside 0.5 s of its R peak:
 *  - a larger candidate within the refractory period (200 ms) wins;
 *  - strong (>= NPK + th·(SPK - NPK), the adaptive threshold of Pan & Tompkins 1985):
 *    accepted unless it comes < 360 ms after the last beat with less than half its maximal
 *    slope (T-wave test, Pan & Tompkins 1985);
 *  - weak (>= sb × threshold): accepted only where a beat is due, i.e. at least
 *    `weakMinRr`·RR after the last beat, the largest candidate of the look-ahead, and no
 *    strong candidate follows within `weakNextRr`·RR (a look-ahead form of searchback,
 *    which otherwise would report a missed beat > 1.5 RR late);
 *  - early weak (>= sb × threshold, >= earlyNoiseRatio × NPK, past the T-wave window, the
 *    largest of the look-ahead, and in every reliable lead): accepted (aberrated or
 *    premature low-slope beats, e.g. mitdb 201's 'a' beats at ~0.4 RR);
 *  - otherwise noise, and the noise level NPK follows it.
 * Before that, two rejections that look at the leads and the look-ahead:
 *  - single-lead: a lead that has reliably shown the recent beats (per-lead presence, a
 *    running mean of its relative feature at accepted beats) shows < absentRatio of it here,
 *    and the candidate is premature (< singlePremature × RR) or a strong candidate follows
 *    within the look-ahead: a P/T wave or artefact confined to one lead;
 *  - P wave: a strong candidate >= pWaveRatio × larger and steeper (slope ratio < pSlopeRatio)
 *    follows 200 ms..min(pWaveS, RR/2) later.
 * Detections go to a small typed-array queue that the engine drains.
 * A candidate rejected long after the last beat that one reliable lead shows clearly is kept as
 * single-lead evidence (`evidenceAt`, see singleLeadEvidence): not a beat.
 */
import type { LeadFrontEnd } from './filters.ts';

export interface DetectorConfig {
  fs: number;
  refractoryS: number;
  holdS: number;
  decideS: number;
  thCoef: number;
  sbCoef: number;
  tWaveS: number;
  tSlopeRatio: number;
  weakMinRr: number;
  weakNextRr: number;
  /** Per-lead absolute floor of S_i (feature units, mV per 2 samples) so flat lines never look like QRS. */
  minScale: number;
  /** Delay from R peak to the peak of the fused feature, samples (fiducial search centre). */
  featureDelay: number;
  /** Delay of the band-pass relative to `mo`/input, samples. */
  bpDelay: number;
  primaryLead: number;
  maxRrS: number;
  /** Single-lead test: a lead counts as reliable when its presence level is >= this. */
  presenceMin: number;
  /** ... and as absent from a candidate whose relative feature is < this × its presence. */
  absentRatio: number;
  /** A single-lead candidate earlier than this × mean RR is rejected. */
  singlePremature: number;
  /** P-wave test: a candidate followed within this many seconds by a larger strong one... */
  pWaveS: number;
  /** ... at least this many times larger (and closer than half the mean RR) is a P wave. */
  pWaveRatio: number;
  /** ... and whose weighted max slope is below this × the larger one's. */
  pSlopeRatio: number;
  /** Early weak beat: past the T-wave window, >= this × the noise peak level NPK... */
  earlyNoiseRatio: number;
  /** ... and in every reliable lead at >= this × its presence level. */
  earlyMinRel: number;
}

const QCAP = 256;
/**
 * Single-lead evidence (see singleLeadEvidence): relative to the lead's QRS level and to its noise
 * peaks. 2 until mitdb 116 at 23:10 showed a QRS of the usual size (1.2-1.3x) on V1 while MLII sat
 * saturated after an artefact: with 1 the evidence fires there too (and in 208), nowhere else.
 */
const EVIDENCE_REL = 1;
const EVIDENCE_PROMINENCE = 4;
const RR_N = 8;

export class QrsDetector {
  /** Per-lead quality weights (0..1), written by the engine. */
  readonly weight: Float64Array;
  /** Per-lead QRS feature level. */
  readonly scale: Float64Array;
  /** Detection output queue (drained by the engine): fiducial sample, lead, strength, agreement. */
  readonly outSample = new Float64Array(QCAP);
  readonly outLead = new Int32Array(QCAP);
  readonly outStrength = new Float64Array(QCAP);
  readonly outAgree = new Float64Array(QCAP);
  outCount = 0;

  private readonly fe: readonly LeadFrontEnd[];
  private readonly cfg: DetectorConfig;
  private readonly L: number;
  private readonly coef: Float64Array;
  private readonly lastSlope: Float64Array;
  private readonly val: Float64Array;
  /** Per-lead presence: running mean of min(rel, 1.5) over accepted beats (how reliably the lead shows beats). */
  readonly presence: Float64Array;
  /** Per-lead running mean of the relative feature at rejected candidates (the lead's noise peaks). */
  private readonly noiseRel: Float64Array;
  /** Feature peak of the latest rejected candidate that one reliable lead shows as a clear QRS (-1: none), and that lead. */
  evidenceAt = -1;
  evidenceLead = 0;
  private readonly relTmp: Float64Array;
  // candidate ring
  private readonly cPos = new Float64Array(QCAP);
  private readonly cH = new Float64Array(QCAP);
  private cHead = 0;
  private cTail = 0;
  // peak picking
  private pk = 0;
  private pkPos = -1;
  private rising = false;
  private valley = Infinity;
  // levels
  private spk = 1;
  private npk = 0;
  private readonly rr = new Float64Array(RR_N);
  private rrN = 0;
  private rrIdx = 0;
  private rrAvg: number;
  private lastPos = -1e12;
  private readonly refr: number;
  private readonly hold: number;
  private readonly decide: number;
  private readonly pWave: number;

  constructor(fe: readonly LeadFrontEnd[], cfg: DetectorConfig) {
    this.fe = fe;
    this.cfg = cfg;
    this.L = fe.length;
    this.weight = new Float64Array(this.L).fill(1);
    this.scale = new Float64Array(this.L).fill(cfg.minScale);
    this.coef = new Float64Array(this.L);
    this.lastSlope = new Float64Array(this.L);
    this.val = new Float64Array(this.L);
    this.presence = new Float64Array(this.L).fill(1);
    this.noiseRel = new Float64Array(this.L).fill(0.5);
    this.relTmp = new Float64Array(this.L);
    this.rrAvg = 0.8 * cfg.fs;
    this.refr = Math.round(cfg.refractoryS * cfg.fs);
    this.hold = Math.round(cfg.holdS * cfg.fs);
    this.decide = Math.round(cfg.decideS * cfg.fs);
    this.pWave = Math.round(cfg.pWaveS * cfg.fs);
    this.updateCoef();
  }

  /** Learning: set each lead's scale from the largest feature value seen in [from, to). */
  learn(from: number, to: number): void {
    for (let i = 0; i < this.L; i++) {
      const fe = this.fe[i] as LeadFrontEnd;
      let mx = 0;
      for (let n = from; n < to; n++) {
        const v = fe.ft[n & fe.mask] as number;
        if (v > mx) mx = v;
      }
      this.scale[i] = Math.max(this.cfg.minScale, 0.6 * mx);
    }
    this.spk = 1;
    this.npk = 0.1;
    this.updateCoef();
  }

  /** Recompute fusion coefficients after a change of weights or scales. */
  updateCoef(): void {
    let sw = 0;
    for (let i = 0; i < this.L; i++) sw += this.weight[i] as number;
    for (let i = 0; i < this.L; i++) {
      this.coef[i] = sw > 0 ? (this.weight[i] as number) / sw / (this.scale[i] as number) : 0;
    }
  }

  /** Time since the last accepted beat's feature peak, samples. */
  sinceLast(n: number): number {
    return n - this.lastPos;
  }

  get rrAverageSamples(): number {
    return this.rrAvg;
  }

  /** Scan the fused feature over absolute samples [from, to). */
  scan(from: number, to: number): void {
    const L = this.L;
    const fe = this.fe;
    const coef = this.coef;
    const f0 = fe[0] as LeadFrontEnd;
    const mask = f0.mask;
    const ft0 = f0.ft;
    let c0 = coef[0] as number;
    const ft1 = L > 1 ? (fe[1] as LeadFrontEnd).ft : ft0;
    let c1 = L > 1 ? (coef[1] as number) : 0;
    let pk = this.pk;
    let pkPos = this.pkPos;
    let rising = this.rising;
    let valley = this.valley;
    const hold = this.hold;
    for (let n = from; n < to; n++) {
      const k = n & mask;
      let f = c0 * (ft0[k] as number) + c1 * (ft1[k] as number);
      for (let i = 2; i < L; i++) f += (coef[i] as number) * ((fe[i] as LeadFrontEnd).ft[k] as number);
      if (rising) {
        if (f > pk) {
          pk = f;
          pkPos = n;
        } else if (n - pkPos >= hold || f < 0.5 * pk) {
          this.pushCandidate(pkPos, pk);
          rising = false;
          valley = f;
        }
      } else if (f <= valley) {
        valley = f;
      } else {
        rising = true;
        pk = f;
        pkPos = n;
      }
      if (this.cHead !== this.cTail && (this.cPos[this.cHead] as number) + this.decide <= n) {
        // The peak still rising at n is part of the look-ahead (P-wave test).
        this.pk = pk;
        this.pkPos = pkPos;
        this.rising = rising;
        this.decideUpTo(n);
        // An accepted beat rescales the leads: reload the fusion coefficients.
        c0 = coef[0] as number;
        c1 = L > 1 ? (coef[1] as number) : 0;
      }
    }
    this.pk = pk;
    this.pkPos = pkPos;
    this.rising = rising;
    this.valley = valley;
  }

  private pushCandidate(pos: number, h: number): void {
    const t = this.cTail;
    this.cPos[t] = pos;
    this.cH[t] = h;
    this.cTail = (t + 1) & (QCAP - 1);
    if (this.cTail === this.cHead) this.cHead = (this.cHead + 1) & (QCAP - 1); // overflow: drop oldest
  }

  private decideUpTo(n: number): void {
    while (this.cHead !== this.cTail && (this.cPos[this.cHead] as number) + this.decide <= n) {
      const pos = this.cPos[this.cHead] as number;
      const h = this.cH[this.cHead] as number;
      this.cHead = (this.cHead + 1) & (QCAP - 1);
      this.decideOne(pos, h);
    }
  }

  private decideOne(pos: number, h: number): void {
    const cfg = this.cfg;
    const dt = pos - this.lastPos;
    if (dt < this.refr) return;
    const thr = this.npk + cfg.thCoef * (this.spk - this.npk);
    // Look-ahead over the queued (finalised) candidates.
    let biggerSoon = false;
    let biggerAhead = false;
    let strongNext = Infinity;
    const pGap = Math.min(this.pWave, 0.5 * this.rrAvg);
    let pAt = -1;
    for (let j = this.cHead; j !== this.cTail; j = (j + 1) & (QCAP - 1)) {
      const p2 = this.cPos[j] as number;
      const h2 = this.cH[j] as number;
      if (p2 - pos > this.decide) break;
      if (h2 > h) {
        biggerAhead = true;
        if (p2 - pos < this.refr) biggerSoon = true;
      }
      if (h2 >= thr && p2 - pos < strongNext) strongNext = p2 - pos;
      if (pAt < 0 && h2 >= thr && h2 >= cfg.pWaveRatio * h && p2 - pos >= this.refr && p2 - pos <= pGap) pAt = p2;
    }
    // The peak still rising: its height so far is a lower bound of its final height.
    if (pAt < 0 && this.rising && this.pkPos - pos >= this.refr && this.pkPos - pos <= pGap && this.pk >= thr && this.pk >= cfg.pWaveRatio * h) pAt = this.pkPos;
    if (biggerSoon) return;
    if (pAt >= 0 && this.weightedSlope(pos) < cfg.pSlopeRatio * this.weightedSlope(pAt)) return;
    if (h >= cfg.sbCoef * thr && this.isSingleLead(pos) && (dt < cfg.singlePremature * this.rrAvg || strongNext <= this.decide)) return;
    if (h >= thr) {
      if (dt < cfg.tWaveS * cfg.fs && this.isTWave(pos)) {
        this.npk += 0.125 * (h - this.npk);
        return;
      }
      this.accept(pos, h, 0.125);
      return;
    }
    if (
      h >= cfg.sbCoef * thr &&
      !biggerAhead &&
      dt >= cfg.weakMinRr * this.rrAvg &&
      strongNext >= cfg.weakNextRr * this.rrAvg &&
      !(dt < cfg.tWaveS * cfg.fs * 1.25 && this.isTWave(pos))
    ) {
      this.accept(pos, h, 0.25);
      return;
    }
    if (
      h >= cfg.sbCoef * thr &&
      h >= cfg.earlyNoiseRatio * this.npk &&
      !biggerAhead &&
      dt >= cfg.tWaveS * cfg.fs &&
      this.inAllLeads(pos, cfg.earlyMinRel)
    ) {
      this.accept(pos, h, 0.25);
      return;
    }
    this.npk += 0.125 * (h - this.npk);
    this.singleLeadEvidence(pos, dt);
  }

  /**
   * A rejected candidate, long after the last beat, that one reliable lead shows at least
   * EVIDENCE_REL x its QRS level and EVIDENCE_PROMINENCE x the level of its own noise peaks:
   * the QRS may have collapsed on the other leads (mitdb 208 at 23:03: MLII's QRS falls ~10x
   * for 5 s while V1, a noisy lead with a low fusion weight, still shows the PVCs; 116 at 23:10:
   * MLII saturated for ~6 s, V1 shows every beat at its usual size). Not a beat
   * (no label, no interval), but evidence against "no QRS" (EcgEngine.lastEvidenceSample).
   */
  private singleLeadEvidence(pos: number, dt: number): void {
    const rel = this.relTmp;
    this.relPeaks(pos, rel);
    const silence = dt >= Math.max(1.5 * this.cfg.fs, 1.5 * this.rrAvg);
    for (let i = 0; i < this.L; i++) {
      const r = rel[i] as number;
      const noise = this.noiseRel[i] as number;
      if (silence && (this.weight[i] as number) > 0 && (this.presence[i] as number) >= this.cfg.presenceMin && r >= EVIDENCE_REL && r >= EVIDENCE_PROMINENCE * noise) {
        this.evidenceAt = pos;
        this.evidenceLead = i;
      }
      this.noiseRel[i] = noise + 0.125 * (Math.min(r, 3) - noise);
    }
  }

  /**
   * True when every reliable lead shows the candidate at >= minRel × its presence level: an
   * early, low-slope beat (aberrated or premature) that stands well clear of the noise peaks
   * and projects onto all leads, unlike a P/T wave or an artefact confined to one lead.
   */
  private inAllLeads(pos: number, minRel: number): boolean {
    const rel = this.relTmp;
    this.relPeaks(pos, rel);
    let n = 0;
    for (let i = 0; i < this.L; i++) {
      const p = this.presence[i] as number;
      if ((this.weight[i] as number) <= 0 || p < this.cfg.presenceMin) continue;
      if ((rel[i] as number) < minRel * p) return false;
      n++;
    }
    return n > 0;
  }

  /** Per-lead feature peak within ±30 ms of pos relative to the lead's QRS level, into out. */
  private relPeaks(pos: number, out: Float64Array): void {
    const w = Math.round(0.03 * this.cfg.fs);
    for (let i = 0; i < this.L; i++) {
      const fe = this.fe[i] as LeadFrontEnd;
      let mx = 0;
      for (let n = pos - w; n <= pos + w; n++) {
        const v = fe.ft[n & fe.mask] as number;
        if (v > mx) mx = v;
      }
      out[i] = mx / (this.scale[i] as number);
    }
  }

  /**
   * True when a lead that has reliably shown the recent beats (presence >= presenceMin) shows
   * (almost) nothing at this candidate while another lead carries it: a P/T wave or artefact
   * confined to one lead rather than a QRS, which projects onto every lead that sees the heart.
   */
  private isSingleLead(pos: number): boolean {
    if (this.L < 2) return false;
    const rel = this.relTmp;
    this.relPeaks(pos, rel);
    for (let i = 0; i < this.L; i++) {
      const p = this.presence[i] as number;
      if ((this.weight[i] as number) > 0 && p >= this.cfg.presenceMin && (rel[i] as number) < this.cfg.absentRatio * p) return true;
    }
    return false;
  }

  /** Max |bp slope| per lead over the feature window ending at pos, into this.val. */
  private slopes(pos: number, out: Float64Array): void {
    const span = Math.round(0.15 * this.cfg.fs);
    for (let i = 0; i < this.L; i++) {
      const fe = this.fe[i] as LeadFrontEnd;
      const bp = fe.bp;
      const mask = fe.mask;
      let mx = 0;
      for (let n = pos - span; n <= pos; n++) {
        let d = (bp[n & mask] as number) - (bp[(n - 2) & mask] as number);
        if (d < 0) d = -d;
        if (d > mx) mx = d;
      }
      out[i] = mx;
    }
  }

  /** Quality-weighted sum of the per-lead max slopes at pos, each relative to its lead's QRS level. */
  private weightedSlope(pos: number): number {
    const s = this.val;
    this.slopes(pos, s);
    let num = 0;
    for (let i = 0; i < this.L; i++) num += ((this.weight[i] as number) * (s[i] as number)) / (this.scale[i] as number);
    return num;
  }

  private isTWave(pos: number): boolean {
    const s = this.val;
    this.slopes(pos, s);
    let num = 0;
    let den = 0;
    for (let i = 0; i < this.L; i++) {
      const w = this.weight[i] as number;
      num += (w * (s[i] as number)) / (this.scale[i] as number);
      den += (w * (this.lastSlope[i] as number)) / (this.scale[i] as number);
    }
    return num < this.cfg.tSlopeRatio * den;
  }

  private accept(pos: number, h: number, rate: number): void {
    const cfg = this.cfg;
    // One huge accepted peak (an artefact step) moves the level at most as a 3x peak would, as
    // the per-lead scales below are clamped: unclamped, the level jumped ~80x and beats were
    // missed until it decayed (~7 s).
    this.spk += rate * (Math.min(h, 3 * this.spk) - this.spk);
    const dt = pos - this.lastPos;
    if (dt < cfg.maxRrS * cfg.fs) {
      // Clamp the RR entering the average so one missed or extra beat cannot swing it.
      const r = Math.min(Math.max(dt, 0.5 * this.rrAvg), 1.6 * this.rrAvg);
      this.rr[this.rrIdx] = r;
      this.rrIdx = (this.rrIdx + 1) % RR_N;
      if (this.rrN < RR_N) this.rrN++;
      let s = 0;
      for (let i = 0; i < this.rrN; i++) s += this.rr[i] as number;
      this.rrAvg = s / this.rrN;
    }
    this.lastPos = pos;
    this.slopes(pos, this.lastSlope);
    // Per-lead feature peak near the fused peak: updates the lead scales and picks the fiducial lead.
    const w = Math.round(0.03 * cfg.fs);
    let best = -1;
    let bestV = -1;
    let agree = 0;
    let active = 0;
    for (let i = 0; i < this.L; i++) {
      const fe = this.fe[i] as LeadFrontEnd;
      let mx = 0;
      for (let n = pos - w; n <= pos + w; n++) {
        const v = fe.ft[n & fe.mask] as number;
        if (v > mx) mx = v;
      }
      const sc = this.scale[i] as number;
      const rel = mx / sc;
      const wi = this.weight[i] as number;
      if (wi > 0) {
        active++;
        const pr = this.presence[i] as number;
        this.presence[i] = pr + 0.125 * (Math.min(rel, 1.5) - pr);
        if (rel > 0.3) agree++;
        // One beat moves the level by at most 25 % (clamp at 3x): an artefact cannot blind the lead.
        this.scale[i] = Math.max(cfg.minScale, sc + 0.125 * (Math.min(mx, 3 * sc) - sc));
      }
      const v = wi * rel * (i === cfg.primaryLead ? 2 : 1);
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    this.updateCoef();
    const lead = best < 0 ? 0 : best;
    const at = this.fiducialAt(lead, pos);
    if (this.outCount < QCAP) {
      const o = this.outCount++;
      this.outSample[o] = at;
      this.outLead[o] = lead;
      this.outStrength[o] = Math.min(1, h / Math.max(1e-9, this.spk));
      this.outAgree[o] = active > 0 ? agree / active : 0;
    }
  }

  /** R peak on `lead` for a fused-feature peak at `pos`: its largest band-passed deflection within ±80 ms. */
  fiducialAt(lead: number, pos: number): number {
    const cfg = this.cfg;
    const fe = this.fe[lead] as LeadFrontEnd;
    const c = pos - cfg.featureDelay;
    const half = Math.round(0.08 * cfg.fs);
    let at = c;
    let mx = -1;
    for (let n = c - half; n <= c + half; n++) {
      let v = fe.bp[(n + cfg.bpDelay) & fe.mask] as number;
      if (v < 0) v = -v;
      if (v > mx) {
        mx = v;
        at = n;
      }
    }
    return at;
  }

  /** End of stream: finalise the current peak and decide every queued candidate with the look-ahead there is. */
  flush(n: number): void {
    if (this.rising) {
      this.pushCandidate(this.pkPos, this.pk);
      this.rising = false;
    }
    this.decideUpTo(n + this.decide);
  }

  /** Let the signal level sag during long gaps so an amplitude drop cannot blind the detector. */
  decay(n: number, factor: number): void {
    if (n - this.lastPos > Math.max(2 * this.cfg.fs, 2 * this.rrAvg)) {
      this.spk = Math.max(0.4, 3 * this.npk, this.spk * factor);
    }
  }
}
