/**
 * Run-by-run comparison of ectopic runs, after WFDB `rxr` (ANSI/AAMI EC38 / EC57 §3.3): how
 * well the beat labels find ventricular (VE) and supraventricular (SVE) runs by length:
 * couplets (2 beats), short runs (3-5) and long runs (6 or more).
 *
 * The beat labels map to AAMI run labels as rxr's `amap` does (it differs from bxb): N, L, R,
 * B are N, or S inside AF; A, a, J, S and the escapes j, e, n are S; V, r, E are V; F is F; Q,
 * ?, paced / and f are Q. Rhythm annotations "(AF..." (AFL too) open AF, "(VF..." open VF;
 * another rhythm label closes whichever is open; '[' ']' open and close VF; a noise annotation
 * with subtype bits 0x30 starts an unreadable stretch (U) and the next noise annotation ends
 * it. VF counts as a VE run of maximum length, AF as an SVE run of maximum length.
 *
 * For sensitivity each reference run (consecutive V/F beats for VE, S beats for SVE, ended by
 * an N, Q or U, or for VE by an S, for SVE by a V/F) is matched against the longest test run
 * (up to 6) among the test beats from 150 ms before its first beat to 150 ms after its last;
 * positive predictivity swaps the roles. Lengths are capped at 6, and each run adds one to a
 * 7 x 7 matrix [reference length][test length]. From it (rxr print_results):
 *   couplet Se  = [2][>=2] / [2][*]          couplet +P  = [>=2][2] / [*][2]
 *   short Se    = [3..5][>=3] / [3..5][*]    short +P    = [>=3][3..5] / [*][3..5]
 *   long Se     = [6][6] / [6][*]            long +P     = [6][6] / [*][6]
 * Comparison from 5 min (EC57's learning period) to the end of the record. Pure functions.
 */
import type { AnnotationSet } from '../wfdb/annotations.ts';
import { AnnotationCode as C } from '../wfdb/codes.ts';

/** AAMI run labels (rxr amap): O is "ignore", C the end of an unreadable stretch. */
type RunLabel = 'N' | 'S' | 'V' | 'F' | 'Q' | 'U' | 'C' | 'O' | '[' | ']' | '{' | '}';

/** Run labels of one annotation file, in file order (amap's state is per file and per pass). */
export function runLabels(set: AnnotationSet): RunLabel[] {
  let inAf = false;
  let inVf = false;
  let unreadable = false;
  const out: RunLabel[] = new Array<RunLabel>(set.length);
  /** A VF (AF) start: '[' ('{') unless one is already open ('O'); it closes the other kind. */
  const enterVf = (): RunLabel => {
    if (inVf) return 'O';
    inAf = false;
    inVf = true;
    return '[';
  };
  const enterAf = (): RunLabel => {
    if (inAf) return 'O';
    inVf = false;
    inAf = true;
    return '{';
  };
  for (let i = 0; i < set.length; i++) {
    const code = set.code[i] as number;
    let m: RunLabel = 'O';
    switch (code) {
      case C.NORMAL: case C.LBBB: case C.RBBB: case C.BBB:
        m = inAf ? 'S' : 'N';
        break;
      case C.NPC: case C.APC: case C.SVPB: case C.ABERR: case C.NESC: case C.AESC: case C.SVESC:
        m = 'S';
        break;
      case C.PVC: case C.RONT: case C.VESC:
        m = 'V';
        break;
      case C.FUSION:
        m = 'F';
        break;
      case C.UNKNOWN: case C.LEARN: case C.PACE: case C.PFUS:
        m = 'Q';
        break;
      case C.NOISE:
        if (((set.subtype[i] as number) & 0x30) === 0x30) {
          if (!unreadable) {
            unreadable = true;
            m = 'U';
          }
        } else if (unreadable) {
          unreadable = false;
          m = 'C';
        }
        break;
      case C.VFON:
        m = enterVf();
        break;
      case C.VFOFF:
        if (inVf) {
          inVf = false;
          m = ']';
        }
        break;
      case C.RHYTHM: {
        const aux = set.aux[i] ?? '';
        if (aux.startsWith('(AF')) m = enterAf();
        else if (aux.startsWith('(VF')) m = enterVf();
        else if (inAf) {
          inAf = false;
          m = '}';
        } else if (inVf) {
          inVf = false;
          m = ']';
        }
        break;
      }
      default:
        break;
    }
    out[i] = m;
  }
  return out;
}

/** [reference length 0..6][test length 0..6] counts (6: six beats or more, VF / AF). */
export type RunMatrix = number[][];

const emptyMatrix = (): RunMatrix => Array.from({ length: 7 }, () => new Array<number>(7).fill(0));

/** One file as the comparison reads it: times, run labels and a read position. */
class Stream {
  i = -1;
  constructor(
    readonly t: Int32Array,
    readonly m: readonly RunLabel[],
  ) {}
  /** getann: advance; false at the end of the file. */
  next(): boolean {
    this.i++;
    return this.i < this.m.length;
  }
  get time(): number {
    return this.i < this.m.length ? (this.t[this.i] as number) : -1;
  }
  get label(): RunLabel {
    return this.m[this.i] as RunLabel;
  }
}

type RunType = 've' | 'sve';

/**
 * One pass of rxr: `a` defines the runs, `b` is searched for the longest matching run.
 * Returns the matrix indexed [reference][test] (for +P, `a` is the test file).
 */
function pass(a: Stream, b: Stream, aIsRef: boolean, type: RunType, start: number, end: number, dt: number): RunMatrix {
  const s = emptyMatrix();
  const ve = type === 've';
  const open = ve ? '[' : '{';
  const close = ve ? ']' : '}';
  /** The other kind of episode start: AF ends a VF (and VF an AF) in rxr's amap. */
  const other = ve ? '{' : '[';
  let runA = -1;
  let runStart = 0;
  let runEnd = 0;
  // rxr's f_end: end of a VF (AF) episode of file b that a match window fell into; -1: to the end.
  let fEnd = 0;
  let bDone = false;
  b.next();
  if (b.i >= b.m.length) bDone = true;

  /** From a VF (AF) start in b to the annotation that ends it; false (fEnd = -1) when it runs to the end of the file. */
  const toEpisodeEnd = (): boolean => {
    for (;;) {
      if (!b.next()) {
        fEnd = -1;
        return false;
      }
      const x = b.m[b.i] as RunLabel;
      if (x === close || x === other || x === 'U') return true;
    }
  };
  const longest = (t0: number, t1: number): number => {
    if (fEnd < 0 || fEnd > t0) return 6;
    if (bDone) return 0;
    while (b.time < t0) {
      if (b.label === open) {
        if (!toEpisodeEnd()) return 6;
        if (b.time > t0) {
          fEnd = b.time;
          return 6;
        }
      }
      if (!b.next()) {
        bDone = true;
        return 0;
      }
    }
    let len = 0;
    let len0 = 0;
    const reset = (): void => {
      if (len0 > len) len = len0;
      len0 = 0;
    };
    while (b.time <= t1) {
      const x = b.label;
      if (x === 'N' || x === 'Q' || x === 'U') reset();
      else if (x === 'V' || x === 'F') {
        if (ve) len0 = Math.min(6, len0 + 1);
        else reset();
      } else if (x === 'S') {
        if (!ve) len0 = Math.min(6, len0 + 1);
        else reset();
      } else if (x === open) {
        if (toEpisodeEnd()) fEnd = b.time;
        return 6;
      } else if (x === other) reset();
      if (!b.next()) {
        bDone = true;
        break;
      }
    }
    return Math.max(len, len0);
  };
  const count = (lenA: number, lenB: number): void => {
    const row = s[aIsRef ? lenA : lenB] as number[];
    row[aIsRef ? lenB : lenA] = (row[aIsRef ? lenB : lenA] as number) + 1;
  };

  // State of file a at the start of the comparison.
  while (a.next()) {
    if (a.time >= start) {
      if (runA < 0) runA = 0;
      break;
    }
    const x = a.label;
    if (x === open) runA = 6;
    else if (x === ']' || x === '}') runA = 0;
  }
  if (runA < 0 || a.i >= a.m.length) return s;
  if (runA > 0) {
    runStart = start - dt;
    runEnd = start + dt;
  }
  do {
    const x = a.label;
    const t = a.time;
    if (runA > 0) {
      const extends_ = ve ? x === 'V' || x === 'F' : x === 'S';
      const endsByOther = ve ? x === 'S' : x === 'V' || x === 'F';
      if (x === 'N' || x === 'Q' || x === 'U' || endsByOther) {
        count(runA, longest(runStart, runEnd));
        runA = 0;
      } else if (extends_) {
        if (runA < 6) runA++;
        runEnd = t + dt;
      } else if (x === close) runEnd = t + dt;
    } else if ((ve && (x === 'V' || x === 'F')) || (!ve && x === 'S')) {
      runA = 1;
      runStart = t - dt;
      runEnd = t + dt;
    } else if (x === open) {
      runA = 6;
      runStart = t - dt;
    }
    if (!a.next()) {
      // rxr (WFDB 10.7, 2020): at the end of file a, an open run is closed as if by a Q beat
      // and counted (the 2001 rxr dropped it).
      if (runA > 0) count(runA, longest(runStart, runEnd));
      break;
    }
  } while (a.time <= end);
  return s;
}

export interface RunStat {
  readonly tpSe: number;
  readonly fn: number;
  readonly tpPpv: number;
  readonly fp: number;
  readonly se: number | null;
  readonly ppv: number | null;
}

export interface RunScore {
  /** Sensitivity and positive predictivity matrices, [reference length][test length]. */
  readonly seMatrix: RunMatrix;
  readonly ppvMatrix: RunMatrix;
  readonly couplet: RunStat;
  readonly short: RunStat;
  readonly long: RunStat;
}

export interface RecordRuns {
  readonly ve: RunScore;
  readonly sve: RunScore;
}

const sum = (m: RunMatrix, rows: readonly number[], cols: readonly number[]): number => rows.reduce((a, r) => a + cols.reduce((b, c) => b + ((m[r] as number[])[c] as number), 0), 0);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function stat(se: RunMatrix, ppv: RunMatrix, len: readonly number[], hit: readonly number[], miss: readonly number[]): RunStat {
  const tpSe = sum(se, len, hit);
  const fn = sum(se, len, miss);
  const tpPpv = sum(ppv, hit, len);
  const fp = sum(ppv, miss, len);
  return { tpSe, fn, tpPpv, fp, se: tpSe + fn > 0 ? tpSe / (tpSe + fn) : null, ppv: tpPpv + fp > 0 ? tpPpv / (tpPpv + fp) : null };
}

/** Couplet, short-run and long-run statistics from the two matrices (rxr print_results). */
export function runStats(seMatrix: RunMatrix, ppvMatrix: RunMatrix): RunScore {
  return {
    seMatrix,
    ppvMatrix,
    couplet: stat(seMatrix, ppvMatrix, [2], range(2, 6), [0, 1]),
    short: stat(seMatrix, ppvMatrix, range(3, 5), range(3, 6), [0, 1, 2]),
    long: stat(seMatrix, ppvMatrix, [6], [6], range(0, 5)),
  };
}

export interface RunOptions {
  /** Comparison start, seconds (default 300). */
  startS?: number;
  /** Comparison end, seconds (default: the end of the record). */
  endS?: number;
  /** Match window, seconds (default 0.15). */
  windowS?: number;
}

/** VE and SVE run-by-run comparison of one record. */
export function compareRuns(reference: AnnotationSet, test: AnnotationSet, fs: number, endSample: number, options: RunOptions = {}): RecordRuns {
  const start = Math.round((options.startS ?? 300) * fs);
  const end = options.endS === undefined ? endSample : Math.round(options.endS * fs);
  const dt = Math.round((options.windowS ?? 0.15) * fs);
  const refLabels = runLabels(reference);
  const testLabels = runLabels(test);
  const one = (type: RunType): RunScore => {
    const se = pass(new Stream(reference.sample, refLabels), new Stream(test.sample, testLabels), true, type, start, end, dt);
    const ppv = pass(new Stream(test.sample, testLabels), new Stream(reference.sample, refLabels), false, type, start, end, dt);
    return runStats(se, ppv);
  };
  return { ve: one('ve'), sve: one('sve') };
}

/** Gross statistics: the records' matrices summed. */
export function aggregateRuns(records: readonly RecordRuns[], type: 've' | 'sve'): RunScore {
  const se = emptyMatrix();
  const ppv = emptyMatrix();
  for (const r of records) {
    for (let i = 0; i < 7; i++) {
      for (let j = 0; j < 7; j++) {
        (se[i] as number[])[j] = ((se[i] as number[])[j] as number) + ((r[type].seMatrix[i] as number[])[j] as number);
        (ppv[i] as number[])[j] = ((ppv[i] as number[])[j] as number) + ((r[type].ppvMatrix[i] as number[])[j] as number);
      }
    }
  }
  return runStats(se, ppv);
}
