/**
 * Run-by-run comparison (rxr, EC57): hand-made annotation files at 100 Hz, one beat every
 * 100 samples, scored from 0 s with the 150-ms (15-sample) window.
 */
import assert from 'node:assert/strict';
import { aggregateRuns, compareRuns, runLabels } from '../../src/eval/rxr.ts';
import { annotationSet } from '../../src/wfdb/annotations.ts';
import { AnnotationCode } from '../../src/wfdb/codes.ts';
import { ann } from './support.ts';

const FS = 100;
const opts = { startS: 0 };

/** Beats every 100 samples from sample 100, one symbol per character ('.' = N). */
function seq(pattern: string, extra: readonly (readonly [number, string, string])[] = []) {
  const list: ([number, string] | readonly [number, string, string])[] = [...pattern].map((c, i) => [100 * (i + 1), c === '.' ? 'N' : c]);
  return ann([...list, ...extra]);
}

describe('eval/rxr: run-by-run comparison', () => {
  it('maps labels as rxr does: escapes are S, N is S inside AF, VF and AF brackets, unreadable stretches', () => {
    const set = ann([
      [10, 'N'], [20, 'j'], [30, 'e'], [40, 'E'], [50, 'r'], [60, 'F'], [70, '/'], [80, '+', '(AFIB'], [90, 'N'], [100, 'L'],
      [110, '+', '(N'], [120, 'N'], [130, '['], [140, '!'], [150, ']'], [160, '+', '(VFL'], [170, '+', '(N'],
    ]);
    assert.equal(runLabels(set).join(''), 'NSSVVFQ{SS}N[O][]');
    const noisy = annotationSet([
      { sample: 10, code: AnnotationCode.NOISE, subtype: 0x30 },
      { sample: 20, code: AnnotationCode.NOISE, subtype: 0x30 },
      { sample: 30, code: AnnotationCode.NOISE, subtype: 0 },
      { sample: 40, code: AnnotationCode.NOISE, subtype: 0 },
    ]);
    assert.deepEqual(runLabels(noisy), ['U', 'O', 'C', 'O']);
  });

  // A couplet (beats 3-4), a run of 3 (7-9) and a run of 7 (12-18).
  const REF = '..VV..VVV..VVVVVVV......';

  it('identical files: every couplet, short and long run found, nothing false', () => {
    const r = compareRuns(seq(REF), seq(REF), FS, 3000, opts);
    for (const s of [r.ve.couplet, r.ve.short, r.ve.long]) {
      assert.deepEqual([s.tpSe, s.fn, s.tpPpv, s.fp, s.se, s.ppv], [1, 0, 1, 0, 1, 1]);
    }
    assert.equal(r.sve.couplet.se, null);
  });

  it('each run is judged by the longest run of the other file in its window, lengths capped at 6', () => {
    // Test: a single V for the couplet, 2 for the run of 3, 5 for the run of 7, and a couplet of its own.
    const test = '...V..VV...VVVVV.....VV.';
    const r = compareRuns(seq(REF), seq(test), FS, 3000, opts);
    assert.equal(r.ve.seMatrix[2]![1], 1);
    assert.equal(r.ve.seMatrix[3]![2], 1);
    assert.equal(r.ve.seMatrix[6]![5], 1);
    assert.deepEqual([r.ve.couplet.se, r.ve.short.se, r.ve.long.se], [0, 0, 0]);
    // +P: the window is the test run's: the test couplet sees 2 of the reference run of 3 (a
    // true couplet), the extra couplet nothing (false); the test run of 5 sees 5 of the
    // reference run of 7 (a true short run); no test long run.
    assert.equal(r.ve.ppvMatrix[2]![2], 1);
    assert.equal(r.ve.ppvMatrix[0]![2], 1);
    assert.equal(r.ve.ppvMatrix[5]![5], 1);
    assert.deepEqual([r.ve.couplet.tpPpv, r.ve.couplet.fp, r.ve.short.ppv, r.ve.long.ppv], [1, 1, 1, null]);
  });

  it('an S beat ends a VE run; VF counts as a long VE run', () => {
    const vf = ann([[100, 'N'], [200, 'N'], [300, '['], [900, ']'], [1000, 'N'], [1100, 'N']]);
    const test = seq('...VVVVVV.V');
    const r = compareRuns(vf, test, FS, 2000, opts);
    assert.deepEqual([r.ve.long.tpSe, r.ve.long.fn], [1, 0], 'the reference VF is found by a test run of 6');
    assert.deepEqual([r.ve.long.tpPpv, r.ve.long.fp], [1, 0], 'the test run of 6 lies in the reference VF');
    // Two runs of 3 split by an APC, not one of 7.
    const s = compareRuns(seq('....VVVAVVV....'), seq('....VVVAVVV....'), FS, 2000, opts);
    assert.deepEqual([s.ve.short.tpSe, s.ve.short.fn, s.ve.long.tpSe + s.ve.long.fn], [2, 0, 0]);
  });

  it('SVE runs: S beats, and AF as a long run (N beats inside it are S)', () => {
    const ref = seq('..AA...AAA.........', [[750, '+', '(AFIB'], [1850, '+', '(N']]);
    const test = seq('..AA...............', [[760, '+', '(AFIB'], [1850, '+', '(N']]);
    const r = compareRuns(ref, test, FS, 3000, opts);
    assert.deepEqual([r.sve.couplet.tpSe, r.sve.couplet.fn, r.sve.couplet.tpPpv, r.sve.couplet.fp], [1, 0, 1, 0]);
    assert.deepEqual([r.sve.long.tpSe, r.sve.long.fn, r.sve.long.tpPpv, r.sve.long.fp], [1, 0, 1, 0], 'the AF (with the APCs inside it) is one long run');
    const noAf = compareRuns(ref, seq('..AA...............'), FS, 3000, opts);
    assert.deepEqual([noAf.sve.long.tpSe, noAf.sve.long.fn], [0, 1], 'missing the AF misses a long SVE run');
    assert.equal(r.ve.couplet.se, null);
  });

  it('runs in the learning period (before startS) are not scored; the matrices add up over records', () => {
    const a = compareRuns(seq(REF), seq('.'.repeat(REF.length)), FS, 3000, { startS: 10 });
    assert.deepEqual([a.ve.long.tpSe, a.ve.long.fn, a.ve.couplet.fn, a.ve.short.fn], [0, 1, 0, 0]);
    const b = compareRuns(seq(REF), seq(REF), FS, 3000, opts);
    const g = aggregateRuns([a, b], 've');
    assert.deepEqual([g.long.tpSe, g.long.fn, g.long.se], [1, 1, 0.5]);
  });

  it('a run still open at the end of the annotation file is counted (rxr 2020: closed as if by a Q beat)', () => {
    const t = seq('....VV');
    const r = compareRuns(t, t, FS, 1000, opts);
    assert.deepEqual([r.ve.couplet.tpSe, r.ve.couplet.fn, r.ve.couplet.tpPpv, r.ve.couplet.fp], [1, 0, 1, 0], 'the couplet at the end is found, both ways');
  });
});
