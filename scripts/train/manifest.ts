/**
 * Writes a trained beat classifier where the runtime loads it from: the ONNX file and its
 * manifest (sha256, input/output names and shapes, classes, feature normalisation, decision
 * offsets, training facts), from the trainer's `<onnx>` and `<onnx minus .onnx>.norm.json`.
 * Used by `npm run train` (the shipped model) and `npm run cv -- --save-models` (one model
 * per fold, each trained without its record).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BEAT_CLASSES, MANIFEST_FORMAT, type ClassifierManifest } from '../../src/detect/classifier.ts';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION, POST_RR_CAP_S } from '../../src/detect/features.ts';

export interface TrainerOutput {
  /** The trainer's ONNX file (its `.norm.json` sits beside it). */
  onnx: string;
  /** Records the model was trained on. */
  records: readonly string[];
  /** Training beats per class. */
  beats: Record<string, number>;
  /** Free text for manifest.training.data. */
  data: string;
  command: string;
}

/** Copy the model to `outDir/<name>.onnx` and write `outDir/<name>.json`; returns sha256 and size. */
export async function writeModel(t: TrainerOutput, outDir: string, name: string): Promise<{ path: string; sha256: string; bytes: number }> {
  const norm = JSON.parse(await readFile(t.onnx.replace(/\.onnx$/, '.norm.json'), 'utf8')) as { mean: number[]; std: number[]; hp: Record<string, unknown>; torch: string; numpy: string };
  const bytes = await readFile(t.onnx);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const manifest: ClassifierManifest = {
    format: MANIFEST_FORMAT,
    model: `${name}.onnx`,
    sha256,
    bytes: bytes.length,
    featureVersion: FEATURE_VERSION,
    input: { name: 'features', shape: ['batch', FEATURE_COUNT], dtype: 'float32' },
    output: { name: 'probs', shape: ['batch', BEAT_CLASSES.length], dtype: 'float32' },
    classes: [...BEAT_CLASSES],
    featureNames: [...FEATURE_NAMES],
    normalization: { mean: norm.mean, std: norm.std },
    decision: { logBias: Array.isArray(norm.hp.log_bias) ? (norm.hp.log_bias as number[]) : BEAT_CLASSES.map(() => 0) },
    training: {
      data: t.data,
      records: [...t.records],
      beats: t.beats,
      labels: 'AAMI class of the reference beat within 150 ms of each engine detection; unmatched detections trained as N at reduced weight',
      postRrCapS: POST_RR_CAP_S,
      hyperparameters: norm.hp,
      torch: norm.torch,
      numpy: norm.numpy,
      command: t.command,
    },
  };
  await mkdir(outDir, { recursive: true });
  const out = path.join(outDir, `${name}.onnx`);
  await copyFile(t.onnx, out);
  await writeFile(path.join(outDir, `${name}.json`), JSON.stringify(manifest, null, 1) + '\n');
  return { path: out, sha256, bytes: bytes.length };
}
