/**
 * Patient-adaptive beat labelling: a streaming, causal stage after the beat classifier.
 *
 * The classifier (classifier.ts) judges each beat with a model of OTHER patients; a hub sees
 * thousands of beats of ITS patient. This stage learns, without labels, how the patient's
 * beats group by shape and how their timing varies, and corrects the classifier's per-beat
 * probabilities with it (unsupervised patient adaptation; EC57 leaves the first 5 minutes of
 * a record unscored as the learning period, EC57:2012 §4.2.1 / bxb -f 5:0):
 *
 *  - Shape clusters (at most `maxClusters`): a beat joins the cluster whose running QRS
 *    template (R - 100 ms .. R + 150 ms, both leads) it correlates with best, when the mean
 *    correlation is >= joinCorr and the QRS amplitude is within maxAmpRatio; otherwise it
 *    founds a cluster, replacing the lightest one when all are in use. Each cluster sums
 *    (with a slow decay) the classifier's probabilities of its members: its evidence.
 *  - Shape-family vote: V, F and Q are shape classes; N and S share the supraventricular
 *    shape and differ by timing. A beat's log score of each class is its own log probability
 *    plus clusterWeight × the log of its cluster's evidence for that shape family ({N, S}
 *    pooled), so a cluster the classifier mostly calls V pulls its doubtful members to V, a
 *    normal cluster pulls its members away from V, and N vs S stays the beat's own call.
 *  - Timing (the key SVEB cue, de Chazal et al. 2004; monitoring practice): prematurity =
 *    RR before / the sinus cycle, the premQuantile (0.8) quantile of the last 16 RR: the
 *    median followed frequent ectopic beats (mitdb 209's SVT bursts), which then stopped
 *    looking premature (CV SVEB 76.0 / 63.2 -> 80.3 / 60.2 %, VEB unchanged; nested with the
 *    operating point 72.3 / 69.8 -> 75.4 / 69.7 %). The AF detector's input (rhythmCls) keeps
 *    the median: early AF beats look premature against the sinus cycle, and its S intervals
 *    are left out of AF. A beat that is not premature (> sGate) loses S
 *    evidence unless it lies in a fast regular run (RR < runRel × the ~5-min running RR,
 *    RR irregularity < runIrr: SVT-like, where the local median has caught up with the run);
 *    a beat of supraventricular shape gains S evidence inside such a run, and in proportion
 *    to its prematurity z-score (against the patient's own robust RR spread, so an irregular
 *    rhythm needs more prematurity).
 *  - AF-like irregularity (irregularity > irrGate) costs S irrPenalty: in atrial fibrillation
 *    there is no atrial prematurity to judge, and the reference labels no APCs there (false S
 *    in mitdb 203's AF 152 -> 19, 201's 64 -> 26). The gate is 0.15, not the 0.2 that scored
 *    0.6 points more SVEB Se on mitdb: at 0.2 the onset of the synthetic patient's AF was
 *    found 20 s later in one seed (its S-labelled beats are left out of the AF intervals).
 *  - A premature beat (z below -premZ0) that joins the dominant cluster counts the
 *    classifier's V probability for S (vToS): early with the patient's usual shape is an APC;
 *    the other patients' model reacts to the prematurity (SVEB Se 74.8 -> 76.0 %, +P 63.0 ->
 *    63.2 %, VEB unchanged; 201 and 207's APCs).
 *  - No reset pause (noPauseRatio): an APC resets the sinus node, so the interval after it is
 *    about a sinus cycle, longer than the early one. When the next interval is known within
 *    the labelling latency (the classifier's censored post-RR, LabeledBeat.rrAfterS: at fast
 *    rates only), is at most noPauseRatio (1.1) × the beat's own and the next beat is not
 *    early itself, the early beat is a fluctuation of a fast sinus rhythm: S costs
 *    noPausePenalty. (After an APC of prematurity p the return cycle is about a sinus cycle,
 *    >= 1/p × the early interval: 1.1 for the 10 % prematurity an S call needs at the least.)
 *    Designed on mitdb 215's false S (sinus at ~110/min: 129 -> 31); in the DS1 reference no S
 *    beat meets the condition (0 of the 364 whose next interval is known, at 1.0 to 1.2), so it
 *    cost no SVEB Se here; no other DS1 record changes, so the nested estimate cannot check it.
 *    On the synthetic patient (`npm run eval:sveb-synthetic`, 3 seeds x 10 min): sinus tachycardia with
 *    3-4 % HRV at 130 / 140 bpm, false S 12 / 31 without the rule, 0 / 0 with it (12 / 23 at a
 *    ratio of 1.0, which led to 1.1); APCs found 91 of 91 either way.
 *  - logBias[S] (+2) is the SVEB operating point on the Se/+P trade-off: it finds SVT runs
 *    (207 55 -> 93 S, 209 294 -> 315) and costs false S in fast sinus stretches (215 12 -> 120,
 *    230 23 -> 50, 208 20 -> 45).
 *
 * The parameters (ADAPT_DEFAULTS) were chosen on the leave-one-record-out CV outputs of the
 * MIT-BIH DS1 records (scripts/train/adapt-eval.ts, --nested for the estimate with the choice
 * itself cross-validated; --nested-operating for the irregularity gate and the S offset; see
 * models/beat-classifier.md). Known risk: the run rule compares
 * with a ~5-min running RR, so a fast sinus rhythm reached within a few minutes (exertion,
 * fever) whose beats the classifier finds slightly S-like can be labelled S until the running
 * mean catches up.
 *
 * Causal: a beat's label uses only the beats before it and the beat itself; the state learns
 * from the beat after the decision, so later input never changes an earlier label. Bounded:
 * typed-array state sized at the first beat, O(maxClusters × template points) per beat.
 */
import type { BeatLabeller } from '../analysis/chain.ts';
import { preferredLead } from '../ecg/engine.ts';
import { morphologyIndex } from '../ecg/features.ts';
import type { Beat } from '../ecg/types.ts';
import { corr, p2p, ringIrregularity } from './features.ts';

/**
 * Class order of the probabilities and of the returned index: BEAT_CLASSES of classifier.ts
 * (not imported, so that the analysis chain does not load onnxruntime; a test checks they agree).
 */
export const ADAPT_CLASSES: readonly string[] = ['N', 'S', 'V', 'F', 'Q'];
const K = ADAPT_CLASSES.length;
const N = 0;
const S = 1;
const V = 2;
const RR_HISTORY = 16;
/** A beat at 100/min or faster (the VTach rate) keeps the dominant cluster where it is. */
const FAST_RR_S = 0.6;
/** EMA weight of the robust prematurity spread (~200 beats). */
const SPREAD_ALPHA = 0.005;

export interface AdaptParams {
  /** Most clusters kept (memory and CPU bound). */
  maxClusters: number;
  /** Mean QRS correlation (over the leads) needed to join a cluster. */
  joinCorr: number;
  /** QRS peak-to-peak amplitude ratio (either way) beyond which a beat does not join. */
  maxAmpRatio: number;
  /** Per-beat decay of cluster weights and evidence (0.9995: half-life ~1400 beats). */
  decay: number;
  /** Template learning-rate floor (running mean of the first 1/alpha members, then EMA). */
  templateAlpha: number;
  /** Weight of the cluster's shape-family evidence in the log score. */
  clusterWeight: number;
  /** Pseudo-count of the beat's own probabilities mixed into its cluster's evidence. */
  priorBeats: number;
  /** Correlation with the dominant template below which a shape is not supraventricular-like. */
  unlikeCorr: number;
  /** S bonus per unit of prematurity z below -premZ0 (capped at 3 units). */
  premS: number;
  premZ0: number;
  /** Floor of the robust prematurity spread (a very regular patient is not S at 3 % early). */
  premSpreadFloor: number;
  /** RR before / the recent sinus cycle above which a beat is not premature: S penalty sGatePenalty. */
  sGate: number;
  sGatePenalty: number;
  /** Fast regular run: RR before / running mean RR < runRel and RR irregularity < runIrr. */
  runRel: number;
  runIrr: number;
  /** S bonus inside a fast regular run. */
  runS: number;
  /** Irregular rhythm (AF-like): RR irregularity above irrGate costs S irrPenalty (no atrial prematurity in AF). */
  irrGate: number;
  irrPenalty: number;
  /** Log bias per class (N S V F Q), added last. */
  logBias: readonly number[];
  /**
   * Share of the classifier's V probability that counts for S when a premature beat (z below
   * -premZ0) joins the patient's dominant cluster: early and of the usual shape is an APC,
   * whatever the other patients' model made of its prematurity.
   */
  vToS: number;
  /**
   * Quantile of the last 16 RR that a beat's prematurity is measured against for its label:
   * the sinus cycle. The median follows the ectopic beats when they are frequent (mitdb 209's
   * bursts of SVT), which then stop looking premature; an upper quantile stays with the sinus
   * cycle. The rhythm monitor's AF input keeps the median (see AdaptDecision.rhythmCls).
   */
  premQuantile: number;
  /**
   * No reset pause: an atrial premature beat resets the sinus node, so the next interval is
   * about a sinus cycle, longer than the early one. A beat whose next interval is known within
   * the labelling latency (LabeledBeat.rrAfterS) and is at most noPauseRatio × its own, while
   * the next beat is not early itself (>= sGate × the running RR: not a couplet or a run), is
   * a fluctuation of a fast sinus rhythm: S penalty noPausePenalty. 0 switches it off.
   */
  noPauseRatio: number;
  noPausePenalty: number;
}

export const ADAPT_DEFAULTS: Readonly<AdaptParams> = {
  maxClusters: 32,
  joinCorr: 0.85,
  maxAmpRatio: 1.4,
  decay: 0.9995,
  templateAlpha: 0.05,
  clusterWeight: 8,
  priorBeats: 2,
  unlikeCorr: 0.8,
  premS: 1,
  premZ0: 2,
  premSpreadFloor: 0.03,
  sGate: 0.85,
  sGatePenalty: 3,
  runRel: 0.8,
  runIrr: 0.12,
  runS: 5,
  irrGate: 0.15,
  irrPenalty: 4,
  logBias: [0, 2, 0, 0, 0],
  vToS: 1,
  premQuantile: 0.8,
  noPauseRatio: 1.1,
  noPausePenalty: 5,
};

export interface AdaptOptions {
  /** Lead names in signal order (the morphology's lead order). */
  leadNames: readonly string[];
  /** Override the primary lead index (default: preferredLead(leadNames), like the engine). */
  primaryLead?: number;
  params?: Partial<AdaptParams>;
}

/** Details of the last decision (diagnostics, tests). */
export interface AdaptDecision {
  /** Class index into ADAPT_CLASSES. */
  cls: number;
  /** Cluster the beat joined or founded. */
  cluster: number;
  /** The beat joined the dominant (heaviest) cluster. */
  dominant: boolean;
  /** The beat joined an existing cluster (false: it founded one). */
  joined: boolean;
  /** V share of its cluster's evidence after this beat (0..1). */
  ventricularShare: number;
  /** RR before / median of the recent RR (1 when unknown). */
  prematurity: number;
  /** RR before / the recent sinus cycle (premQuantile of the recent RR; 1 when unknown): the label's prematurity. */
  sinusPrematurity: number;
  /**
   * The class with S judged against the recent median RR instead of the sinus cycle: the
   * input of the AF detector. Early AF beats are premature against the sinus cycle before the
   * irregularity is known; as S they would be left out of the AF intervals and delay the AF
   * alarm (synthetic patient, AF at 110 bpm: found 33-42 s -> 43-98 s after onset).
   */
  rhythmCls: number;
  /** RR before / the engine's running mean RR (1 when unknown). */
  runRel: number;
  /** Mean absolute successive difference of the recent RR / their median. */
  irregularity: number;
  /** Share (0..1) of its cluster's beats that carried a pacing pulse (0 unless the patient is set as paced). */
  pacedShare: number;
}

/** The per-beat core: `next(beat, probs)` returns the adapted class index, then learns. */
export class BeatAdapter {
  readonly params: Readonly<AdaptParams>;
  private readonly leads: number;
  private readonly primary: number;
  private readonly secondary: number;
  private pts = 0;
  /** QRS region in the morphology of one lead, and the template length (1 or 2 leads). */
  private q0 = 0;
  private q1 = 0;
  private len = 0;
  private tpl: Float32Array[] = [];
  private x = new Float32Array(0);
  private readonly weight: Float64Array;
  private readonly count: Float64Array;
  private readonly evidence: Float64Array;
  private readonly amp: Float64Array;
  /** Per cluster: decayed count of members with a pacing pulse (Beat.paced). */
  private readonly pacedW: Float64Array;
  private used = 0;
  /** The patient's dominant cluster (-1: none yet); see FAST_RR_S. */
  private dominant = -1;
  private readonly rr = new Float64Array(RR_HISTORY);
  private readonly rrSort = new Float64Array(RR_HISTORY);
  private rrCount = 0;
  private rrIdx = 0;
  private premSpread = 0.05;
  private sinusSpread = 0.05;
  private readonly score = new Float64Array(K);
  private readonly decision: AdaptDecision = { cls: N, cluster: 0, dominant: true, joined: false, ventricularShare: 0, prematurity: 1, sinusPrematurity: 1, rhythmCls: N, runRel: 1, irregularity: 0, pacedShare: 0 };

  constructor(opts: AdaptOptions) {
    this.params = { ...ADAPT_DEFAULTS, ...opts.params };
    this.leads = Math.max(1, opts.leadNames.length);
    this.primary = opts.primaryLead ?? preferredLead(opts.leadNames);
    this.secondary = this.leads > 1 ? (this.primary === 0 ? 1 : 0) : this.primary;
    const m = Math.max(1, Math.floor(this.params.maxClusters));
    this.weight = new Float64Array(m);
    this.count = new Float64Array(m);
    this.evidence = new Float64Array(m * K);
    this.amp = new Float64Array(m);
    this.pacedW = new Float64Array(m);
  }

  /** Clusters in use (<= maxClusters). */
  get clusters(): number {
    return this.used;
  }

  /** The last decision (one object, overwritten by each call: copy what you keep). */
  get last(): Readonly<AdaptDecision> {
    return this.decision;
  }

  /** Share (0..1) of class `cls`'s evidence in cluster `c` (0 for an unused cluster). */
  private clusterShare(c: number, cls: number): number {
    if (c < 0 || c >= this.used) return 0;
    let sum = 0;
    for (let k = 0; k < K; k++) sum += this.evidence[c * K + k] as number;
    return sum > 0 ? (this.evidence[c * K + cls] as number) / sum : 0;
  }

  private layout(points: number): void {
    this.pts = points;
    this.q0 = morphologyIndex(-0.1, points);
    this.q1 = morphologyIndex(0.15, points);
    const w = this.q1 - this.q0;
    this.len = this.secondary !== this.primary ? 2 * w : w;
    this.tpl = Array.from({ length: this.weight.length }, () => new Float32Array(this.len));
    this.x = new Float32Array(this.len);
    this.used = 0;
  }

  /** Adapted class of `beat` (index into ADAPT_CLASSES) from the classifier's N S V F Q probabilities. */
  next(beat: Beat, probs: ArrayLike<number>, rrAfterS: number | null = null): number {
    const p = this.params;
    const points = Math.floor(beat.morphology.length / this.leads);
    if (points !== this.pts) this.layout(points);
    const x = this.x;
    const w = this.q1 - this.q0;
    const m = beat.morphology;
    x.set(m.subarray(this.primary * points + this.q0, this.primary * points + this.q1), 0);
    if (this.len > w) x.set(m.subarray(this.secondary * points + this.q0, this.secondary * points + this.q1), w);
    const ampX = p2p(x, 0, w);

    let best = -1;
    let bestC = -2;
    let dom = -1;
    for (let c = 0; c < this.used; c++) {
      if (dom < 0 || (this.weight[c] as number) > (this.weight[dom] as number)) dom = c;
      const ar = ampX / Math.max(this.amp[c] as number, 1e-3);
      if (ar > p.maxAmpRatio || ar < 1 / p.maxAmpRatio) continue;
      const cc = this.similarity(c, w);
      if (cc > bestC) {
        bestC = cc;
        best = c;
      }
    }
    // A fast beat does not hand dominance to another cluster: a sustained VT outweighing the
    // sinus cluster must not become the patient's "normal" (its beats would turn S and the
    // rhythm monitor end the VTach while it went on: 8-15 s early in the synthetic VTs). The
    // heaviest cluster takes over at the next beat at a normal rate.
    const fastBeat = beat.rrPrevS !== null && beat.rrPrevS < FAST_RR_S;
    if (this.dominant < 0 || this.dominant >= this.used || !fastBeat) this.dominant = dom;
    else dom = this.dominant;
    const joins = best >= 0 && bestC >= p.joinCorr;
    const svShape = dom < 0 || (joins && best === dom) || this.similarity(dom, w) >= p.unlikeCorr;

    if (this.rrCount > 0) this.sortRr();
    const med = this.rrCount > 0 ? this.median() : beat.rrLocalS;
    const sinus = this.rrCount === 0 ? beat.rrLocalS : p.premQuantile === 0.5 ? med : this.quantile(p.premQuantile);
    const prem = beat.rrPrevS !== null && med > 0 ? beat.rrPrevS / med : 1;
    const premQ = beat.rrPrevS !== null && sinus > 0 ? beat.rrPrevS / sinus : 1;
    const runRel = beat.rrPrevS !== null && beat.rrRunningS > 0 ? beat.rrPrevS / beat.rrRunningS : 1;
    const irrAbs = this.irregularity();
    const irr = med > 0 ? irrAbs / med : 0;
    const noPause =
      p.noPauseRatio > 0 && rrAfterS !== null && beat.rrPrevS !== null && rrAfterS <= p.noPauseRatio * beat.rrPrevS && beat.rrRunningS > 0 && rrAfterS >= p.sGate * beat.rrRunningS;

    const s = this.score;
    for (let k = 0; k < K; k++) s[k] = Math.log(Math.max(probs[k] as number, 1e-6));
    let ns = 0;
    if (joins) {
      const e = best * K;
      const ev = this.evidence;
      const wt = (this.weight[best] as number) + p.priorBeats;
      ns = p.clusterWeight * Math.log(Math.max(((ev[e + N] as number) + (ev[e + S] as number) + p.priorBeats * ((probs[N] as number) + (probs[S] as number))) / wt, 1e-6));
      s[N] = (s[N] as number) + ns;
      for (let k = V; k < K; k++) s[k] = (s[k] as number) + p.clusterWeight * Math.log(Math.max(((ev[e + k] as number) + p.priorBeats * (probs[k] as number)) / wt, 1e-6));
    }
    for (let k = 0; k < K; k++) s[k] = (s[k] as number) + (p.logBias[k] ?? 0);
    const joinsDom = joins && best === dom;
    const zQ = (premQ - 1) / Math.max(this.sinusSpread, p.premSpreadFloor);
    const irrQ = sinus > 0 ? irrAbs / sinus : 0;
    s[S] = ns + (p.logBias[S] ?? 0) + this.timingS(probs, joinsDom, svShape, premQ, zQ, runRel, irrQ, noPause);
    const cls = argmax(s);
    // the AF input: S judged against the median, as before the sinus cycle (see rhythmCls)
    s[S] = ns + (p.logBias[S] ?? 0) + this.timingS(probs, joinsDom, svShape, prem, (prem - 1) / Math.max(this.premSpread, p.premSpreadFloor), runRel, irr, noPause);
    const rhythmCls = argmax(s);

    const c = this.learn(w, ampX, joins ? best : -1, probs, beat.paced === true);
    // The dominant cluster's slot was given to a new shape (it had become the lightest).
    if (!joins && c === this.dominant) this.dominant = -1;
    if (beat.rrPrevS !== null) {
      this.rr[this.rrIdx] = beat.rrPrevS;
      this.rrIdx = (this.rrIdx + 1) % RR_HISTORY;
      if (this.rrCount < RR_HISTORY) this.rrCount++;
      // mean absolute deviation of prematurity: a robust spread (outliers capped at 0.5)
      this.premSpread += SPREAD_ALPHA * (Math.min(Math.abs(prem - 1), 0.5) - this.premSpread);
      this.sinusSpread += SPREAD_ALPHA * (Math.min(Math.abs(premQ - 1), 0.5) - this.sinusSpread);
    }
    const d = this.decision;
    d.cls = cls;
    d.cluster = c;
    d.dominant = joins && best === dom;
    d.joined = joins;
    d.ventricularShare = this.clusterShare(c, V);
    d.prematurity = prem;
    d.sinusPrematurity = premQ;
    d.rhythmCls = rhythmCls;
    d.runRel = runRel;
    d.irregularity = irr;
    d.pacedShare = (this.weight[c] as number) > 0 ? (this.pacedW[c] as number) / (this.weight[c] as number) : 0;
    return cls;
  }

  /**
   * The S log score from the beat's probabilities and timing, before the cluster term and the
   * bias: prematurity z (and vToS for an early beat of the dominant shape), the fast regular
   * run, the not-premature gate, the AF-like irregularity and the missing reset pause.
   */
  private timingS(probs: ArrayLike<number>, joinsDom: boolean, svShape: boolean, prem: number, z: number, runRel: number, irr: number, noPause: boolean): number {
    const p = this.params;
    const early = z < -p.premZ0;
    let sc = Math.log(Math.max((probs[S] as number) + (p.vToS > 0 && joinsDom && early ? p.vToS * (probs[V] as number) : 0), 1e-6));
    const inRun = runRel < p.runRel && irr < p.runIrr;
    if (svShape) {
      if (early) sc += p.premS * Math.min(-z - p.premZ0, 3);
      if (inRun) sc += p.runS;
    }
    if (!inRun && prem > p.sGate) sc -= p.sGatePenalty;
    if (irr > p.irrGate) sc -= p.irrPenalty;
    if (noPause) sc -= p.noPausePenalty;
    return sc;
  }

  /** The RR history, sorted into rrSort (for median() and quantile()). */
  private sortRr(): void {
    const s = this.rrSort.subarray(0, this.rrCount);
    s.set(this.rr.subarray(0, this.rrCount));
    s.sort();
  }

  /** The q-quantile of the sorted RR history (the floor(q·n)-th smallest); after sortRr(). */
  private quantile(q: number): number {
    return this.rrSort[Math.min(this.rrCount - 1, Math.floor(q * this.rrCount))] as number;
  }

  /** Mean QRS correlation of the current beat with cluster c over the leads. */
  private similarity(c: number, w: number): number {
    const t = this.tpl[c] as Float32Array;
    const a = corr(this.x, t, 0, w);
    return this.len > w ? (a + corr(this.x, t, w, this.len)) / 2 : a;
  }

  private learn(w: number, ampX: number, join: number, probs: ArrayLike<number>, paced: boolean): number {
    const p = this.params;
    for (let c = 0; c < this.used; c++) {
      this.weight[c] = (this.weight[c] as number) * p.decay;
      this.pacedW[c] = (this.pacedW[c] as number) * p.decay;
      for (let k = 0; k < K; k++) this.evidence[c * K + k] = (this.evidence[c * K + k] as number) * p.decay;
    }
    let c = join;
    if (c < 0) {
      if (this.used < this.weight.length) c = this.used++;
      else {
        // replace the lightest cluster: an old or rare shape
        c = 0;
        for (let i = 1; i < this.used; i++) if ((this.weight[i] as number) < (this.weight[c] as number)) c = i;
      }
      (this.tpl[c] as Float32Array).set(this.x);
      this.weight[c] = 0;
      this.pacedW[c] = 0;
      this.count[c] = 0;
      this.amp[c] = ampX;
      this.evidence.fill(0, c * K, (c + 1) * K);
    } else {
      const t = this.tpl[c] as Float32Array;
      const a = Math.max(p.templateAlpha, 1 / ((this.count[c] as number) + 1));
      for (let i = 0; i < this.len; i++) t[i] = (t[i] as number) + a * ((this.x[i] as number) - (t[i] as number));
      this.amp[c] = p2p(t, 0, w);
    }
    this.weight[c] = (this.weight[c] as number) + 1;
    if (paced) this.pacedW[c] = (this.pacedW[c] as number) + 1;
    this.count[c] = (this.count[c] as number) + 1;
    for (let k = 0; k < K; k++) this.evidence[c * K + k] = (this.evidence[c * K + k] as number) + (probs[k] as number);
    return c;
  }

  /** Mean absolute successive difference of the RR history (s), in ring order. */
  private irregularity(): number {
    return ringIrregularity(this.rr, this.rrCount, this.rrIdx);
  }

  /** Median of the sorted RR history; after sortRr(). */
  private median(): number {
    const s = this.rrSort;
    const h = this.rrCount >> 1;
    return this.rrCount % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
  }
}

/**
 * What the adaptive stage knows of a beat's shape, carried on the beat for the rhythm monitor
 * (ventricular runs, src/detect/rhythm/monitor.ts). Absent when the stage did not run.
 */
export interface BeatShape {
  /** The beat joined the patient's dominant (heaviest) shape cluster. */
  dominant: boolean;
  /**
   * The beat joined an existing cluster whose evidence is mostly ventricular (V share >= 1/2):
   * it has the shape of the patient's PVCs even when its own label is not V.
   */
  ventricularFamily: boolean;
  /**
   * Paced patient: the beat joined a cluster most of whose members carried a pacing pulse,
   * and it is not premature (RR before >= PACED_FAMILY_MIN_PREMATURITY × the recent median):
   * a paced beat whose pulse was not seen (noise raised the lead's roughness), not a PVC
   * (premature) of a similar shape.
   */
  pacedFamily: boolean;
  /**
   * The label with S judged against the recent median RR, not the sinus cycle (AdaptDecision.
   * rhythmCls): what the AF detector counts as an ectopic interval.
   */
  rhythmLabel?: string;
}

/** Paced share of a cluster from which a non-premature member is paced (a majority). */
export const PACED_FAMILY_SHARE = 0.3;
/** RR before / recent median RR below which a beat is premature and not taken for paced by its shape. */
export const PACED_FAMILY_MIN_PREMATURITY = 0.85;

/** V share of a cluster's evidence from which its members are of the ventricular family (a majority). */
export const VENTRICULAR_FAMILY_SHARE = 0.5;

function argmax(s: Float64Array): number {
  let c = 0;
  for (let k = 1; k < s.length; k++) if ((s[k] as number) > (s[c] as number)) c = k;
  return c;
}

/** The shape facts the adaptive stage attached to a beat, or null. */
export function beatShape(b: Beat): BeatShape | null {
  const s = (b as Beat & { shape?: unknown }).shape;
  return typeof s === 'object' && s !== null && 'ventricularFamily' in s ? (s as BeatShape) : null;
}

/** The classifier's probabilities carried by a labelled beat (BeatLabeler's LabeledBeat.probs). */
export function beatProbs(b: Beat): Float32Array | null {
  const pr = (b as Beat & { probs?: unknown }).probs;
  return pr instanceof Float32Array && pr.length >= K ? pr : null;
}

/** The censored RR after a labelled beat (BeatLabeler's LabeledBeat.rrAfterS), or null. */
export function beatRrAfter(b: Beat): number | null {
  const r = (b as Beat & { rrAfterS?: unknown }).rrAfterS;
  return typeof r === 'number' ? r : null;
}

/**
 * BeatLabeller wrapper: the inner labeller (BeatLabeler) classifies, this stage adapts the
 * labels to the patient. Beats without probabilities pass unchanged. Adds no latency: each
 * beat is relabelled as soon as the inner labeller releases it (within its R + 1 s budget).
 */
export class AdaptiveLabeller implements BeatLabeller {
  readonly adapter: BeatAdapter;

  constructor(private readonly inner: BeatLabeller, opts: AdaptOptions) {
    this.adapter = new BeatAdapter(opts);
  }

  /** The inner labeller's hold (this stage adds none). */
  get maxLatencyS(): number | undefined {
    return this.inner.maxLatencyS;
  }

  async push(beats: readonly Beat[], nowSample: number): Promise<Beat[]> {
    return this.relabel(await this.inner.push(beats, nowSample));
  }

  async flush(): Promise<Beat[]> {
    return this.relabel(await this.inner.flush());
  }

  private relabel(beats: Beat[]): Beat[] {
    for (const b of beats) {
      const pr = beatProbs(b);
      if (!pr) continue;
      b.label = ADAPT_CLASSES[this.adapter.next(b, pr, beatRrAfter(b))] as string;
      const d = this.adapter.last;
      const shape: BeatShape = {
        dominant: d.dominant,
        ventricularFamily: d.joined && d.ventricularShare >= VENTRICULAR_FAMILY_SHARE,
        pacedFamily: d.joined && d.pacedShare >= PACED_FAMILY_SHARE && d.prematurity >= PACED_FAMILY_MIN_PREMATURITY,
        rhythmLabel: ADAPT_CLASSES[d.rhythmCls] as string,
      };
      (b as Beat & { shape?: BeatShape }).shape = shape;
    }
    return beats;
  }
}
