import assert from 'node:assert/strict';
import { beatList, compareBeats, matchBeats } from '../../src/eval/bxb.ts';
import { aamiClass, CLASS_F, CLASS_N, CLASS_Q, CLASS_S, CLASS_V, classifiedBeatCodes, NO_BEAT } from '../../src/eval/classes.ts';
import { ann, beats, code } from './support.ts';

const FS = 360;
/** round(0.150 s * 360 Hz) = 54 samples. */
const W = 54;
const ALL = { startS: 0 } as const;

function score(ref: ReturnType<typeof ann>, test: ReturnType<typeof ann>, opts: { startS?: number; endS?: number } = ALL, lengthSamples = 200_000) {
  return compareBeats({ record: 'r', reference: ref, test, fs: FS, lengthSamples }, opts);
}

describe('eval/classes: AAMI classes of MIT codes', () => {
  it('maps every beat code to a class and non-beat codes to -1', () => {
    for (const c of classifiedBeatCodes()) assert.ok(aamiClass(c) >= 0, `code ${c}`);
    for (const s of ['~', '+', '|', '"', '[', ']', '!']) assert.equal(aamiClass(code(s)), -1, s);
  });

  it('follows EC57: N={N,L,R,e,j,B}, S={A,a,J,S}, V={V,E,r}, F={F}, Q={/,f,Q,?}', () => {
    const expect: Record<string, number> = { N: CLASS_N, L: CLASS_N, R: CLASS_N, e: CLASS_N, j: CLASS_N, B: CLASS_N, A: CLASS_S, a: CLASS_S, J: CLASS_S, S: CLASS_S, V: CLASS_V, E: CLASS_V, r: CLASS_V, F: CLASS_F, '/': CLASS_Q, f: CLASS_Q, Q: CLASS_Q, '?': CLASS_Q };
    for (const [s, k] of Object.entries(expect)) assert.equal(aamiClass(code(s)), k, s);
  });
});

describe('eval/bxb: QRS matching', () => {
  it('identical beat lists: every beat a TP', () => {
    const r = ann(beats([1000, 1300, 1600, 1900]));
    const res = score(r, r);
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [4, 0, 0]);
    assert.equal(res.qrs.se, 1);
    assert.equal(res.qrs.ppv, 1);
    assert.equal(res.windowSamples, W);
  });

  it('|dt| exactly at the 150 ms window matches; one sample more does not', () => {
    const ref = ann(beats([1000, 2000]));
    assert.equal(score(ref, ann(beats([1000 + W, 2000 - W]))).qrs.tp, 2);
    const miss = score(ref, ann(beats([1000 + W + 1, 2000 - W - 1])));
    assert.deepEqual([miss.qrs.tp, miss.qrs.fn, miss.qrs.fp], [0, 2, 2]);
    assert.equal(miss.qrs.se, 0);
  });

  it('two test beats near one reference beat: 1 TP + 1 FP, the nearer one matched', () => {
    const ref = ann(beats([1000, 1500]));
    const test = ann(beats([960, 995, 1500]));
    const res = score(ref, test);
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [2, 0, 1]);
    const m = matchBeats(beatList(ref).time, beatList(test).time, W);
    assert.deepEqual([...m.refMatch], [1, 2]);
    assert.deepEqual([...m.testMatch], [-1, 0, 1]);
    // Equidistant on both sides: the later test beat wins (bxb: t is paired only when strictly nearer).
    const tie = matchBeats(beatList(ref).time, beatList(ann(beats([990, 1010, 1500]))).time, W);
    assert.deepEqual([...tie.testMatch], [-1, 0, 1]);
  });

  it('a test beat between two reference beats goes to the nearer one', () => {
    const ref = ann(beats([1000, 1080]));
    const m = matchBeats(beatList(ref).time, beatList(ann(beats([1050]))).time, W);
    assert.deepEqual([...m.refMatch], [-1, 0]);
  });

  it("takes bxb's look-ahead: a close next pair does not steal a match", () => {
    // bxb.c comment example with window 37: ref 96, 160; test 128, 185 -> both pairs match.
    const m = matchBeats(Int32Array.from([96, 160]), Int32Array.from([128, 185]), 37);
    assert.deepEqual([...m.refMatch], [0, 1]);
  });

  it('misses and extras are FN and FP; Se and +P follow', () => {
    const ref = ann(beats([1000, 2000, 3000, 4000]));
    const test = ann(beats([1000, 2000, 2500, 3500, 4000]));
    const res = score(ref, test);
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [3, 1, 2]);
    assert.equal(res.qrs.se, 3 / 4);
    assert.equal(res.qrs.ppv, 3 / 5);
    assert.equal(res.matrix[CLASS_N]![NO_BEAT], 1);
    assert.equal(res.matrix[NO_BEAT]![CLASS_N], 2);
  });

  it('empty test set: Se 0, +P undefined (null)', () => {
    const res = score(ann(beats([1000, 2000])), ann([]));
    assert.equal(res.qrs.se, 0);
    assert.equal(res.qrs.ppv, null);
  });

  it('non-beat annotations are ignored on both sides', () => {
    const ref = ann([...beats([1000, 2000]), [1500, '~'], [100, '+', '(N']]);
    const test = ann([...beats([1000, 2000]), [1700, '|'], [1800, '"', 'note']]);
    const res = score(ref, test);
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [2, 0, 0]);
  });
});

describe('eval/bxb: comparison interval', () => {
  const start = 300 * FS; // 108000, the EC57 default start

  it('starts after 5 minutes by default: earlier misses and extras do not count', () => {
    const ref = ann(beats([1000, 2000, start + 1000, start + 2000]));
    const test = ann(beats([2000, 5000, start + 1000, start + 2000]));
    const res = compareBeats({ record: 'r', reference: ref, test, fs: FS, lengthSamples: start + 10_000 });
    assert.equal(res.startSample, start);
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [2, 0, 0]);
    assert.equal(res.refBeats, 2);
  });

  it('a test beat just after start matched to a reference beat just before it is neither TP nor FP', () => {
    const ref = ann(beats([start - 10, start + 1000]));
    const test = ann(beats([start + 10, start + 1000]));
    const res = score(ref, test, {});
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [1, 0, 0]);
  });

  it('a reference beat just after start matched by a test beat just before it is a TP', () => {
    const ref = ann(beats([start + 10, start + 1000]));
    const test = ann(beats([start - 10, start + 1000]));
    const res = score(ref, test, {});
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [2, 0, 0]);
  });

  it('an unmatched test beat just after start is a FP; one just before is not counted', () => {
    const ref = ann(beats([start + 1000]));
    const res = score(ref, ann(beats([start - 500, start + 5, start + 1000])), {});
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [1, 0, 1]);
  });

  it('endS closes the interval (exclusive)', () => {
    const ref = ann(beats([1000, 2000, 3600, 4000]));
    const res = score(ref, ann(beats([1000])), { startS: 0, endS: 10 });
    assert.equal(res.endSample, 3600);
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [1, 1, 0]);
  });

  it('beats inside reference VF ([ ... ]) are ignored and test beats there are not FP', () => {
    const ref = ann([...beats([1000, 9000]), [3000, '['], [3500, 'V'], [6000, ']']]);
    const test = ann(beats([1000, 3500, 4000, 5000, 9000]));
    const res = score(ref, test);
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [2, 0, 0]);
    // An unterminated VF runs to the end of the file.
    const open = score(ann([...beats([1000]), [3000, '['], [3500, 'N']]), ann(beats([1000, 3500])));
    assert.deepEqual([open.qrs.tp, open.qrs.fn, open.qrs.fp], [1, 0, 0]);
  });
});

describe('eval/bxb: classification', () => {
  // Reference: N N N V V V(missed) A A F /   + test-only V and A.
  const ref = ann([
    [1000, 'N'], [2000, 'N'], [3000, 'N'], [4000, 'V'], [5000, 'V'], [6000, 'V'],
    [7000, 'A'], [8000, 'A'], [9000, 'F'], [10000, '/'],
  ]);
  const test = ann([
    [1000, 'N'], [2000, 'V'], [3000, 'N'], [4000, 'V'], [5000, 'N'],
    [7000, 'A'], [8000, 'N'], [9000, 'V'], [10000, 'V'], [11000, 'V'], [12000, 'A'],
  ]);
  const res = score(ref, test);

  it('fills the 6x6 confusion matrix, with missed beats in column o and extras in row O', () => {
    assert.deepEqual(res.matrix, [
      // n  s  v  f  q  o
      [2, 0, 1, 0, 0, 0], // N
      [1, 1, 0, 0, 0, 0], // S
      [1, 0, 1, 0, 0, 1], // V
      [0, 0, 1, 0, 0, 0], // F
      [0, 0, 1, 0, 0, 0], // Q
      [0, 1, 1, 0, 0, 0], // O
    ]);
    assert.deepEqual([res.qrs.tp, res.qrs.fn, res.qrs.fp], [9, 1, 2]);
    assert.equal(res.refBeats, 10);
    assert.equal(res.testBeats, 11);
    assert.equal(res.testClassified, true);
  });

  it('VEB: Se over all reference V (missed too); +P leaves out Fv and Qv (EC57); FPR', () => {
    assert.deepEqual([res.veb.tp, res.veb.fn, res.veb.fp, res.veb.tn], [1, 2, 2, 5]);
    assert.equal(res.veb.se, 1 / 3);
    assert.equal(res.veb.ppv, 1 / 3);
    assert.equal(res.veb.fpr, 2 / 7);
  });

  it('SVEB: Ss over the S row; FP = Ns + Vs + Fs + Os', () => {
    assert.deepEqual([res.sveb.tp, res.sveb.fn, res.sveb.fp], [1, 1, 1]);
    assert.equal(res.sveb.se, 1 / 2);
    assert.equal(res.sveb.ppv, 1 / 2);
  });

  it('a test annotator that only says N is not "classified"; VEB Se 0, +P undefined', () => {
    const plain = score(ref, ann(beats([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000])));
    assert.equal(plain.testClassified, false);
    assert.equal(plain.veb.se, 0);
    assert.equal(plain.veb.ppv, null);
    assert.equal(plain.qrs.se, 1);
  });

  it('without a record length the comparison ends with the reference file (bxb): later test beats are not extras', () => {
    const ref = ann([[100, 'N'], [200, 'N'], [300, 'N']]);
    const test = ann([[100, 'N'], [200, 'N'], [300, 'N'], [400, 'N']]);
    const r = compareBeats({ record: 'r', reference: ref, test, fs: FS }, { startS: 0 });
    assert.deepEqual([r.qrs.tp, r.qrs.fn, r.qrs.fp], [3, 0, 0]);
  });
});
