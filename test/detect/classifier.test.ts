import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { synthesize } from '../../drivers/synthetic/index.ts';
import { isVigilError } from '../../src/core/errors.ts';
import { BeatClassifier, BeatLabeler, BEAT_CLASSES, parseManifest, type ClassifierManifest, type LabeledBeat } from '../../src/detect/classifier.ts';
import { FEATURE_COUNT, featurizeBeats, POST_RR_CAP_S, rrAfter } from '../../src/detect/features.ts';
import { EcgEngine, type Beat } from '../../src/ecg/index.ts';
import { repoRoot } from '../helpers/data.ts';
import { identityModel } from './onnx-fixture.ts';
import { flakyClassifier } from '../helpers/classifier.ts';

const MODEL = path.join(repoRoot, 'models', 'beat-classifier.onnx');
const MANIFEST = path.join(repoRoot, 'models', 'beat-classifier.json');

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isVigilError(e), `expected a VigilError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** A temp dir with a copy of the committed model and a manifest edited by `edit`. */
async function variant(dir: string, edit: (m: ClassifierManifest) => void, modelBytes?: Uint8Array): Promise<string> {
  const m = JSON.parse(await readFile(MANIFEST, 'utf8')) as ClassifierManifest;
  const onnx = path.join(dir, 'beat-classifier.onnx');
  if (modelBytes) await writeFile(onnx, modelBytes);
  else await copyFile(MODEL, onnx);
  edit(m);
  await writeFile(path.join(dir, 'beat-classifier.json'), JSON.stringify(m));
  return onnx;
}

describe('detect/classifier: loading', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-clf-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the committed model and verifies its sha256, names and shapes', async () => {
    const clf = await BeatClassifier.load(MODEL);
    try {
      const sha = createHash('sha256').update(await readFile(MODEL)).digest('hex');
      assert.equal(clf.info.sha256, sha);
      assert.equal(clf.info.sha256, (JSON.parse(await readFile(MANIFEST, 'utf8')) as ClassifierManifest).sha256);
      assert.deepEqual(clf.info.classes, BEAT_CLASSES);
      assert.equal(clf.info.featureCount, FEATURE_COUNT);
      assert.ok(clf.info.bytes < 200_000, `model is ${clf.info.bytes} bytes`);
      const r = await clf.classifyFeatures(new Float32Array(3 * FEATURE_COUNT), 3);
      assert.equal(r.labels.length, 3);
      for (let i = 0; i < 3; i++) {
        const s = r.probs.slice(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(s - 1) < 1e-4, `row ${i} sums to ${s}`);
      }
    } finally {
      await clf.close();
    }
  });

  it('missing model or manifest -> VIGIL_MODEL_MISSING', async () => {
    await rejectsWith(BeatClassifier.load(path.join(dir, 'nope.onnx')), 'VIGIL_MODEL_MISSING');
    await copyFile(MANIFEST, path.join(dir, 'beat-classifier.json'));
    await rejectsWith(BeatClassifier.load(path.join(dir, 'beat-classifier.onnx')), 'VIGIL_MODEL_MISSING');
  });

  it('a file whose sha256 differs from the manifest (or a pinned hash) -> VIGIL_MODEL_HASH_MISMATCH', async () => {
    const onnx = await variant(dir, (m) => {
      m.sha256 = '0'.repeat(64);
    });
    await rejectsWith(BeatClassifier.load(onnx), 'VIGIL_MODEL_HASH_MISMATCH');
    await rejectsWith(BeatClassifier.load(MODEL, { expectedSha256: 'f'.repeat(64) }), 'VIGIL_MODEL_HASH_MISMATCH');
    // a tampered byte with the original manifest
    const bytes = new Uint8Array(await readFile(MODEL));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    const tampered = await variant(dir, () => {}, bytes);
    await rejectsWith(BeatClassifier.load(tampered), 'VIGIL_MODEL_HASH_MISMATCH');
  });

  it('a model whose input width differs from the runtime features -> VIGIL_MODEL_SHAPE_MISMATCH', async () => {
    const bytes = identityModel('features', 'probs', FEATURE_COUNT - 1);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const onnx = await variant(dir, (m) => {
      m.sha256 = sha;
      m.bytes = bytes.length;
    }, bytes);
    await rejectsWith(BeatClassifier.load(onnx), 'VIGIL_MODEL_SHAPE_MISMATCH');
  });

  it('a model with other input names -> VIGIL_MODEL_SHAPE_MISMATCH', async () => {
    const bytes = identityModel('x', 'probs', FEATURE_COUNT);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const onnx = await variant(dir, (m) => {
      m.sha256 = sha;
    }, bytes);
    await rejectsWith(BeatClassifier.load(onnx), 'VIGIL_MODEL_SHAPE_MISMATCH');
  });

  it('a manifest for other features or classes -> VIGIL_MODEL_SHAPE_MISMATCH; junk -> VIGIL_MODEL_INVALID', async () => {
    const good = await readFile(MANIFEST, 'utf8');
    const m = JSON.parse(good) as ClassifierManifest;
    const bad = (edit: (x: ClassifierManifest) => void): string => {
      const c = structuredClone(m);
      edit(c);
      return JSON.stringify(c);
    };
    const codeOf = (text: string): string | undefined => {
      try {
        parseManifest(text);
        return undefined;
      } catch (e: unknown) {
        return isVigilError(e) ? e.code : 'other';
      }
    };
    assert.equal(codeOf(good), undefined);
    assert.equal(codeOf(bad((x) => { x.input.shape = ['batch', FEATURE_COUNT + 1]; })), 'VIGIL_MODEL_SHAPE_MISMATCH');
    assert.equal(codeOf(bad((x) => { x.featureVersion += 1; })), 'VIGIL_MODEL_SHAPE_MISMATCH');
    assert.equal(codeOf(bad((x) => { x.classes = ['N', 'V', 'S', 'F', 'Q']; })), 'VIGIL_MODEL_SHAPE_MISMATCH');
    assert.equal(codeOf('{"format":'), 'VIGIL_MODEL_INVALID');
    // A batch dimension fixed at 1 would load and then fail on every batch of two beats or more.
    assert.equal(codeOf(bad((x) => { x.input.shape = [1, FEATURE_COUNT]; x.output.shape = [1, BEAT_CLASSES.length]; })), 'VIGIL_MODEL_SHAPE_MISMATCH');
    assert.equal(codeOf(bad((x) => { x.sha256 = 'xyz'; })), 'VIGIL_MODEL_INVALID');
  });

  it('an unreadable ONNX file with a matching hash -> VIGIL_MODEL_INVALID', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const onnx = await variant(dir, (m) => {
      m.sha256 = createHash('sha256').update(bytes).digest('hex');
    }, bytes);
    await rejectsWith(BeatClassifier.load(onnx), 'VIGIL_MODEL_INVALID');
  });
});

describe('detect/classifier: synthetic PVC patient', () => {
  const syn = synthesize('pvc', { durationS: 120, sampleRate: 360, seed: 7 });
  const fs = 360;
  const leadNames = syn.channels.map((c) => c.name);
  const engine = new EcgEngine({ sampleRate: fs, leads: syn.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })) });
  const beats: Beat[] = [];
  const pushes: Array<{ beats: Beat[]; at: number }> = [];
  for (let from = 0; from < syn.length; from += fs) {
    const n = Math.min(fs, syn.length - from);
    engine.push(syn.data, n, from);
    const got = engine.drainBeats();
    beats.push(...got);
    pushes.push({ beats: got, at: from + n });
  }
  engine.finish();
  const tail = engine.drainBeats();
  beats.push(...tail);

  it('the engine emits beats within the post-RR censoring assumption (emitDelay <= cap)', () => {
    assert.ok(engine.emitDelay / fs <= POST_RR_CAP_S, `emitDelay ${engine.emitDelay / fs} s`);
  });

  it('classifies most PVCs V and most normal beats N; live labeler == offline path', async () => {
    const clf = await BeatClassifier.load(MODEL);
    try {
      const off = await clf.classify(beats, { sampleRate: fs, leadNames });
      // live: 1-s blocks, batches due by R + 1 s
      const lab = new BeatLabeler(clf, { sampleRate: fs, leadNames });
      const live: Beat[] = [];
      for (const p of pushes) {
        const out = await lab.push(p.beats, p.at);
        for (const b of out) assert.ok(p.at - b.sample <= fs + fs, 'released within the 1-s budget (plus one block)');
        live.push(...out);
      }
      live.push(...(await lab.push(tail, syn.length)), ...(await lab.flush()));
      assert.deepEqual(live.map((b) => b.sample), beats.map((b) => b.sample));
      assert.deepEqual(live.map((b) => b.label), off.labels);
      // the censored RR after each beat travels with it (the adaptive stage's reset-pause test), as offline
      assert.deepEqual(live.map((b) => (b as LabeledBeat).rrAfterS), beats.map((_, i) => rrAfter(beats, i)));
      assert.ok(live.some((b) => (b as LabeledBeat).rrAfterS !== null) && live.some((b) => (b as LabeledBeat).rrAfterS === null), 'both known and censored intervals occur');

      const truth = syn.truth.filter((t) => t.code === 'N' || t.code === 'V');
      const tally = { V: { n: 0, ok: 0 }, N: { n: 0, ok: 0 } };
      let j = 0;
      for (const [i, b] of beats.entries()) {
        while (j < truth.length && (truth[j] as { sample: number }).sample < b.sample - 0.15 * fs) j++;
        const t = truth[j];
        if (!t || Math.abs(t.sample - b.sample) > 0.15 * fs || b.sample < 10 * fs) continue;
        const k = t.code as 'N' | 'V';
        tally[k].n++;
        if (off.labels[i] === k) tally[k].ok++;
      }
      assert.ok(tally.V.n >= 5, `only ${tally.V.n} PVCs matched`);
      assert.ok(tally.V.ok / tally.V.n >= 0.8, `V: ${tally.V.ok}/${tally.V.n} classified V`);
      assert.ok(tally.N.ok / tally.N.n >= 0.9, `N: ${tally.N.ok}/${tally.N.n} classified N`);
    } finally {
      await clf.close();
    }
  });

  it('inference failing at run time: the beats go on, on time and unclassified, and the labeller says so once each way (after its first outcome)', async () => {
    const clf = await BeatClassifier.load(MODEL);
    try {
      // the real classifier, made to fail for the pushes between 40 s and 60 s (fault injection)
      let failNow = false;
      const flaky = flakyClassifier(clf, () => failNow);
      const health: boolean[] = [];
      const lab = new BeatLabeler(flaky, { sampleRate: fs, leadNames, onHealth: (ok) => health.push(ok) });
      const live: Beat[] = [];
      for (const p of pushes) {
        failNow = p.at > 40 * fs && p.at <= 60 * fs;
        const out = await lab.push(p.beats, p.at);
        for (const b of out) assert.ok(p.at - b.sample <= 2 * fs, 'released within the 1-s budget (plus one block)');
        live.push(...out);
      }
      failNow = false;
      live.push(...(await lab.push(tail, syn.length)), ...(await lab.flush()));
      assert.deepEqual(live.map((b) => b.sample), beats.map((b) => b.sample), 'no beat lost');
      assert.deepEqual(health, [true, false, true], 'first batch ok, then failing, then working again');
      assert.ok(lab.failures >= 15, `${lab.failures} failed batches`);
      const unclassified = live.filter((b) => !((b as LabeledBeat).probs instanceof Float32Array));
      assert.ok(unclassified.length > 0 && unclassified.every((b) => b.sample > 38 * fs && b.sample <= 60 * fs), 'only the beats of the failing stretch are unclassified');
      assert.ok(unclassified.every((b) => b.label === 'N' || b.label === 'Q'), 'they keep the engine labels');
    } finally {
      await clf.close();
    }
  });

  it('non-finite probabilities are a failed inference (VIGIL_MODEL_INVALID), not beats called N', async () => {
    const clf = await BeatClassifier.load(MODEL);
    try {
      const x = new Float32Array(2 * FEATURE_COUNT).fill(0.5);
      x[3] = Number.NaN;
      await rejectsWith(clf.classifyFeatures(x, 2), 'VIGIL_MODEL_INVALID');
      const ok = await clf.classifyFeatures(new Float32Array(FEATURE_COUNT).fill(0.5), 1);
      assert.equal(ok.labels.length, 1, 'finite features still classify');
    } finally {
      await clf.close();
    }
  });

  it('a health listener that throws loses no beat', async () => {
    const clf = await BeatClassifier.load(MODEL);
    try {
      let failNow = false;
      const flaky = flakyClassifier(clf, () => failNow);
      const lab = new BeatLabeler(flaky, { sampleRate: fs, leadNames, onHealth: () => { throw new Error('listener bug'); } });
      const live: Beat[] = [];
      for (const p of pushes) {
        failNow = p.at > 10 * fs && p.at <= 12 * fs;
        live.push(...(await lab.push(p.beats, p.at)));
      }
      live.push(...(await lab.push(tail, syn.length)), ...(await lab.flush()));
      assert.deepEqual(live.map((b) => b.sample), beats.map((b) => b.sample));
    } finally {
      await clf.close();
    }
  });

  it('features are finite and blocking-independent (offline featurizer is deterministic)', () => {
    const a = featurizeBeats(beats, { sampleRate: fs, leadNames });
    const b = featurizeBeats(beats, { sampleRate: fs, leadNames });
    assert.deepEqual(a, b);
    assert.ok(a.every((v) => Number.isFinite(v)));
  });
});
