/**
 * ANSI/AAMI EC57 beat classes and the mapping of MIT annotation codes onto them.
 *
 * EC57:2012 §4.2.2 / de Chazal et al. 2004 Table 1: N = {N, L, R, e, j}, S = {A, a, J, S},
 * V = {V, E}, F = {F}, Q = {/, f, Q}. Codes the table leaves out are placed as WFDB bxb's
 * amap() does where that agrees with EC57: B (BBB, unspecified) is N, r (R-on-T PVC) is V,
 * ? (not classified during learning) is Q. n (supraventricular escape) joins N with the
 * other escape beats e and j (bxb puts escape beats in S, EC57 puts e and j in N; n does not
 * occur in the MIT-BIH Arrhythmia Database).
 */
import { AnnotationCode as C, ANNOTATION_CODE_MAX, isBeatCode } from '../wfdb/codes.ts';

/** Class indices; also the row/column order of the confusion matrix. */
export const CLASS_N = 0;
export const CLASS_S = 1;
export const CLASS_V = 2;
export const CLASS_F = 3;
export const CLASS_Q = 4;
/**
 * Row 5 holds test beats with no reference beat (bxb's "O" row); column 5 holds reference
 * beats the test missed (bxb's "o" column). Cell [5][5] is always 0.
 */
export const NO_BEAT = 5;
export const MATRIX_SIZE = 6;

/** Reference-class labels (rows) and test-class labels (columns), as bxb prints them. */
export const ROW_LABELS: readonly string[] = ['N', 'S', 'V', 'F', 'Q', 'O'];
export const COLUMN_LABELS: readonly string[] = ['n', 's', 'v', 'f', 'q', 'o'];

const CLASS_OF_CODE: Int8Array = (() => {
  const t = new Int8Array(ANNOTATION_CODE_MAX + 1).fill(-1);
  const put = (cls: number, codes: number[]): void => {
    for (const c of codes) t[c] = cls;
  };
  put(CLASS_N, [C.NORMAL, C.LBBB, C.RBBB, C.AESC, C.NESC, C.BBB, C.SVESC]);
  put(CLASS_S, [C.APC, C.ABERR, C.NPC, C.SVPB]);
  put(CLASS_V, [C.PVC, C.VESC, C.RONT]);
  put(CLASS_F, [C.FUSION]);
  put(CLASS_Q, [C.PACE, C.PFUS, C.UNKNOWN, C.LEARN]);
  return t;
})();

/** AAMI class index (CLASS_N..CLASS_Q) of a beat code; -1 for a non-beat code. */
export function aamiClass(code: number): number {
  return CLASS_OF_CODE[code] ?? -1;
}

/** Every beat code (isBeatCode) has a class: checked by the tests across the whole table. */
export function classifiedBeatCodes(): number[] {
  const out: number[] = [];
  for (let c = 0; c <= ANNOTATION_CODE_MAX; c++) if (isBeatCode(c)) out.push(c);
  return out;
}
