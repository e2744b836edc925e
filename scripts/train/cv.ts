/**
 * `npm run cv`: leave-one-record-out cross-validation of the beat classifier on the 22 DS1
 * records. Each record's beats (the engine's detections) are labelled by a model trained on
 * the other 21 records only; the labelled beats are written as <record>.vigil into --out and
 * scored with the EC57 bxb of `vigil eval` (src/eval). With --write-metrics the figures go to
 * models/beat-classifier.cv.json for the model card.
 *
 * usage: npm run cv -- [--data DIR] [--out DIR] [--hp JSON] [--write-metrics]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BeatLabeller } from '../../src/analysis/chain.ts';
import { LABEL_TO_MIT, analyzeRecordLabelled } from '../../src/analysis/record.ts';
import type { Beat } from '../../src/ecg/index.ts';
import { readRecord } from '../../src/wfdb/record.ts';
import { BEAT_CLASSES, decide } from '../../src/detect/classifier.ts';
import { aggregate, scoreRecord, formatBxbTable } from '../../src/eval/index.ts';
import { writeAnnotations } from '../../src/wfdb/annotations.ts';
import { CACHE_DIR, DEFAULT_DATA, argValue, repoRoot, requirePython, runTrainer } from './common.ts';
import { recordData, TRAIN_RECORDS, writeDataset } from './dataset.ts';

const argv = process.argv.slice(2);
const data = argValue(argv, '--data') ?? DEFAULT_DATA;
const out = argValue(argv, '--out') ?? path.join(CACHE_DIR, 'cv');
const hp = argValue(argv, '--hp') ?? '{}';
requirePython('npm run cv');

const records = [];
for (const r of TRAIN_RECORDS) records.push(await recordData(data, r));
const cache = await writeDataset(records, path.join(out, 'dataset'));

const probsFile = path.join(out, 'cv-probs.f32');
runTrainer(['--cache', cache, '--mode', 'cv', '--out', probsFile, '--hp', hp]);
const buf = await readFile(probsFile);
const probs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);

// the trainer's effective hyperparameters (defaults + --hp), for the decision offsets
const effectiveHp = JSON.parse(await readFile(path.join(out, 'cv-probs.hp.json'), 'utf8')) as Record<string, unknown> & { log_bias?: number[] };
const logBias = effectiveHp.log_bias;
let row = 0;
for (const r of records) {
  const beats = r.analysis.beats.map((b) => ({ ...b }));
  for (const b of beats) {
    b.label = BEAT_CLASSES[decide(probs, row, logBias)] ?? 'Q';
    row++;
  }
  if (beats.some((b) => LABEL_TO_MIT[b.label] === undefined)) throw new Error('unknown label');
  // Re-run the whole analysis chain with these cross-validated labels, so the rhythm
  // monitor (VT, AF ...) is judged on labels from a model that never saw the record.
  const labels = new Map(beats.map((b) => [b.sample, b.label] as const));
  const analysis = await analyzeRecordLabelled(await readRecord(path.join(data, r.name)), cvLabels(labels));
  await writeFile(path.join(out, `${r.name}.vigil`), writeAnnotations(analysis.annotations));
}

/** A labeller that sets the cross-validated label of each beat (same engine, same beats). */
function cvLabels(labels: ReadonlyMap<number, string>): BeatLabeller {
  return {
    push: async (bs: readonly Beat[]) => bs.map((b) => ({ ...b, label: labels.get(b.sample) ?? 'Q' })),
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
