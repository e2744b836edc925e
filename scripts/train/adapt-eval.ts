/**
 * Offline evaluation of the patient-adaptive labelling stage (src/detect/adapt.ts) on the
 * cross-validated classifier outputs: no model runs here. The per-beat CV probabilities
 * written by `npm run cv` (cv-probs.f32: one row of N S V F Q per engine beat, records in
 * TRAIN_RECORDS order) are fed with the engine's beats, in stream order, through the stage
 * exactly as the live chain would; the labels are scored with the EC57 bxb of `vigil eval`
 * (from 300 s, 150 ms). Baseline = the classifier's argmax (the labels `npm run cv` wrote).
 *
 * The beat annotations replace those of the CV run's <record>.vigil files (--base DIR), whose
 * other annotations (VF markers, noise) are kept, so the baseline reproduces `vigil eval`.
 *
 * usage: npx tsx scripts/train/adapt-eval.ts [--data DIR] [--cv DIR] [--params JSON] [--json] [--nested]
 *   --cv DIR   directory with cv-probs.f32, cv-probs.hp.json and the CV .vigil files
 *              (default .scratch/cvr-base)
 *   --params   AdaptParams overrides (JSON) on top of ADAPT_DEFAULTS
 *   --nested   also the nested leave-one-record-out estimate of the parameter choice
 *   --nested-operating  the nested estimate of the SVEB operating point (sinus-cycle quantile x
 *              irregularity gate x S offset, OPERATING_GRID), chosen to maximise SVEB Se + VEB Se while SVEB +P
 *              >= 60 % and VEB +P >= 95 % on the other 21 records
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { BeatAdapter, type AdaptParams } from '../../src/detect/adapt.ts';
import { BEAT_CLASSES, decide } from '../../src/detect/classifier.ts';
import { rrAfter } from '../../src/detect/features.ts';
import type { Beat } from '../../src/ecg/index.ts';
import { aggregate, pct, scoreAnnotations, type BxbAggregate, type BxbResult } from '../../src/eval/index.ts';
import { LABEL_TO_MIT } from '../../src/analysis/record.ts';
import { isBeatCode } from '../../src/wfdb/codes.ts';
import type { AnnotationSet } from '../../src/wfdb/annotations.ts';
import { readAnnotations, readHeader } from '../../src/wfdb/record.ts';
import { DEFAULT_DATA, argValue, repoRoot } from './common.ts';
import { recordData, TRAIN_RECORDS } from './dataset.ts';

export interface EvalRecord {
  name: string;
  fs: number;
  numSamples: number | null;
  leadNames: string[];
  beats: Beat[];
  /** Rows of this record in the CV probability matrix. */
  probs: Float32Array;
  reference: AnnotationSet;
  base: AnnotationSet;
}

/** Engine beats of the 22 records (cached in .scratch/adapt: the engine is deterministic). */
export async function loadRecords(data: string, cvDir: string): Promise<EvalRecord[]> {
  const cacheFile = path.join(repoRoot, '.scratch', 'adapt', 'beats.v8');
  let cached: Array<{ name: string; beats: Beat[] }> | null = null;
  try {
    cached = deserialize(await readFile(cacheFile)) as Array<{ name: string; beats: Beat[] }>;
  } catch {
    cached = null;
  }
  if (!cached) {
    cached = [];
    for (const r of TRAIN_RECORDS) cached.push({ name: r, beats: (await recordData(data, r)).analysis.beats });
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, serialize(cached));
  }
  const buf = await readFile(path.join(cvDir, 'cv-probs.f32'));
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const k = BEAT_CLASSES.length;
  const out: EvalRecord[] = [];
  let row = 0;
  for (const c of cached) {
    const base = path.join(data, c.name);
    const h = await readHeader(base);
    out.push({
      name: c.name,
      fs: h.samplingFrequency,
      numSamples: h.numSamples,
      leadNames: h.signals.map((s) => s.description),
      beats: c.beats,
      probs: all.subarray(row * k, (row + c.beats.length) * k),
      reference: await readAnnotations(base, 'atr'),
      base: await readAnnotations(path.join(cvDir, c.name), 'vigil'),
    });
    row += c.beats.length;
  }
  if (row * k !== all.length) throw new Error(`cv-probs rows ${all.length / k} != engine beats ${row}: stale cache? delete .scratch/adapt`);
  return out;
}

/** Labels by the stage (params) or, with params null, the classifier's argmax + logBias. */
export function labelRecord(r: EvalRecord, params: Partial<AdaptParams> | null, logBias?: readonly number[]): string[] {
  const k = BEAT_CLASSES.length;
  if (params === null) return r.beats.map((_, i) => BEAT_CLASSES[decide(r.probs, i, logBias)] as string);
  const a = new BeatAdapter({ leadNames: r.leadNames, params });
  return r.beats.map((b, i) => BEAT_CLASSES[a.next(b, r.probs.subarray(i * k, (i + 1) * k), rrAfter(r.beats, i))] as string);
}

/** bxb of one record with these beat labels (other annotations of the CV .vigil kept). */
export function scoreLabels(r: EvalRecord, labels: readonly string[]): BxbResult {
  const code = Uint8Array.from(r.base.code);
  let j = 0;
  for (let i = 0; i < r.base.length; i++) {
    if (!isBeatCode(r.base.code[i] as number)) continue;
    const s = r.base.sample[i] as number;
    while (j < r.beats.length && (r.beats[j] as Beat).sample < s) j++;
    if (j >= r.beats.length || (r.beats[j] as Beat).sample !== s) throw new Error(`${r.name}: beat at ${s} not in the engine beats`);
    code[i] = LABEL_TO_MIT[labels[j] as string] as number;
  }
  const test: AnnotationSet = { ...r.base, code };
  return scoreAnnotations(r.name, r.fs, r.numSamples, r.reference, test, { startS: 300 }).bxb;
}

export function evaluate(records: readonly EvalRecord[], params: Partial<AdaptParams> | null, logBias?: readonly number[]): { bxb: BxbResult[]; agg: BxbAggregate } {
  const bxb = records.map((r) => scoreLabels(r, labelRecord(r, params, logBias)));
  return { bxb, agg: aggregate(bxb) };
}

export function summary(agg: BxbAggregate): Record<string, number | null> {
  const g = agg.gross;
  return { vebSe: g.veb.se, vebPpv: g.veb.ppv, svebSe: g.sveb.se, svebPpv: g.sveb.ppv, vebFpr: g.veb.fpr };
}

function line(name: string, r: { veb: BxbResult['veb']; sveb: BxbResult['sveb'] }): string {
  const f = (v: number | null): string => pct(v).padStart(6);
  return `${name.padEnd(6)} ${f(r.veb.se)} ${f(r.veb.ppv)} ${f(r.sveb.se)} ${f(r.sveb.ppv)}`;
}

/**
 * Honest estimate of the tuning: for each record, the parameter set with the best sum of the
 * four gross figures (VEB/SVEB Se and +P) over the OTHER 21 records is applied to it (nested
 * leave-one-record-out over the small grid below); the held-out results are pooled.
 */
export const NESTED_GRID: ReadonlyArray<Partial<AdaptParams>> = (() => {
  const out: Array<Partial<AdaptParams>> = [];
  for (const clusterWeight of [0, 1, 3, 5, 8]) {
    for (const [sGate, sGatePenalty] of [[0.9, 0], [0.85, 3], [0.9, 3], [0.95, 3]] as const) {
      for (const runS of [0, 2, 3, 5]) out.push({ clusterWeight, sGate, sGatePenalty, runS });
    }
  }
  return out;
})();

/** The SVEB operating-point settings of ADAPT_DEFAULTS: the sinus-cycle quantile, the irregularity gate and the S offset. */
export const OPERATING_GRID: ReadonlyArray<Partial<AdaptParams>> = (() => {
  const out: Array<Partial<AdaptParams>> = [];
  for (const premQuantile of [0.5, 0.7, 0.8]) {
    for (const irrGate of [Infinity, 0.15, 0.2, 0.25]) {
      for (const s of [0, 1, 1.5, 2, 2.5, 3]) out.push({ premQuantile, irrGate, irrPenalty: 4, logBias: [0, s, 0, 0, 0] });
    }
  }
  return out;
})();

/** SVEB Se + VEB Se when SVEB +P >= 60 % and VEB +P >= 95 %; below the floors, far lower and ordered by +P. */
export function floorsObjective(a: BxbAggregate): number {
  const g = a.gross;
  const ok = (g.sveb.ppv ?? 0) >= 0.6 && (g.veb.ppv ?? 0) >= 0.95;
  return ok ? (g.sveb.se ?? 0) + (g.veb.se ?? 0) : -10 + (g.sveb.ppv ?? 0) + (g.veb.ppv ?? 0);
}

/** Sum of the four gross figures (VEB/SVEB Se and +P). */
export function sumObjective(a: BxbAggregate): number {
  return (a.gross.veb.se ?? 0) + (a.gross.veb.ppv ?? 0) + (a.gross.sveb.se ?? 0) + (a.gross.sveb.ppv ?? 0);
}

export function nested(
  records: readonly EvalRecord[],
  grid: ReadonlyArray<Partial<AdaptParams>>,
  objective: (a: BxbAggregate) => number = sumObjective,
): { bxb: BxbResult[]; agg: BxbAggregate; chosen: Array<Partial<AdaptParams>> } {
  const per = grid.map((g) => evaluate(records, g).bxb);
  const bxb: BxbResult[] = [];
  const chosen: Array<Partial<AdaptParams>> = [];
  for (let i = 0; i < records.length; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let g = 0; g < grid.length; g++) {
      const v = objective(aggregate((per[g] as BxbResult[]).filter((_, j) => j !== i)));
      if (v > bestV) {
        bestV = v;
        best = g;
      }
    }
    bxb.push((per[best] as BxbResult[])[i] as BxbResult);
    chosen.push(grid[best] as Partial<AdaptParams>);
  }
  return { bxb, agg: aggregate(bxb), chosen };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const data = argValue(argv, '--data') ?? DEFAULT_DATA;
  const cvDir = argValue(argv, '--cv') ?? path.join(repoRoot, '.scratch', 'cvr-base');
  const params = JSON.parse(argValue(argv, '--params') ?? '{}') as Partial<AdaptParams>;
  const hp = JSON.parse(await readFile(path.join(cvDir, 'cv-probs.hp.json'), 'utf8')) as { log_bias?: number[] };
  const records = await loadRecords(data, cvDir);
  const base = evaluate(records, null, hp.log_bias);
  const adapted = evaluate(records, params);
  if (argv.includes('--nested-operating')) {
    const n = nested(records, OPERATING_GRID.map((g) => ({ ...params, ...g })), floorsObjective);
    for (const [i, b] of n.bxb.entries()) process.stdout.write(`${line(b.record, b)}   ${JSON.stringify(n.chosen[i])}\n`);
    process.stdout.write(`${line('nested', n.agg.gross)}   (held-out record scored with the operating point best on the other 21)\n`);
  }
  if (argv.includes('--nested')) {
    const n = nested(records, NESTED_GRID.map((g) => ({ ...params, ...g })));
    for (const [i, b] of n.bxb.entries()) process.stdout.write(`${line(b.record, b)}   ${JSON.stringify(n.chosen[i])}\n`);
    process.stdout.write(`${line('nested', n.agg.gross)}   (held-out record scored with the parameters best on the other 21)\n`);
  }
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ params, baseline: summary(base.agg), adapted: summary(adapted.agg) }) + '\n');
    return;
  }
  process.stdout.write('record  ---- baseline (VEB Se +P, SVEB Se +P) ----  ---- adapted ----\n');
  for (const [i, b] of base.bxb.entries()) process.stdout.write(`${line(b.record, b)}   ${line('', adapted.bxb[i] as BxbResult).trimStart()}\n`);
  process.stdout.write(`${line('gross', base.agg.gross)}   ${line('', adapted.agg.gross).trimStart()}\n`);
  const av = (a: BxbAggregate): string => `avg VEB ${pct(a.average.veb.se)}/${pct(a.average.veb.ppv)} SVEB ${pct(a.average.sveb.se)}/${pct(a.average.sveb.ppv)}`;
  process.stdout.write(`baseline ${av(base.agg)}\nadapted  ${av(adapted.agg)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
