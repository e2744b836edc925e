/**
 * EC57 statistics from a bxb confusion matrix, and their gross and average aggregates.
 *
 * Definitions (WFDB bxb print_results(), which implements EC57:1998 §3.5 / EC38), with rows
 * N S V F Q O (reference; O = no reference beat) and columns n s v f q o (test; o = missed):
 *  - QRS: TP = every matched pair (rows N..Q x columns n..q), FN = column o, FP = row O.
 *  - VEB: TP = Vv; FN = every other V-row cell including Vo (all reference V, matched or not);
 *    FP = Nv + Sv + Ov: Fv and Qv are NOT false positives (EC57 does not penalise calling a
 *    fusion or unclassifiable beat a VEB); TN = rows N S F Q O x columns n s f q;
 *    FPR = FP / (TN + FP).
 *  - SVEB: TP = Ss; FN = the rest of the S row including So; FP = Ns + Vs + Fs + Os (Qs is
 *    not a false positive).
 * Se = TP / (TP + FN), +P = TP / (TP + FP); a figure whose denominator is 0 is null
 * ("undefined", bxb prints '-'). Figures are fractions 0..1.
 *
 * Aggregates (EC57 §4: gross = from counts pooled over records; average = mean of the
 * per-record figures over the records where the figure is defined). Paced records are left
 * out of the VEB/SVEB aggregates (EC57: records with paced beats are excluded from the
 * classification requirements) but kept in the QRS detection aggregates.
 */
import { CLASS_F, CLASS_N, CLASS_Q, CLASS_S, CLASS_V, MATRIX_SIZE, NO_BEAT } from './classes.ts';

export interface QrsStats {
  readonly tp: number;
  readonly fn: number;
  readonly fp: number;
  readonly se: number | null;
  readonly ppv: number | null;
}

export type ClassStats = QrsStats;

export interface VebStats extends ClassStats {
  readonly tn: number;
  /** False positive rate FP / (TN + FP). */
  readonly fpr: number | null;
}

/** MIT-BIH Arrhythmia Database records with paced beats (EC57 excludes them from classification). */
export const PACED_RECORDS: readonly string[] = ['102', '104', '107', '217'];

function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

function cell(m: readonly (readonly number[])[], r: number, c: number): number {
  return m[r]?.[c] ?? 0;
}

export function qrsStats(m: readonly (readonly number[])[]): QrsStats {
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (let r = 0; r < NO_BEAT; r++) {
    for (let c = 0; c < NO_BEAT; c++) tp += cell(m, r, c);
    fn += cell(m, r, NO_BEAT);
  }
  for (let c = 0; c < NO_BEAT; c++) fp += cell(m, NO_BEAT, c);
  return { tp, fn, fp, se: ratio(tp, tp + fn), ppv: ratio(tp, tp + fp) };
}

/** Rows whose calls of class `k` are false positives (EC57: not F or Q for V; not Q for S). */
const FP_ROWS: Readonly<Record<number, readonly number[]>> = {
  [CLASS_V]: [CLASS_N, CLASS_S, NO_BEAT],
  [CLASS_S]: [CLASS_N, CLASS_V, CLASS_F, NO_BEAT],
};

export function classStats(m: readonly (readonly number[])[], k: typeof CLASS_V | typeof CLASS_S): ClassStats {
  const tp = cell(m, k, k);
  let fn = 0;
  for (let c = 0; c < MATRIX_SIZE; c++) if (c !== k) fn += cell(m, k, c);
  let fp = 0;
  for (const r of FP_ROWS[k] ?? []) fp += cell(m, r, k);
  return { tp, fn, fp, se: ratio(tp, tp + fn), ppv: ratio(tp, tp + fp) };
}

/**
 * Paced-beat recognition on a paced record (AAMI class Q = paced '/', paced fusion 'f' and
 * unclassifiable 'Q', which on a paced record are nearly all paced beats): Se = reference Q
 * beats called Q (a paced '/' call is Q) over all reference Q beats (missed ones included);
 * +P = those over all test Q calls (extra detections included). Not an EC57 figure: EC57 only
 * leaves paced records out of the VEB/SVEB figures.
 */
export function pacedStats(m: readonly (readonly number[])[]): ClassStats {
  const tp = cell(m, CLASS_Q, CLASS_Q);
  let fn = 0;
  for (let c = 0; c < MATRIX_SIZE; c++) if (c !== CLASS_Q) fn += cell(m, CLASS_Q, c);
  let fp = 0;
  for (let r = 0; r < MATRIX_SIZE; r++) if (r !== CLASS_Q) fp += cell(m, r, CLASS_Q);
  return { tp, fn, fp, se: ratio(tp, tp + fn), ppv: ratio(tp, tp + fp) };
}

export function vebStats(m: readonly (readonly number[])[]): VebStats {
  const base = classStats(m, CLASS_V);
  let tn = 0;
  for (const r of [CLASS_N, CLASS_S, CLASS_F, CLASS_Q, NO_BEAT]) {
    for (const c of [CLASS_N, CLASS_S, CLASS_F, CLASS_Q]) tn += cell(m, r, c);
  }
  return { ...base, tn, fpr: ratio(base.fp, tn + base.fp) };
}

export function addMatrices(ms: readonly (readonly (readonly number[])[])[]): number[][] {
  const sum = Array.from({ length: MATRIX_SIZE }, () => new Array<number>(MATRIX_SIZE).fill(0));
  for (const m of ms) for (let r = 0; r < MATRIX_SIZE; r++) for (let c = 0; c < MATRIX_SIZE; c++) sum[r]![c]! += cell(m, r, c);
  return sum;
}

/** Mean of the defined values; null when none is defined. */
export function meanDefined(values: readonly (number | null)[]): number | null {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (v === null) continue;
    s += v;
    n++;
  }
  return n > 0 ? s / n : null;
}

export interface RateAverage {
  readonly se: number | null;
  readonly ppv: number | null;
  /** Records that had a defined Se / +P. */
  readonly seRecords: number;
  readonly ppvRecords: number;
}

export interface BxbAggregate {
  readonly records: number;
  /** Records left out of the VEB/SVEB aggregates. */
  readonly pacedExcluded: readonly string[];
  readonly gross: {
    readonly matrix: number[][];
    /** Matrix over the non-paced records, from which gross VEB/SVEB come. */
    readonly classMatrix: number[][];
    readonly qrs: QrsStats;
    readonly veb: VebStats;
    readonly sveb: ClassStats;
  };
  readonly average: {
    readonly qrs: RateAverage;
    readonly veb: RateAverage & { readonly fpr: number | null };
    readonly sveb: RateAverage;
  };
}

export interface AggregateInput {
  readonly record: string;
  readonly matrix: readonly (readonly number[])[];
  readonly qrs: QrsStats;
  readonly veb: VebStats;
  readonly sveb: ClassStats;
}

function rateAverage(list: readonly ClassStats[]): RateAverage {
  const se = list.map((s) => s.se);
  const ppv = list.map((s) => s.ppv);
  return { se: meanDefined(se), ppv: meanDefined(ppv), seRecords: se.filter((v) => v !== null).length, ppvRecords: ppv.filter((v) => v !== null).length };
}

export function aggregate(results: readonly AggregateInput[], pacedRecords: readonly string[] = PACED_RECORDS): BxbAggregate {
  const paced = new Set(pacedRecords);
  const classified = results.filter((r) => !paced.has(r.record));
  const matrix = addMatrices(results.map((r) => r.matrix));
  const classMatrix = addMatrices(classified.map((r) => r.matrix));
  return {
    records: results.length,
    pacedExcluded: results.filter((r) => paced.has(r.record)).map((r) => r.record),
    gross: { matrix, classMatrix, qrs: qrsStats(matrix), veb: vebStats(classMatrix), sveb: classStats(classMatrix, CLASS_S) },
    average: {
      qrs: rateAverage(results.map((r) => r.qrs)),
      veb: { ...rateAverage(classified.map((r) => r.veb)), fpr: meanDefined(classified.map((r) => r.veb.fpr)) },
      sveb: rateAverage(classified.map((r) => r.sveb)),
    },
  };
}
