/**
 * AAMI beat classifier (ANSI/AAMI EC57 classes N, S, V, F, Q) run through onnxruntime-node.
 *
 * A model is a pair: <name>.onnx and the manifest <name>.json beside it (sha256, input and
 * output names and shapes, classes, feature version/names and normalisation, decision
 * offsets). `BeatClassifier.load` refuses a file whose sha256, names or shapes differ from the
 * manifest or from the features this runtime computes (src/detect/features.ts): a model
 * trained on other features would otherwise run and silently mislabel every beat.
 *
 * Two ways in: `classify(beats, ctx)` for a whole beat sequence (offline, `vigil analyze`),
 * and `BeatLabeler` for a live stream, which gives each beat its class by R + maxLatencyS
 * (default 1 s, the issue's budget) and batches the beats that become due together.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { VigilError, errorMessage, systemCode } from '../core/errors.ts';
import type { Beat } from '../ecg/types.ts';
import { BeatFeaturizer, FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION, POST_RR_CAP_S, featurizeBeats, type FeaturizerOptions } from './features.ts';

/** Output order of the model (EC57 class order, as src/eval/classes.ts). */
export const BEAT_CLASSES: readonly string[] = ['N', 'S', 'V', 'F', 'Q'];
export const MANIFEST_FORMAT = 'vigil-beat-classifier/1';

const dim = z.union([z.number().int().positive(), z.string().min(1)]);
const ManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  model: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  featureVersion: z.number().int(),
  input: z.object({ name: z.string().min(1), shape: z.array(dim).length(2), dtype: z.literal('float32') }),
  output: z.object({ name: z.string().min(1), shape: z.array(dim).length(2), dtype: z.literal('float32') }),
  classes: z.array(z.string()),
  featureNames: z.array(z.string()),
  normalization: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }),
  decision: z.object({ logBias: z.array(z.number()) }),
  training: z.record(z.string(), z.unknown()).optional(),
});
export type ClassifierManifest = z.infer<typeof ManifestSchema>;

export interface LoadOptions {
  /** Manifest path (default: the model path with .json instead of .onnx). */
  manifestPath?: string;
  /** Also require this sha256 (e.g. pinned in the hub config). */
  expectedSha256?: string;
  /** onnxruntime intra-op threads (default 1: the hub shares 4 small cores with everything else). */
  threads?: number;
}

export interface ClassifierInfo {
  readonly modelPath: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly classes: readonly string[];
  readonly inputName: string;
  readonly outputName: string;
  readonly featureCount: number;
  readonly featureVersion: number;
}

export interface Classification {
  /** One of BEAT_CLASSES per beat. */
  labels: string[];
  /** beats × classes, row-major, softmax probabilities. */
  probs: Float32Array;
}

/** Class index for row `row` of a probs matrix: argmax of log p + bias (bias from the manifest). */
export function decide(probs: Float32Array, row: number, logBias?: readonly number[]): number {
  const k = BEAT_CLASSES.length;
  let best = 0;
  let bestV = -Infinity;
  for (let c = 0; c < k; c++) {
    const v = Math.log(Math.max(probs[row * k + c] as number, 1e-12)) + (logBias?.[c] ?? 0);
    if (v > bestV) {
      bestV = v;
      best = c;
    }
  }
  return best;
}

function shapeMismatch(what: string, details: Record<string, unknown>): VigilError {
  return new VigilError('VIGIL_MODEL_SHAPE_MISMATCH', `beat classifier: ${what}`, { details });
}

async function readOrMissing(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e: unknown) {
    const sc = systemCode(e);
    if (sc === 'ENOENT' || sc === 'ENOTDIR') throw new VigilError('VIGIL_MODEL_MISSING', `beat classifier ${what} not found: ${file}`, { cause: e, details: { file } });
    throw new VigilError('VIGIL_MODEL_INVALID', `cannot read beat classifier ${what} ${file}: ${errorMessage(e)}`, { cause: e, details: { file, systemCode: sc } });
  }
}

/** Parse and check a manifest against this runtime's features (no model file needed). */
export function parseManifest(text: string, file = 'manifest'): ClassifierManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e: unknown) {
    throw new VigilError('VIGIL_MODEL_INVALID', `${file}: not JSON: ${errorMessage(e)}`, { cause: e, details: { file } });
  }
  const r = ManifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new VigilError('VIGIL_MODEL_INVALID', `${file}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid manifest'}`, { details: { file } });
  }
  const m = r.data;
  const f = FEATURE_COUNT;
  // [batch, n] with a symbolic batch: beats are classified in batches of any size, and a graph
  // fixed at 1 would load and then fail on every batch of 2 or more.
  if (typeof m.input.shape[0] !== 'string' || typeof m.output.shape[0] !== 'string') {
    throw shapeMismatch(`the batch dimension must be symbolic (input [${m.input.shape.join(', ')}], output [${m.output.shape.join(', ')}])`, { file });
  }
  if (m.featureVersion !== FEATURE_VERSION) throw shapeMismatch(`model features v${m.featureVersion}, runtime computes v${FEATURE_VERSION}`, { file });
  if (m.input.shape[1] !== f || m.featureNames.length !== f || m.normalization.mean.length !== f || m.normalization.std.length !== f) {
    throw shapeMismatch(`manifest expects ${String(m.input.shape[1])} features, runtime computes ${f}`, { file, expected: f });
  }
  const badName = m.featureNames.findIndex((n, i) => n !== FEATURE_NAMES[i]);
  if (badName >= 0) throw shapeMismatch(`feature ${badName} is "${m.featureNames[badName]}" in the manifest, "${FEATURE_NAMES[badName]}" in the runtime`, { file });
  if (m.classes.length !== BEAT_CLASSES.length || m.classes.some((c, i) => c !== BEAT_CLASSES[i]) || m.output.shape[1] !== BEAT_CLASSES.length || m.decision.logBias.length !== BEAT_CLASSES.length) {
    throw shapeMismatch(`classes must be ${BEAT_CLASSES.join(',')} (output [batch, ${BEAT_CLASSES.length}])`, { file, classes: m.classes });
  }
  return m;
}

/** A graph dimension agrees with the manifest's: equal numbers, or both symbolic (batch). */
function dimMatches(graph: number | string | undefined, want: number | string | undefined): boolean {
  if (typeof want === 'number') return graph === want;
  return typeof graph === 'string' || (typeof graph === 'number' && graph <= 0);
}

export class BeatClassifier {
  readonly info: ClassifierInfo;
  private readonly session: ort.InferenceSession;
  private readonly mean: Float32Array;
  private readonly invStd: Float32Array;
  private readonly logBias: readonly number[];

  private constructor(session: ort.InferenceSession, manifest: ClassifierManifest, info: ClassifierInfo) {
    this.session = session;
    this.info = info;
    this.mean = Float32Array.from(manifest.normalization.mean);
    this.invStd = Float32Array.from(manifest.normalization.std, (s) => 1 / s);
    this.logBias = manifest.decision.logBias;
  }

  static async load(modelPath: string, opts: LoadOptions = {}): Promise<BeatClassifier> {
    const manifestPath = opts.manifestPath ?? path.join(path.dirname(modelPath), `${path.basename(modelPath, path.extname(modelPath))}.json`);
    const manifest = parseManifest((await readOrMissing(manifestPath, 'manifest')).toString('utf8'), manifestPath);
    const bytes = await readOrMissing(modelPath, 'model');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    for (const want of [manifest.sha256, opts.expectedSha256]) {
      if (want !== undefined && want.toLowerCase() !== sha256) {
        throw new VigilError('VIGIL_MODEL_HASH_MISMATCH', `beat classifier ${modelPath}: sha256 ${sha256} differs from the expected ${want}; refusing to run it`, { details: { file: modelPath, sha256, expected: want } });
      }
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: opts.threads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    } catch (e: unknown) {
      throw new VigilError('VIGIL_MODEL_INVALID', `beat classifier ${modelPath}: onnxruntime cannot load it: ${errorMessage(e)}`, { cause: e, details: { file: modelPath } });
    }
    try {
      BeatClassifier.checkGraph(session, manifest, modelPath);
    } catch (e: unknown) {
      await session.release();
      throw e;
    }
    return new BeatClassifier(session, manifest, {
      modelPath, sha256, bytes: bytes.length, classes: manifest.classes, inputName: manifest.input.name,
      outputName: manifest.output.name, featureCount: FEATURE_COUNT, featureVersion: manifest.featureVersion,
    });
  }

  private static checkGraph(s: ort.InferenceSession, m: ClassifierManifest, file: string): void {
    if (s.inputNames.length !== 1 || s.inputNames[0] !== m.input.name) throw shapeMismatch(`model inputs [${s.inputNames.join(', ')}], manifest expects [${m.input.name}]`, { file });
    if (!s.outputNames.includes(m.output.name)) throw shapeMismatch(`model outputs [${s.outputNames.join(', ')}] lack "${m.output.name}"`, { file });
    const check = (meta: ort.InferenceSession.ValueMetadata | undefined, want: ClassifierManifest['input'], what: string): void => {
      if (!meta || !meta.isTensor || meta.type !== 'float32') throw shapeMismatch(`${what} "${want.name}" is not a float32 tensor`, { file });
      const ok = meta.shape.length === want.shape.length && want.shape.every((d, i) => dimMatches(meta.shape[i], d));
      if (!ok) throw shapeMismatch(`${what} "${want.name}" has shape [${meta.shape.join(', ')}], expected [${want.shape.join(', ')}]`, { file, shape: [...meta.shape], expected: want.shape });
    };
    check(s.inputMetadata.find((x) => x.name === m.input.name), m.input, 'input');
    check(s.outputMetadata.find((x) => x.name === m.output.name), m.output, 'output');
  }

  /** Classify `count` raw feature rows (count × FEATURE_COUNT) in one batch. */
  async classifyFeatures(features: Float32Array, count: number): Promise<Classification> {
    const f = FEATURE_COUNT;
    if (count === 0) return { labels: [], probs: new Float32Array(0) };
    if (features.length < count * f) throw new VigilError('VIGIL_USAGE', `classifyFeatures: ${features.length} values for ${count} rows of ${f}`);
    const x = new Float32Array(count * f);
    for (let r = 0; r < count; r++) {
      for (let j = 0; j < f; j++) x[r * f + j] = ((features[r * f + j] as number) - (this.mean[j] as number)) * (this.invStd[j] as number);
    }
    const out = await this.session.run({ [this.info.inputName]: new ort.Tensor('float32', x, [count, f]) });
    const t = out[this.info.outputName];
    if (!t || !(t.data instanceof Float32Array) || t.data.length !== count * BEAT_CLASSES.length) {
      throw shapeMismatch(`output "${this.info.outputName}" is not ${count} × ${BEAT_CLASSES.length} float32`, { file: this.info.modelPath });
    }
    const probs = Float32Array.from(t.data);
    // Non-finite probabilities (a corrupt graph, NaN features) would all read as N and poison the
    // adaptive stage's cluster evidence: a failed inference instead (the labeller goes on without).
    for (let i = 0; i < probs.length; i++) {
      if (!Number.isFinite(probs[i] as number)) throw new VigilError('VIGIL_MODEL_INVALID', `${this.info.modelPath}: inference gave non-finite probabilities`, { details: { file: this.info.modelPath } });
    }
    const labels: string[] = new Array<string>(count);
    for (let r = 0; r < count; r++) labels[r] = BEAT_CLASSES[decide(probs, r, this.logBias)] as string;
    return { labels, probs };
  }

  /**
   * Offline path: classify a whole beat sequence of one stream (in order), with the same
   * causal features and post-RR censoring as the live BeatLabeler.
   */
  async classify(beats: readonly Beat[], ctx: FeaturizerOptions): Promise<Classification> {
    return this.classifyFeatures(featurizeBeats(beats, ctx), beats.length);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export interface LabelerOptions extends FeaturizerOptions {
  /** A beat's class is due at R + maxLatencyS (stream time); default 1 s. */
  maxLatencyS?: number;
  /**
   * Called with the outcome of this labeller's first batch (ok true or false), then whenever it
   * changes: inference starts failing (ok false, with the error) or works again (ok true). The
   * first call lets a new labeller (a chain restarted after a stream hole) clear a failure its
   * predecessor reported. While it fails, beats are released on time with the engine's own
   * labels (N/Q) and no probabilities: none is lost or held back, and the rhythm rules that need
   * no class (asystole, VF, rate, pause) go on. An exception thrown here is logged nowhere and
   * ignored: it must not lose the batch.
   */
  onHealth?: (ok: boolean, error?: unknown) => void;
}

/** A beat with its classifier label set (a copy: the engine's Beat is left alone). */
export interface LabeledBeat extends Beat {
  probs: Float32Array;
  /** RR after the beat as its features saw it: the next beat's interval if it came within POST_RR_CAP_S, else null. */
  rrAfterS: number | null;
}

/**
 * Live labelling: `push(beats, streamSample)` after each engine push with the beats drained
 * and the number of samples pushed so far; it returns the beats whose class is due (next
 * beat known, or R + maxLatencyS reached), classified in one batch; `flush()` at the end.
 * Fits the analysis chain's BeatLabeller interface (src/analysis/chain.ts).
 */
export class BeatLabeler {
  private readonly fz: BeatFeaturizer;
  private readonly fs: number;
  private readonly maxLag: number;
  private readonly pending: Beat[] = [];
  private readonly rows: Float32Array[] = [];
  private readonly ready: Beat[] = [];
  private readonly after: Array<number | null> = [];
  /** The longest a beat is held after its R peak, s (BeatLabeller.maxLatencyS). */
  readonly maxLatencyS: number;
  /** Batches whose inference failed (their beats went on unclassified). */
  failures = 0;
  /** Outcome of the last batch: null before the first. */
  private healthy: boolean | null = null;
  private readonly onHealth: LabelerOptions['onHealth'];

  constructor(private readonly classifier: BeatClassifier, opts: LabelerOptions) {
    this.fz = new BeatFeaturizer(opts);
    this.fs = opts.sampleRate;
    this.maxLatencyS = opts.maxLatencyS ?? 1;
    this.onHealth = opts.onHealth;
    this.maxLag = Math.round(this.maxLatencyS * opts.sampleRate);
  }

  async push(beats: readonly Beat[], streamSample: number): Promise<Array<LabeledBeat | Beat>> {
    for (const b of beats) {
      const prev = this.pending[this.pending.length - 1];
      if (prev) this.featurize(prev, b);
      this.pending.push(b);
    }
    // a beat whose deadline passed with no next beat: censored post-RR
    const last = this.pending[this.pending.length - 1];
    if (last && !this.ready.includes(last) && streamSample >= last.sample + this.maxLag) this.featurize(last, null);
    return this.release();
  }

  /** End of stream: classify whatever is left (the chain's BeatLabeller.flush). */
  async flush(): Promise<Array<LabeledBeat | Beat>> {
    const last = this.pending[this.pending.length - 1];
    if (last && !this.ready.includes(last)) this.featurize(last, null);
    return this.release();
  }

  private featurize(beat: Beat, next: Beat | null): void {
    if (this.ready.includes(beat)) return;
    const row = new Float32Array(FEATURE_COUNT);
    const rr = next && next.rrPrevS !== null ? next.rrPrevS : null;
    this.fz.next(beat, rr, row, 0);
    this.ready.push(beat);
    this.rows.push(row);
    this.after.push(rr !== null && rr <= POST_RR_CAP_S ? rr : null);
  }

  private health(ok: boolean, e?: unknown): void {
    if (this.healthy === ok) return;
    this.healthy = ok;
    try {
      this.onHealth?.(ok, e);
    } catch {
      // the listener's problem; the beats of this batch go on regardless
    }
  }

  private async release(): Promise<Array<LabeledBeat | Beat>> {
    const n = this.ready.length;
    if (n === 0) return [];
    const x = new Float32Array(n * FEATURE_COUNT);
    for (let i = 0; i < n; i++) x.set(this.rows[i] as Float32Array, i * FEATURE_COUNT);
    const beats = this.ready.splice(0, n);
    this.rows.splice(0, n);
    const after = this.after.splice(0, n);
    this.pending.splice(0, this.pending.indexOf(beats[n - 1] as Beat) + 1);
    let res: Classification;
    try {
      res = await this.classifier.classifyFeatures(x, n);
    } catch (e: unknown) {
      // the beats go on unclassified rather than being lost (see LabelerOptions.onHealth)
      this.health(false, e);
      this.failures++;
      return beats.map((b, i) => ({ ...b, rrAfterS: after[i] ?? null }));
    }
    this.health(true);
    const k = BEAT_CLASSES.length;
    return beats.map((b, i) => ({ ...b, label: res.labels[i] as string, probs: res.probs.slice(i * k, (i + 1) * k), rrAfterS: after[i] ?? null }));
  }
}
