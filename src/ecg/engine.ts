/**
 * EcgEngine: streaming ECG analysis. Raw sample blocks in; beats and window reports out.
 *
 * Timing of outputs (all in stream samples, independent of the block size):
 *  - a beat is emitted at fiducial + emitDelay (0.4 s morphology tail + filter delay, < 0.5 s);
 *    beats of the first `learningS` are emitted when learning ends;
 *  - a window report for [start, end) is emitted at end + emitDelay, after its beats.
 * Processing runs in chunks that never cross a quality tick (0.25 s): filter every lead
 * over the chunk, scan the fused feature, then at tick ends update lead quality, detector
 * weights and reports.
 */
import { VigilError } from '../core/errors.ts';
import { QrsDetector, type DetectorConfig } from './detector.ts';
import { morphology, qrsAmplitude, qrsWidth } from './features.ts';
import { LeadFrontEnd } from './filters.ts';
import { PACE_SCORE_MIN, paceScore } from './pace.ts';
import { RrHistory } from './rate.ts';
import { LeadQuality, TICK_S } from './quality.ts';
import type { Beat, DetectorKnob, EcgEngineOptions, StageTimes, WindowReport } from './types.ts';

/** Every detector knob (names and meanings: DetectorKnob in types.ts, DetectorConfig in detector.ts). */
export type DetectorTuning = Record<DetectorKnob, number>;

/** Tuned defaults (README.md in this folder says which were tuned on mitdb and how). */
export const DETECTOR_DEFAULTS: Readonly<DetectorTuning> = {
  bandLowHz: 5,
  bandHighHz: 15,
  mwiS: 0.1,
  refractoryS: 0.2,
  holdS: 0.1,
  decideS: 0.3,
  thCoef: 0.45,
  sbCoef: 0.5,
  tWaveS: 0.36,
  tSlopeRatio: 0.5,
  weakMinRr: 0.8,
  weakNextRr: 0.5,
  maxRrS: 3,
  presenceMin: 0.5,
  absentRatio: 0.15,
  singlePremature: 0.85,
  pWaveS: 0.28,
  pWaveRatio: 1.3,
  pSlopeRatio: 0.7,
  earlyNoiseRatio: 4,
  earlyMinRel: 0.2,
};


const PENDING_CAP = 64;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/** Lead index preferred for the fiducial: MLII, then II, then ECG, else 0. */
export function preferredLead(names: readonly string[]): number {
  for (const want of ['MLII', 'II', 'ECG']) {
    const i = names.findIndex((n) => n.trim().toUpperCase() === want);
    if (i >= 0) return i;
  }
  return 0;
}

export class EcgEngine {
  readonly fs: number;
  readonly leadCount: number;
  readonly morphologyPoints: number;
  /** Samples from R peak to beat emission. */
  readonly emitDelay: number;
  private readonly fe: LeadFrontEnd[];
  private readonly det: QrsDetector;
  private readonly quality: LeadQuality;
  private readonly tickLen: number;
  private readonly windowLen: number;
  private readonly hrvLen: number;
  private learnEnd: number;
  private readonly learnLen: number;
  private readonly rrRunningS: number;
  private readonly rrLocalN: number;
  private readonly suppress: boolean;
  private readonly profile: boolean;
  private readonly asystoleLen: number;
  private readonly paced: boolean;
  /** Single-lead QRS evidence (QrsDetector.singleLeadEvidence): pending until its morphology window is in, then published. */
  private evSeen = -1;
  private evPending = -1;
  private evPendingLead = 0;
  private evSample = -1;
  private evLead = 0;
  private readonly evMorph: Float32Array;
  private abs = 0;
  private learning = true;
  private beats: Beat[] = [];
  private windows: WindowReport[] = [];
  // pending detections awaiting emission
  private readonly pSample = new Float64Array(PENDING_CAP);
  private readonly pLead = new Int32Array(PENDING_CAP);
  private readonly pStrength = new Float64Array(PENDING_CAP);
  private readonly pAgree = new Float64Array(PENDING_CAP);
  private pHead = 0;
  private pCount = 0;
  // beat sequence state
  private lastFid = -1;
  private lastLabelN = false;
  private lastRrValid = false;
  private lastNn = 0;
  private broken = true;
  private suppressedAt = -1;
  private readonly rrLocal: Float64Array;
  private rrLocalCount = 0;
  private rrLocalIdx = 0;
  private rrRun = 0;
  private readonly hist: RrHistory;
  private nextWindowEnd: number;
  private readonly times = { filterNs: 0, detectNs: 0, featuresNs: 0 };

  constructor(opts: EcgEngineOptions) {
    const fs = opts.sampleRate;
    if (!(fs >= 100 && fs <= 10_000)) throw new VigilError('VIGIL_USAGE', `sampleRate must be 100..10000 Hz, got ${fs}`);
    if (opts.leads.length === 0) throw new VigilError('VIGIL_USAGE', 'at least one lead is required');
    for (const l of opts.leads) {
      if (!(l.gain > 0 && Number.isFinite(l.gain))) throw new VigilError('VIGIL_USAGE', `lead ${l.name}: gain must be > 0`);
      // A NaN baseline made every sample NaN: no beat, and quality still reported perfect.
      if (!Number.isFinite(l.baseline)) throw new VigilError('VIGIL_USAGE', `lead ${l.name}: baseline must be a finite number`);
    }
    const windowS = opts.windowS ?? 5;
    if (!(windowS >= TICK_S && windowS <= 30)) throw new VigilError('VIGIL_USAGE', `windowS must be ${TICK_S}..30 s`);
    this.fs = fs;
    this.leadCount = opts.leads.length;
    this.morphologyPoints = opts.morphologyPoints ?? 90;
    if (!(this.morphologyPoints >= 8 && this.morphologyPoints <= 1024)) throw new VigilError('VIGIL_USAGE', 'morphologyPoints must be 8..1024');
    this.evMorph = new Float32Array(opts.leads.length * this.morphologyPoints);
    const learningS = opts.learningS ?? 2;
    // Beats found while learning wait in a 64-beat queue (PENDING_CAP): up to 5 s at 300/min.
    if (!(learningS > 0 && learningS <= 5)) throw new VigilError('VIGIL_USAGE', `learningS must be in (0, 5] s, got ${learningS}`);
    const ringSize = nextPow2(Math.ceil((learningS + 4) * fs));
    const mainsHz = opts.mainsHz ?? 60;
    const d = { ...DETECTOR_DEFAULTS, ...opts.detector };
    this.fe = opts.leads.map(
      (l) =>
        new LeadFrontEnd({
          fs, gain: l.gain, baseline: l.baseline, ringSize, mainsHz,
          bandLowHz: d.bandLowHz, bandHighHz: d.bandHighHz, mwiS: d.mwiS,
          spikeStepMv: Math.max(0.8, 300 / fs), spikeBlankS: 0.008, paceTracking: opts.paced === true,
        }),
    );
    const fe0 = this.fe[0] as LeadFrontEnd;
    const adLen = Math.max(1, Math.round(d.mwiS * fs));
    const bpDelay = Math.round(fe0.moDelay + 0.04 * fs);
    const primary = opts.primaryLead ?? preferredLead(opts.leads.map((l) => l.name));
    const cfg: DetectorConfig = {
      fs, refractoryS: d.refractoryS, holdS: d.holdS, decideS: d.decideS, thCoef: d.thCoef, sbCoef: d.sbCoef,
      tWaveS: d.tWaveS, tSlopeRatio: d.tSlopeRatio, weakMinRr: d.weakMinRr, weakNextRr: d.weakNextRr,
      minScale: 0.002, featureDelay: Math.round(bpDelay + 1 + (adLen - 1) / 2), bpDelay, primaryLead: primary, maxRrS: d.maxRrS,
      presenceMin: d.presenceMin, absentRatio: d.absentRatio, singlePremature: d.singlePremature,
      pWaveS: d.pWaveS, pWaveRatio: d.pWaveRatio, pSlopeRatio: d.pSlopeRatio,
      earlyNoiseRatio: d.earlyNoiseRatio, earlyMinRel: d.earlyMinRel,
    };
    this.det = new QrsDetector(this.fe, cfg);
    this.quality = new LeadQuality(this.fe, fs, opts.leads.map((l) => l.gain));
    this.tickLen = this.quality.tickLen;
    this.emitDelay = Math.ceil((0.4 + 0.01) * fs + fe0.moDelay + 2);
    this.windowLen = Math.round(windowS * fs);
    this.hrvLen = Math.round((opts.hrvWindowS ?? 60) * fs);
    this.learnEnd = Math.round(learningS * fs);
    this.learnLen = this.learnEnd;
    this.rrRunningS = opts.rrRunningS ?? 300;
    if (opts.rrRunningInitS !== undefined && opts.rrRunningInitS > 0 && Number.isFinite(opts.rrRunningInitS)) this.rrRun = opts.rrRunningInitS;
    this.rrLocalN = opts.rrLocalBeats ?? 10;
    this.rrLocal = new Float64Array(this.rrLocalN);
    this.suppress = opts.suppressUnanalyzable ?? true;
    this.paced = opts.paced ?? false;
    this.profile = opts.profile ?? false;
    this.asystoleLen = Math.round(4 * fs);
    // 300 bpm over the HRV window, plus the 12 intervals HR needs.
    this.hist = new RrHistory(Math.ceil(((opts.hrvWindowS ?? 60) * 300) / 60) + 16);
    this.nextWindowEnd = this.windowLen;
  }

  /** Samples pushed so far. */
  /** The running (~5-min) RR average now, s; 0 before the first interval (see EcgEngineOptions.rrRunningInitS). */
  get rrRunningNowS(): number {
    return this.rrRun;
  }

  get samplesProcessed(): number {
    return this.abs;
  }

  push(leads: readonly Int32Array[], n: number, offset = 0): void {
    if (leads.length !== this.leadCount) throw new VigilError('VIGIL_USAGE', `expected ${this.leadCount} leads, got ${leads.length}`);
    // A short array would feed undefined (NaN) into the filters and poison them for good (no
    // beat ever again, quality still "perfect"): refused, so the hub raises ECG Analysis Failed.
    if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(offset) && offset >= 0)) throw new VigilError('VIGIL_USAGE', `push: n and offset must be integers >= 0, got ${n}, ${offset}`);
    for (let i = 0; i < this.leadCount; i++) {
      const len = (leads[i] as Int32Array).length;
      if (len < offset + n) throw new VigilError('VIGIL_USAGE', `push: lead ${i} holds ${len} samples, ${offset + n} needed`);
    }
    let done = 0;
    while (done < n) {
      const tickEnd = (Math.floor(this.abs / this.tickLen) + 1) * this.tickLen;
      // While learning, a chunk also ends where learning does, so the sample learning stops at
      // does not depend on the block size (at 125/250 Hz 2 s is not a whole number of ticks).
      const toLearnEnd = this.learning && this.learnEnd > this.abs ? this.learnEnd - this.abs : Number.MAX_SAFE_INTEGER;
      const chunk = Math.min(n - done, tickEnd - this.abs, toLearnEnd);
      const t0 = this.profile ? process.hrtime.bigint() : 0n;
      for (let i = 0; i < this.leadCount; i++) (this.fe[i] as LeadFrontEnd).process(leads[i] as Int32Array, offset + done, chunk, this.abs);
      const t1 = this.profile ? process.hrtime.bigint() : 0n;
      const from = this.abs;
      this.abs += chunk;
      done += chunk;
      if (this.learning) {
        if (this.abs >= this.learnEnd) {
          this.learning = false;
          const start = Math.max(0, this.abs - (this.fe[0] as LeadFrontEnd).mask + Math.round(2 * this.fs));
          this.det.learn(start, this.abs);
          this.det.scan(start, this.abs);
        }
      } else {
        this.det.scan(from, this.abs);
      }
      this.collectDetections();
      const t2 = this.profile ? process.hrtime.bigint() : 0n;
      if (this.abs === tickEnd) {
        if (this.learning) {
          // Learn only on signal: while no lead is live (every lead railed or flat: electrodes not
          // yet attached), the end of learning moves on. Learning on the rail transient left the
          // QRS scales huge for good (1 beat found in 120 s after attaching at 1 s).
          let live = false;
          for (const fe of this.fe) if (fe.tickMoMax - fe.tickMoMin > 0.01 && fe.tickRail * 2 <= this.tickLen) live = true;
          if (!live) this.learnEnd = Math.max(this.learnEnd, this.abs + this.learnLen);
        }
        this.quality.endTick(this.abs, this.det.scale, this.learning);
        this.quality.weights(this.det.weight);
        this.det.updateCoef();
        this.det.decay(this.abs, 0.85);
      }
      this.emitDue(this.abs);
      if (this.profile) {
        const t3 = process.hrtime.bigint();
        this.times.filterNs += Number(t1 - t0);
        this.times.detectNs += Number(t2 - t1);
        this.times.featuresNs += Number(t3 - t2);
      }
    }
  }

  /**
   * Sample of the latest QRS detection withheld because the signal around it was unanalyzable
   * (-1: none yet). It tells the rhythm monitor, as soon as a beat would have been known, that
   * analysis was impossible there: the window report that flags the stretch comes only at the
   * end of its window, seconds after an asystole would have been declared.
   */
  get lastSuppressedSample(): number {
    return this.suppressedAt;
  }

  /**
   * Approximate R of the latest rejected candidate that one reliable lead showed as a clear
   * QRS long after the last beat (QrsDetector.singleLeadEvidence; -1: none). Not a beat: the
   * rhythm monitor only restarts its no-QRS clock there.
   */
  get lastEvidenceSample(): number {
    return this.evSample;
  }

  /** The lead that showed the latest evidence, and its morphology (all leads, like a Beat's), valid with lastEvidenceSample >= 0. */
  get lastEvidenceLead(): number {
    return this.evLead;
  }

  get lastEvidenceMorphology(): Float32Array {
    return this.evMorph;
  }

  drainBeats(): Beat[] {
    const b = this.beats;
    this.beats = [];
    return b;
  }

  drainWindows(): WindowReport[] {
    const w = this.windows;
    this.windows = [];
    return w;
  }

  /** End of stream: emit pending beats whose data is complete, and the last (partial) window. */
  finish(): void {
    if (this.learning && this.abs > 0) {
      this.learning = false;
      const start = Math.max(0, this.abs - (this.fe[0] as LeadFrontEnd).mask + Math.round(2 * this.fs));
      this.det.learn(start, this.abs);
      this.det.scan(start, this.abs);
      this.collectDetections();
    }
    if (!this.learning) {
      this.det.flush(this.abs);
      this.collectDetections();
    }
    // The tail of the last beats' morphology window lies past the end: repeat the last value.
    for (const fe of this.fe) {
      const last = fe.mo[(this.abs - 1) & fe.mask] as number;
      for (let n = this.abs; n < this.abs + this.emitDelay + 2; n++) fe.mo[n & fe.mask] = last;
    }
    this.emitDue(Infinity);
    this.emitWindows(Infinity);
    // The last, partial window (its report was promised; a 3-s stream had none at all).
    const start = this.nextWindowEnd - this.windowLen;
    if (this.abs > start) {
      this.pushWindow(start, this.abs);
      this.nextWindowEnd = this.abs + this.windowLen;
    }
  }

  stageTimes(): StageTimes {
    return { ...this.times };
  }

  private collectDetections(): void {
    const det = this.det;
    for (let k = 0; k < det.outCount; k++) {
      if (this.pCount === PENDING_CAP) break;
      const j = (this.pHead + this.pCount) % PENDING_CAP;
      this.pSample[j] = det.outSample[k] as number;
      this.pLead[j] = det.outLead[k] as number;
      this.pStrength[j] = det.outStrength[k] as number;
      this.pAgree[j] = det.outAgree[k] as number;
      this.pCount++;
    }
    det.outCount = 0;
    if (det.evidenceAt !== this.evSeen) {
      this.evSeen = det.evidenceAt;
      this.evPendingLead = det.evidenceLead;
      // R on the evidence lead, found as for a beat.
      this.evPending = det.fiducialAt(det.evidenceLead, det.evidenceAt);
    }
  }

  private emitDue(limit: number): void {
    while (this.pCount > 0) {
      const fid = this.pSample[this.pHead] as number;
      const due = fid + this.emitDelay;
      if (due > limit) break;
      // Windows that end before this beat's emission go first (they only need earlier beats).
      this.emitWindows(due);
      this.emitBeat(fid, this.pLead[this.pHead] as number, this.pStrength[this.pHead] as number, this.pAgree[this.pHead] as number);
      this.pHead = (this.pHead + 1) % PENDING_CAP;
      this.pCount--;
    }
    if (this.evPending >= 0 && this.evPending + this.emitDelay <= limit) {
      morphology(this.fe, this.evPending, this.fs, this.morphologyPoints, this.evMorph);
      this.evSample = this.evPending;
      this.evLead = this.evPendingLead;
      this.evPending = -1;
    }
    this.emitWindows(limit);
  }

  private emitWindows(upTo: number): void {
    while (this.nextWindowEnd + this.emitDelay <= upTo && this.nextWindowEnd <= this.abs) {
      this.pushWindow(this.nextWindowEnd - this.windowLen, this.nextWindowEnd);
      this.nextWindowEnd += this.windowLen;
    }
  }

  private pushWindow(start: number, end: number): void {
    const q = this.quality.windowSummary(start, end);
    const since = end - this.lastFid;
    const hr = q.unanalyzable || this.lastFid < 0 || since > this.asystoleLen ? null : this.hist.heartRate();
    this.windows.push({
      startSample: start,
      endSample: end,
      hrBpm: hr,
      hrv: this.hist.hrv(end - this.hrvLen, end),
      sqi: q.sqi,
      leadOff: q.leadOff,
      unanalyzable: q.unanalyzable,
    });
  }

  private emitBeat(fid: number, lead: number, strength: number, agree: number): void {
    // An R peak before the stream's first sample (a stream starting just after it) is not a beat.
    if (fid < 0) return;
    const fs = this.fs;
    const q = this.quality.around(fid, fid + this.emitDelay);
    if (this.suppress && q.unanalyzable) {
      this.broken = true;
      if (fid > this.suppressedAt) this.suppressedAt = fid;
      return;
    }
    if (this.quality.brokenSince(this.lastFid, fid)) this.broken = true;
    let rrPrev: number | null = null;
    if (!this.broken && this.lastFid >= 0) rrPrev = (fid - this.lastFid) / fs;
    const pace = this.paced ? paceScore(this.fe, this.det.weight, fid, fs) : 0;
    const paced = pace >= PACE_SCORE_MIN;
    const label = q.best < 0.25 ? 'Q' : paced ? 'P' : 'N';
    if (rrPrev !== null) {
      this.rrLocal[this.rrLocalIdx] = rrPrev;
      this.rrLocalIdx = (this.rrLocalIdx + 1) % this.rrLocalN;
      if (this.rrLocalCount < this.rrLocalN) this.rrLocalCount++;
      // The ~5-min running mean takes an interval at most twice as long as itself: a pause or an
      // asystole is not a rhythm (a 15-s asystole lifted it 0.86 -> 1.65 s, and for minutes every
      // sinus beat then looked like a fast run, i.e. APCs to the adaptive stage). A slower rhythm
      // still draws it, over more beats.
      const rrUse = this.rrRun === 0 ? rrPrev : Math.min(rrPrev, 2 * this.rrRun);
      this.rrRun = this.rrRun === 0 ? rrPrev : this.rrRun + (rrUse - this.rrRun) * Math.min(1, rrUse / this.rrRunningS);
      // NN editing: both beats normal and the interval within 20 % of the previous NN (Malik's filter).
      const nn = label === 'N' && this.lastLabelN && (this.lastNn === 0 || Math.abs(rrPrev - this.lastNn) <= 0.2 * this.lastNn);
      this.hist.push(fid, rrPrev, nn, this.lastRrValid);
      if (nn) this.lastNn = rrPrev;
      this.lastRrValid = true;
    } else {
      this.lastRrValid = false;
    }
    let loc = 0;
    for (let i = 0; i < this.rrLocalCount; i++) loc += this.rrLocal[i] as number;
    const fallback = this.det.rrAverageSamples / fs;
    const morph = new Float32Array(this.leadCount * this.morphologyPoints);
    const fe = this.fe[lead] as LeadFrontEnd;
    morphology(this.fe, fid, fs, this.morphologyPoints, morph);
    this.beats.push({
      sample: fid,
      lead,
      rrPrevS: rrPrev,
      rrNextS: null,
      rrLocalS: this.rrLocalCount > 0 ? loc / this.rrLocalCount : fallback,
      rrRunningS: this.rrRun > 0 ? this.rrRun : fallback,
      qrsWidthS: qrsWidth(fe, fid, fs),
      amplitudeMv: qrsAmplitude(fe, fid, fs),
      quality: Math.max(0, Math.min(1, strength * (0.5 + 0.5 * agree) * q.best)),
      morphology: morph,
      label,
      paceScore: pace,
      paced,
    });
    this.lastFid = fid;
    this.lastLabelN = label === 'N';
    this.broken = false;
  }
}

/** Offline convenience: whole arrays in (pushed in 1-s blocks), all beats and windows out. */
export function analyzeSignals(signals: readonly Int32Array[], length: number, opts: EcgEngineOptions): { beats: Beat[]; windows: WindowReport[] } {
  const eng = new EcgEngine(opts);
  const block = Math.max(1, Math.round(opts.sampleRate));
  const beats: Beat[] = [];
  const windows: WindowReport[] = [];
  for (let off = 0; off < length; off += block) {
    eng.push(signals, Math.min(block, length - off), off);
    for (const b of eng.drainBeats()) beats.push(b);
    for (const w of eng.drainWindows()) windows.push(w);
  }
  eng.finish();
  for (const b of eng.drainBeats()) beats.push(b);
  for (const w of eng.drainWindows()) windows.push(w);
  return { beats, windows };
}
