/**
 * `npm run cv`: leave-one-record-out cross-validation of the beat classifier on the 22 DS1
 * records. Each record's beats (the engine's detections) are labelled by a model trained on
 * the other 21 records only; the labelled beats are written as <record>.vigil into --out and
 * scored with the EC57 bxb of `vigil eval` (src/eval). With --write-metrics the figures go to
 * models/beat-classifier.cv.json for the model card. The analysis chain applies the
 * patient-adaptive stage (src/detect/adapt.ts) to the CV probabilities, as `vigil analyze`
 * does; --no-adapt scores the classifier's own labels.
 *
 * usage: npm run cv -- [--data DIR] [--out DIR] [--hp JSON] [--no-adapt] [--reuse] [--write-metrics] [--save-models]
 *   --reuse  score the cv-probs.f32 already in --out again (no training; e.g. after a change
 *            to the adaptive stage or the rhythm monitor)
 *   --save-models  also keep each fold's model as --out/models/<record>.onnx (+ manifest): the
 *            model that never saw <record>, for measurements on modified copies of it
 *            (`npm run eval:noise -- --cv-models DIR`)
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BeatLabeller } from '../../src/analysis/chain.ts';
import { LABEL_TO_MIT, analyzeRecordLabelled } from '../../src/analysis/record.ts';
import type { Beat } from '../../src/ecg/index.ts';
import { readRecord } from '../../src/wfdb/record.ts';
import { BEAT_CLASSES, decide } from '../../src/detect/classifier.ts';
import { ADAPT_DEFAULTS } from '../../src/detect/adapt.ts';
import { rrAfter } from '../../src/detect/features.ts';
import { aggregate, scoreRecord, formatBxbTable } from '../../src/eval/index.ts';
import { writeAnnotations } from '../../src/wfdb/annotations.ts';
import { CACHE_DIR, DEFAULT_DATA, argValue, repoRoot, requirePython, runTrainer } from './common.ts';
import { classCounts, recordData, TRAIN_RECORDS, writeDataset } from './dataset.ts';
import { writeModel } from './manifest.ts';

const argv = process.argv.slice(2);
if (argv.includes('-h') || argv.includes('--help')) {
  process.stdout.write(`usage: npm run cv -- [--data DIR] [--out DIR] [--hp JSON] [--no-adapt] [--reuse] [--write-metrics]

Leave-one-record-out cross-validation of the beat classifier on the 22 DS1 mitdb records: each
record is labelled by a model trained on the other 21 (Debian python3-torch), run through the
analysis chain (adaptive stage, rhythm monitor) and scored with the EC57 bxb of vigil eval.

  --data DIR        mitdb directory (default ../shared/data/mitdb)
  --out DIR         where the labelled .vigil files and cv-probs.f32 go (default .scratch/train/cv)
  --hp JSON         trainer hyperparameter overrides
  --no-adapt        score the classifier's own labels (no adaptive stage)
  --reuse           score the cv-probs.f32 already in --out again, without training
  --write-metrics   write models/beat-classifier.cv.json
  --save-models     also keep each fold's model in --out/models/<record>.onnx (+ manifest): the
                    model that never saw that record (npm run eval:noise -- --cv-models DIR)
  -h, --help        this help
`);
  process.exit(0);
}
const data = argValue(argv, '--data') ?? DEFAULT_DATA;
const out = argValue(argv, '--out') ?? path.join(CACHE_DIR, 'cv');
const hp = argValue(argv, '--hp') ?? '{}';
const adapt = !argv.includes('--no-adapt');
// --reuse: score the cv-probs.f32 (+ .hp.json) already in --out again, without training
const reuse = argv.includes('--reuse');
if (!reuse) requirePython('npm run cv');

const records = [];
for (const r of TRAIN_RECORDS) records.push(await recordData(data, r));
const probsFile = path.join(out, 'cv-probs.f32');
if (!reuse) {
  const cache = await writeDataset(records, path.join(out, 'dataset'));
  const saveModels = argv.includes('--save-models');
  const foldTmp = path.join(cache, 'folds');
  runTrainer(['--cache', cache, '--mode', 'cv', '--out', probsFile, '--hp', hp, ...(saveModels ? ['--models-dir', foldTmp] : [])]);
  if (saveModels) {
    for (const r of records) {
      const others = records.filter((o) => o.name !== r.name);
      await writeModel(
        {
          onnx: path.join(foldTmp, `${r.name}.onnx`),
          records: others.map((o) => o.name),
          beats: classCounts(Uint8Array.from(others.flatMap((o) => [...o.labels]))),
          data: `mitdb DS1 without ${r.name} (cross-validation fold)`,
          command: 'npm run cv -- --save-models',
        },
        path.join(out, 'models'),
        r.name,
      );
    }
  }
}
const buf = await readFile(probsFile);
const probs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);

// the trainer's effective hyperparameters (defaults + --hp), for the decision offsets
const effectiveHp = JSON.parse(await readFile(path.join(out, 'cv-probs.hp.json'), 'utf8')) as Record<string, unknown> & { log_bias?: number[] };
const logBias = effectiveHp.log_bias;
const k = BEAT_CLASSES.length;
let row = 0;
for (const r of records) {
  const cv = new Map<number, { label: string; probs: Float32Array; rrAfterS: number | null }>();
  r.analysis.beats.forEach((b, i) => {
    cv.set(b.sample, { label: BEAT_CLASSES[decide(probs, row, logBias)] ?? 'Q', probs: probs.slice(row * k, (row + 1) * k), rrAfterS: rrAfter(r.analysis.beats, i) });
    row++;
  });
  // Re-run the whole analysis chain with these cross-validated labels and probabilities, so
  // the adaptive stage and the rhythm monitor (VT, AF ...) are judged on the outputs of a
  // model that never saw the record.
  const analysis = await analyzeRecordLabelled(await readRecord(path.join(data, r.name)), cvLabels(cv), 1, adapt);
  if (analysis.beats.some((b) => LABEL_TO_MIT[b.label] === undefined)) throw new Error('unknown label');
  await writeFile(path.join(out, `${r.name}.vigil`), writeAnnotations(analysis.annotations));
}

/** A labeller that gives each beat its cross-validated label and probabilities (same engine, same beats). */
function cvLabels(cv: ReadonlyMap<number, { label: string; probs: Float32Array; rrAfterS: number | null }>): BeatLabeller {
  return {
    push: async (bs: readonly Beat[]) => bs.map((b) => {
      const c = cv.get(b.sample);
      return c ? { ...b, label: c.label, probs: c.probs, rrAfterS: c.rrAfterS } : { ...b, label: 'Q' };
    }),
    flush: async () => [],
  };
}

const scores = [];
for (const r of records) scores.push(await scoreRecord(data, r.name, { testDir: out }));
const bxb = scores.map((s) => s.bxb);
const agg = aggregate(bxb);
process.stdout.write(formatBxbTable(bxb, agg, true));
process.stdout.write(`\ncv predictions written to ${out} (score again: node src/vigil.js eval --data ${data} --test-dir ${out})\n`);

if (argv.includes('--write-metrics')) {
  const m = agg.gross.classMatrix;
  const perClass = BEAT_CLASSES.map((c, k) => {
    let ref = 0;
    let called = 0;
    for (let j = 0; j < 6; j++) ref += m[k]?.[j] ?? 0;
    for (let i = 0; i < 6; i++) called += m[i]?.[k] ?? 0;
    const tp = m[k]?.[k] ?? 0;
    return { class: c, reference: ref, tp, se: ref > 0 ? tp / ref : null, ppv: called > 0 ? tp / called : null };
  });
  const metrics = {
    protocol: 'leave-one-record-out over the 22 DS1 mitdb records (101 106 108 109 112 114 115 116 118 119 122 124 201 203 205 207 208 209 215 220 223 230); EC57 bxb from 300 s, 150 ms window; paced 102/104 not used',
    hp: effectiveHp,
    adapt: adapt ? { params: ADAPT_DEFAULTS, note: 'patient-adaptive stage (src/detect/adapt.ts) after the CV probabilities; its parameters were chosen on these CV outputs' } : false,
    veb: agg.gross.veb,
    sveb: agg.gross.sveb,
    vebAverage: agg.average.veb,
    svebAverage: agg.average.sveb,
    qrs: agg.gross.qrs,
    perClass,
    classMatrix: m,
  };
  await writeFile(path.join(repoRoot, 'models', 'beat-classifier.cv.json'), JSON.stringify(metrics, null, 1) + '\n');
}
