/**
 * scripts/train/manifest.ts writes a trained model where the runtime loads it: `npm run train`
 * (the shipped model) and `npm run cv -- --save-models` (one model per fold) go through it.
 * Fed the shipped model's bytes and normalisation, it must write the shipped manifest again
 * (same sha256, shapes, normalisation, decision offsets), and the hub must load the result.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BeatClassifier, type ClassifierManifest } from '../../src/detect/classifier.ts';
import { writeModel } from '../../scripts/train/manifest.ts';
import { repoRoot } from '../helpers/data.ts';

const MODEL = path.join(repoRoot, 'models', 'beat-classifier.onnx');
const MANIFEST = path.join(repoRoot, 'models', 'beat-classifier.json');

describe('train: model files for the runtime (manifest.ts)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-manifest-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rebuilds the shipped manifest from the trainer\'s output, and the result loads', async () => {
    const shipped = JSON.parse(await readFile(MANIFEST, 'utf8')) as ClassifierManifest;
    const t = shipped.training as Record<string, unknown>;
    const trainer = path.join(dir, 'trainer');
    await mkdir(trainer);
    await copyFile(MODEL, path.join(trainer, 'm.onnx'));
    await writeFile(path.join(trainer, 'm.norm.json'), JSON.stringify({ mean: shipped.normalization.mean, std: shipped.normalization.std, hp: t.hyperparameters, torch: t.torch, numpy: t.numpy }));
    const out = path.join(dir, 'out');
    const res = await writeModel({ onnx: path.join(trainer, 'm.onnx'), records: t.records as string[], beats: t.beats as Record<string, number>, data: t.data as string, command: t.command as string }, out, 'beat-classifier');
    assert.equal(res.sha256, shipped.sha256);
    assert.equal(await readFile(path.join(out, 'beat-classifier.json'), 'utf8'), await readFile(MANIFEST, 'utf8'), 'byte for byte the committed manifest');
    const clf = await BeatClassifier.load(res.path);
    await clf.close();
  });

  it('a fold model under its own name loads with its own manifest', async () => {
    const shipped = JSON.parse(await readFile(MANIFEST, 'utf8')) as ClassifierManifest;
    await copyFile(MODEL, path.join(dir, 'x.onnx'));
    await writeFile(path.join(dir, 'x.norm.json'), JSON.stringify({ mean: shipped.normalization.mean, std: shipped.normalization.std, hp: { log_bias: [0, 0, 0, 0, 0] }, torch: 't', numpy: 'n' }));
    const res = await writeModel({ onnx: path.join(dir, 'x.onnx'), records: ['106'], beats: { N: 1 }, data: 'fold', command: 'test' }, path.join(dir, 'models'), '101');
    const m = JSON.parse(await readFile(path.join(dir, 'models', '101.json'), 'utf8')) as ClassifierManifest;
    assert.equal(m.model, '101.onnx');
    assert.deepEqual((m.training as Record<string, unknown>).records, ['106']);
    const clf = await BeatClassifier.load(res.path);
    await clf.close();
  });
});
