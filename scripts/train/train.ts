/**
 * `npm run train`: reproduce models/beat-classifier.{onnx,json} from the mitdb records.
 * Features come from the runtime's own code (src/detect/features.ts) over the engine's
 * detections; the Python trainer (Debian python3-torch, deterministic, one thread) fits the
 * MLP on all 22 DS1 records and writes the ONNX graph; this script writes the manifest
 * (sha256, shapes, classes, feature normalisation) and loads the result back through
 * BeatClassifier as a check. Exit 2 when python3-torch is missing (with the install line).
 *
 * usage: npm run train -- [--data DIR] [--out-dir DIR (default models/)]
 */
import path from 'node:path';
import { BeatClassifier } from '../../src/detect/classifier.ts';
import { writeModel } from './manifest.ts';
import { CACHE_DIR, DEFAULT_DATA, argValue, repoRoot, requirePython, runTrainer } from './common.ts';
import { classCounts, recordData, TRAIN_RECORDS, writeDataset } from './dataset.ts';

const argv = process.argv.slice(2);
if (argv.includes('-h') || argv.includes('--help')) {
  process.stdout.write(`usage: npm run train -- [--data DIR] [--out-dir DIR]

Rebuild models/beat-classifier.{onnx,json} from the 22 DS1 mitdb records (Debian python3-torch,
numpy, onnx under /usr/bin/python3; deterministic, one thread) and load the result back through
the runtime's checks. Prints one JSON line (sha256, bytes, beats, seconds) on stdout.

  --data DIR      mitdb directory (default ../shared/data/mitdb)
  --out-dir DIR   where the model and manifest go (default models/)
  -h, --help      this help

Exit status: 0 written, 1 failed, 2 the trainer's Python stack is missing.
`);
  process.exit(0);
}
const data = argValue(argv, '--data') ?? DEFAULT_DATA;
const outDir = path.resolve(argValue(argv, '--out-dir') ?? path.join(repoRoot, 'models'));
const versions = requirePython('npm run train');

const t0 = Date.now();
const records = [];
for (const r of TRAIN_RECORDS) records.push(await recordData(data, r));
const cache = await writeDataset(records, path.join(CACHE_DIR, 'dataset-final'));
const onnxTmp = path.join(cache, 'beat-classifier.onnx');
process.stderr.write(`train: ${records.reduce((s, r) => s + r.labels.length, 0)} beats from ${records.length} records; fitting (python ${versions})...\n`);
runTrainer(['--cache', cache, '--mode', 'final', '--out', onnxTmp]);
const counts = classCounts(Uint8Array.from(records.flatMap((r) => [...r.labels])));
const { sha256, bytes } = await writeModel(
  { onnx: onnxTmp, records: TRAIN_RECORDS, beats: counts, data: 'mitdb (MIT-BIH Arrhythmia Database), 22 DS1 records, whole records; paced 102/104 excluded', command: 'npm run train' },
  outDir,
  'beat-classifier',
);

// Load it back the way the hub does (sha256, names and shapes checked).
const clf = await BeatClassifier.load(path.join(outDir, 'beat-classifier.onnx'));
await clf.close();
process.stdout.write(JSON.stringify({ ok: true, model: path.join(outDir, 'beat-classifier.onnx'), sha256, bytes, beats: counts, seconds: Math.round((Date.now() - t0) / 1000) }) + '\n');
