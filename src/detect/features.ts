/**
 * Beat feature vector for the AAMI beat classifier (N/S/V/F/Q), computed causally from the
 * engine's Beat stream: each beat is described relative to the patient's own recent rhythm
 * and dominant QRS shape, which is what makes inter-patient classification work (de Chazal
 * et al. 2004 use RR intervals relative to the local/average RR; Llamedo & Martinez 2011 and
 * Mondéjar-Guerra et al. 2019 add template-relative morphology). Only past beats and the
 * (censored) interval to the NEXT beat enter a beat's features, so the live BeatLabeler and
 * the offline path produce the same numbers.
 *
 * Post-RR censoring: the issue requires a beat's class within 1 s of its R peak; the engine
 * emits a beat ~0.43 s after its R peak (EcgEngine.emitDelay), so at R + 1 s the next beat
 * is known only if it came within ~0.55 s. The post-RR feature is therefore min(RR after,
 * POST_RR_CAP_S): the same value whether the labeler waited for the next beat or timed out.
 */
import type { Beat } from '../ecg/types.ts';
import { morphologyIndex } from '../ecg/features.ts';
import { preferredLead } from '../ecg/engine.ts';

/** Bump when the meaning or order of the features changes: the manifest pins it. */
export const FEATURE_VERSION = 3;
/** Post-RR is censored here (s); valid while the engine emits beats <= 0.5 s after R. */
export const POST_RR_CAP_S = 0.5;
/**
 * Decimated beat-minus-template points, primary and secondary lead. (Raw shape points were
 * tried too, feature version 2: they lowered the leave-records-out CV, i.e. they learn the
 * training patients' morphologies rather than what makes a beat ectopic.)
 */
const P_PTS = 30;
const S_PTS = 15;
const RR_HISTORY = 16;
const CLUSTERS = 4;
/** Correlation over the QRS region above which a beat joins a cluster (shape "the same"). */
const JOIN_CORR = 0.92;
/** Per-beat decay of the cluster weights: half-life ~140 beats (about 2 minutes). */
const WEIGHT_DECAY = 0.995;
/** Template learning rate floor (exponential average of the cluster's beats). */
const TEMPLATE_ALPHA = 0.05;

const SCALAR_NAMES = [
  'rr_pre_s', 'rr_pre_rel_median', 'rr_pre_rel_running', 'rr_pre_rel_prev', 'rr_post_c_rel_median',
  'rr_post_within_cap', 'prev_rr_pre_rel_median', 'rr_irregularity', 'rr_median_s', 'rr_pre_missing',
  'corr_qrs_p', 'corr_all_p', 'corr_pwave_p', 'corr_qrs_s', 'corr_all_s',
  'amp_rel_p', 'amp_rel_s', 'rmsdiff_qrs_p', 'rmsdiff_qrs_s', 'width_rel', 'width_s',
  'pwave_energy_rel', 'cluster_weight_frac', 'cluster_is_dominant', 'quality', 'engine_noisy',
] as const;

/**
 * Scalars also given as patient z-scores (value vs the exponential running mean/variance of
 * this patient's previous beats): "unusual for this patient" generalises across patients
 * better than absolute values (patient-adaptive normalisation).
 */
const Z_SOURCES = [
  'rr_pre_rel_median', 'rr_post_c_rel_median', 'corr_qrs_p', 'corr_all_p', 'corr_pwave_p', 'corr_qrs_s', 'corr_all_s',
  'amp_rel_p', 'amp_rel_s', 'rmsdiff_qrs_p', 'rmsdiff_qrs_s', 'width_rel', 'pwave_energy_rel',
] as const;
const Z_INDEX: readonly number[] = Z_SOURCES.map((n) => (SCALAR_NAMES as readonly string[]).indexOf(n));
/** EMA weight of the running statistics (~100 beats) and the standard-deviation floor. */
const Z_ALPHA = 0.01;
const Z_STD_FLOOR = 0.05;

export const FEATURE_NAMES: readonly string[] = [
  ...SCALAR_NAMES,
  ...Z_SOURCES.map((n) => `z_${n}`),
  ...Array.from({ length: P_PTS }, (_, i) => `diff_p_${i}`),
  ...Array.from({ length: S_PTS }, (_, i) => `diff_s_${i}`),
];
export const FEATURE_COUNT = FEATURE_NAMES.length;

export interface FeaturizerOptions {
  sampleRate: number;
  /** Lead names in signal order (the morphology's lead order); primary lead as the engine picks it. */
  leadNames: readonly string[];
  /** Override the primary lead index (default: preferredLead(leadNames), like the engine). */
  primaryLead?: number;
}

interface Cluster {
  tpl: Float32Array;
  weight: number;
  count: number;
  width: number;
}

/**
 * Streaming featurizer: call `next(beat, rrAfterS)` for each beat in order, where rrAfterS is
 * the interval to the next beat when that beat is known within the latency budget (else
 * null). The beat is added to the patient state after its features are written.
 */
export class BeatFeaturizer {
  readonly primary: number;
  readonly secondary: number;
  private readonly leads: number;
  private readonly rr = new Float64Array(RR_HISTORY);
  private rrCount = 0;
  private rrIdx = 0;
  private readonly scratch = new Float64Array(RR_HISTORY);
  private prevPre = 0;
  private prevPreRel = 1;
  private readonly clusters: Cluster[] = [];
  private pts = 0;
  private qrs0 = 0;
  private qrs1 = 0;
  private pw1 = 0;
  private readonly zMean = new Float64Array(Z_SOURCES.length);
  private readonly zVar = new Float64Array(Z_SOURCES.length);
  private zInit = false;

  constructor(opts: FeaturizerOptions) {
    this.leads = Math.max(1, opts.leadNames.length);
    this.primary = opts.primaryLead ?? preferredLead(opts.leadNames);
    // Single-lead devices: the "secondary" features repeat the primary lead's.
    this.secondary = this.leads > 1 ? (this.primary === 0 ? 1 : 0) : this.primary;
  }

  private layout(points: number): void {
    if (this.pts === points) return;
    this.pts = points;
    this.qrs0 = morphologyIndex(-0.1, points);
    this.qrs1 = morphologyIndex(0.15, points);
    this.pw1 = morphologyIndex(-0.08, points);
  }

  /** Write FEATURE_COUNT features of `beat` into out[offset..]. */
  next(beat: Beat, rrAfterS: number | null, out: Float32Array, offset = 0): void {
    const points = Math.floor(beat.morphology.length / this.leads);
    this.layout(points);
    const m = beat.morphology;
    const p0 = this.primary * points;
    const s0 = this.secondary * points;

    // --- RR features (seconds and ratios to the patient's recent median RR) ---
    const med = this.rrCount > 0 ? this.median() : beat.rrLocalS > 0 ? beat.rrLocalS : 0.8;
    const missing = beat.rrPrevS === null;
    const pre = beat.rrPrevS ?? med;
    const post = Math.min(rrAfterS ?? POST_RR_CAP_S, POST_RR_CAP_S);
    const f = out;
    let k = offset;
    f[k++] = pre;
    f[k++] = pre / med;
    f[k++] = pre / (beat.rrRunningS > 0 ? beat.rrRunningS : med);
    f[k++] = this.prevPre > 0 ? pre / this.prevPre : 1;
    f[k++] = post / med;
    f[k++] = post < POST_RR_CAP_S ? 1 : 0;
    f[k++] = this.prevPreRel;
    f[k++] = this.irregularity() / med;
    f[k++] = med;
    f[k++] = missing ? 1 : 0;

    // --- morphology relative to the dominant cluster template (past beats only) ---
    let dom = this.dominant();
    const tpl = dom ? dom.tpl : m; // first beat: compared with itself
    const cQrsP = corr(m, tpl, p0 + this.qrs0, p0 + this.qrs1);
    f[k++] = cQrsP;
    f[k++] = corr(m, tpl, p0, p0 + points);
    f[k++] = corr(m, tpl, p0, p0 + this.pw1);
    f[k++] = corr(m, tpl, s0 + this.qrs0, s0 + this.qrs1);
    f[k++] = corr(m, tpl, s0, s0 + points);
    const ampTP = p2p(tpl, p0 + this.qrs0, p0 + this.qrs1);
    const ampTS = p2p(tpl, s0 + this.qrs0, s0 + this.qrs1);
    const ampP = Math.max(ampTP, 0.05);
    const ampS = Math.max(ampTS, 0.05);
    f[k++] = clamp(p2p(m, p0 + this.qrs0, p0 + this.qrs1) / ampP, 0, 5);
    f[k++] = clamp(p2p(m, s0 + this.qrs0, s0 + this.qrs1) / ampS, 0, 5);
    f[k++] = clamp(rmsDiff(m, tpl, p0 + this.qrs0, p0 + this.qrs1) / ampP, 0, 5);
    f[k++] = clamp(rmsDiff(m, tpl, s0 + this.qrs0, s0 + this.qrs1) / ampS, 0, 5);
    const tw = dom ? dom.width : beat.qrsWidthS;
    f[k++] = clamp(beat.qrsWidthS / Math.max(tw, 0.02), 0, 5);
    f[k++] = beat.qrsWidthS;
    f[k++] = clamp(std(m, p0, p0 + this.pw1) / Math.max(std(tpl, p0, p0 + this.pw1), 0.005), 0, 10);

    // cluster assignment (for the "how common is this shape for this patient" features)
    let best: Cluster | null = null;
    let bestC = -2;
    for (const c of this.clusters) {
      const cc = corr(m, c.tpl, p0 + this.qrs0, p0 + this.qrs1);
      if (cc > bestC) {
        bestC = cc;
        best = c;
      }
    }
    let total = 0;
    for (const c of this.clusters) total += c.weight;
    const joins = best !== null && bestC >= JOIN_CORR;
    f[k++] = joins && total > 0 ? (best as Cluster).weight / total : 0;
    f[k++] = joins && best === dom ? 1 : 0;
    f[k++] = beat.quality;
    f[k++] = beat.label === 'Q' ? 1 : 0;

    // patient z-scores of selected scalars (statistics of previous beats), then update them
    if (!this.zInit) {
      for (let z = 0; z < Z_INDEX.length; z++) this.zMean[z] = f[offset + (Z_INDEX[z] as number)] as number;
      this.zInit = true;
    }
    for (let z = 0; z < Z_INDEX.length; z++) {
      const v = f[offset + (Z_INDEX[z] as number)] as number;
      const mu = this.zMean[z] as number;
      const sd = Math.max(Math.sqrt(this.zVar[z] as number), Z_STD_FLOOR);
      f[k++] = clamp((v - mu) / sd, -10, 10);
      const d = v - mu;
      this.zMean[z] = mu + Z_ALPHA * d;
      this.zVar[z] = (1 - Z_ALPHA) * ((this.zVar[z] as number) + Z_ALPHA * d * d);
    }

    // decimated template difference, primary lead, scaled by the template amplitude
    const step = points / P_PTS;
    for (let i = 0; i < P_PTS; i++) {
      const a = Math.floor(i * step);
      const b = Math.max(a + 1, Math.floor((i + 1) * step));
      let d = 0;
      for (let j = a; j < b; j++) d += (m[p0 + j] as number) - (tpl[p0 + j] as number);
      f[k++] = clamp(d / (b - a) / ampP, -5, 5);
    }
    const stepS = points / S_PTS;
    for (let i = 0; i < S_PTS; i++) {
      const a = Math.floor(i * stepS);
      const b = Math.max(a + 1, Math.floor((i + 1) * stepS));
      let d = 0;
      for (let j = a; j < b; j++) d += (m[s0 + j] as number) - (tpl[s0 + j] as number);
      f[k++] = clamp(d / (b - a) / ampS, -5, 5);
    }

    // --- update the patient state with this beat ---
    for (const c of this.clusters) c.weight *= WEIGHT_DECAY;
    if (joins && best) {
      best.count++;
      best.weight += 1;
      const a = Math.max(TEMPLATE_ALPHA, 1 / best.count);
      const t = best.tpl;
      for (let i = 0; i < t.length && i < m.length; i++) t[i] = (t[i] as number) + a * ((m[i] as number) - (t[i] as number));
      best.width += a * (beat.qrsWidthS - best.width);
    } else if (this.clusters.length < CLUSTERS) {
      this.clusters.push({ tpl: Float32Array.from(m), weight: 1, count: 1, width: beat.qrsWidthS });
    } else {
      // replace the least-weighted cluster (an old, rare shape)
      let lo = this.clusters[0] as Cluster;
      for (const c of this.clusters) if (c.weight < lo.weight) lo = c;
      lo.tpl.set(m.subarray(0, lo.tpl.length));
      lo.weight = 1;
      lo.count = 1;
      lo.width = beat.qrsWidthS;
    }
    dom = null;
    if (!missing) {
      this.rr[this.rrIdx] = pre;
      this.rrIdx = (this.rrIdx + 1) % RR_HISTORY;
      if (this.rrCount < RR_HISTORY) this.rrCount++;
    }
    this.prevPre = missing ? 0 : pre;
    this.prevPreRel = pre / med;
  }

  private dominant(): Cluster | null {
    let d: Cluster | null = null;
    for (const c of this.clusters) if (!d || c.weight > d.weight) d = c;
    return d;
  }

  private median(): number {
    const s = this.scratch.subarray(0, this.rrCount);
    s.set(this.rr.subarray(0, this.rrCount));
    s.sort();
    const h = this.rrCount >> 1;
    return this.rrCount % 2 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
  }

  /** Mean absolute successive difference of the RR history (s), in ring order. */
  private irregularity(): number {
    return ringIrregularity(this.rr, this.rrCount, this.rrIdx);
  }
}

/** RR after beat i as the features see it: next beat's rrPrevS (null across a gap), censored. */
export function rrAfter(beats: readonly Beat[], i: number): number | null {
  const nb = beats[i + 1];
  if (!nb || nb.rrPrevS === null) return null;
  return nb.rrPrevS <= POST_RR_CAP_S ? nb.rrPrevS : null;
}

/** Offline path: features of a whole beat sequence (n × FEATURE_COUNT, row-major). */
export function featurizeBeats(beats: readonly Beat[], opts: FeaturizerOptions): Float32Array {
  const fz = new BeatFeaturizer(opts);
  const out = new Float32Array(beats.length * FEATURE_COUNT);
  for (let i = 0; i < beats.length; i++) fz.next(beats[i] as Beat, rrAfter(beats, i), out, i * FEATURE_COUNT);
  return out;
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isFinite(x) ? (x < lo ? lo : x > hi ? hi : x) : 0;
}

/** Pearson correlation of a[i0..i1) and b[i0..i1) (0 when either is flat). Also used by adapt.ts. */
export function corr(a: ArrayLike<number>, b: ArrayLike<number>, i0: number, i1: number): number {
  const n = i1 - i0;
  if (n < 2) return 0;
  let sa = 0;
  let sb = 0;
  for (let i = i0; i < i1; i++) {
    sa += a[i] as number;
    sb += b[i] as number;
  }
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = i0; i < i1; i++) {
    const x = (a[i] as number) - ma;
    const y = (b[i] as number) - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  const d = Math.sqrt(aa * bb);
  return d > 1e-12 ? ab / d : 0;
}

/** Peak-to-peak of a[i0..i1). */
export function p2p(a: ArrayLike<number>, i0: number, i1: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = i0; i < i1; i++) {
    const v = a[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo ? hi - lo : 0;
}

function rmsDiff(a: ArrayLike<number>, b: ArrayLike<number>, i0: number, i1: number): number {
  let s = 0;
  for (let i = i0; i < i1; i++) {
    const d = (a[i] as number) - (b[i] as number);
    s += d * d;
  }
  return i1 > i0 ? Math.sqrt(s / (i1 - i0)) : 0;
}

function std(a: ArrayLike<number>, i0: number, i1: number): number {
  const n = i1 - i0;
  if (n < 2) return 0;
  let s = 0;
  for (let i = i0; i < i1; i++) s += a[i] as number;
  const mu = s / n;
  let v = 0;
  for (let i = i0; i < i1; i++) v += ((a[i] as number) - mu) ** 2;
  return Math.sqrt(v / n);
}

/**
 * Mean absolute successive difference of the first `count` values of a ring buffer whose
 * next write index is `next` (oldest first once it has wrapped); 0 below 3 values.
 */
export function ringIrregularity(ring: Float64Array, count: number, next: number): number {
  if (count < 3) return 0;
  const size = ring.length;
  let sum = 0;
  const start = count < size ? 0 : next;
  let prev = ring[start % size] as number;
  for (let i = 1; i < count; i++) {
    const v = ring[(start + i) % size] as number;
    sum += Math.abs(v - prev);
    prev = v;
  }
  return sum / (count - 1);
}
