import assert from 'node:assert/strict';
import { compareBeats, type BxbResult } from '../../src/eval/bxb.ts';
import { aggregate, meanDefined, PACED_RECORDS, pacedStats } from '../../src/eval/stats.ts';
import { ann, beats } from './support.ts';

const FS = 360;

/** One record: `n` reference beats 1 s apart, the test missing `missed` of them, plus `extra` FP. */
function record(name: string, n: number, missed: number, extra: number, symbol = 'N', testSymbol = symbol): BxbResult {
  const ref = beats(Array.from({ length: n }, (_, i) => 1000 + i * FS), symbol);
  const hit = beats(Array.from({ length: n - missed }, (_, i) => 1000 + i * FS), testSymbol);
  const fp = beats(Array.from({ length: extra }, (_, i) => 1000 + i * FS + FS / 2), 'N');
  return compareBeats({ record: name, reference: ann(ref), test: ann([...hit, ...fp]), fs: FS, lengthSamples: 1000 + (n + 1) * FS }, { startS: 0 });
}

describe('eval/stats: gross and average aggregates', () => {
  it('paced-beat figures: reference /, f and Q against test calls of class Q, misses and extras counted', () => {
    // 10 paced beats, 8 found as '/', 1 found as V, 1 missed; 2 extra detections, one called '/'.
    const ref = beats(Array.from({ length: 10 }, (_, i) => 1000 + i * FS), '/');
    const test = [
      ...beats(Array.from({ length: 8 }, (_, i) => 1000 + i * FS), '/'),
      ...beats([1000 + 8 * FS], 'V'),
      ...beats([1000 + 3.5 * FS], '/'),
      ...beats([1000 + 5.5 * FS], 'N'),
    ].sort((a, b) => a[0] - b[0]);
    const r = compareBeats({ record: '102', reference: ann(ref), test: ann(test), fs: FS, lengthSamples: 1000 + 11 * FS }, { startS: 0 });
    const p = pacedStats(r.matrix);
    assert.deepEqual([p.tp, p.fn, p.fp], [8, 2, 1]);
    assert.equal(p.se, 0.8);
    assert.equal(p.ppv, 8 / 9);
  });

  it('gross pools counts; average is the mean of per-record figures', () => {
    const a = record('a', 10, 1, 0); // Se 0.9, +P 1
    const b = record('b', 2, 1, 1); //  Se 0.5, +P 0.5
    const agg = aggregate([a, b]);
    assert.equal(agg.records, 2);
    assert.deepEqual([agg.gross.qrs.tp, agg.gross.qrs.fn, agg.gross.qrs.fp], [10, 2, 1]);
    assert.equal(agg.gross.qrs.se, 10 / 12);
    assert.equal(agg.gross.qrs.ppv, 10 / 11);
    assert.equal(agg.average.qrs.se, (0.9 + 0.5) / 2);
    assert.equal(agg.average.qrs.ppv, (1 + 0.5) / 2);
    assert.equal(agg.average.qrs.seRecords, 2);
  });

  it('averages only over records where a figure is defined', () => {
    const v = record('v', 4, 2, 0, 'V'); // VEB Se 0.5, +P 1
    const n = record('n', 4, 0, 0, 'N'); // VEB undefined both ways
    const agg = aggregate([v, n]);
    assert.equal(n.veb.se, null);
    assert.equal(agg.average.veb.se, 0.5);
    assert.equal(agg.average.veb.seRecords, 1);
    assert.equal(agg.average.veb.ppv, 1);
    assert.equal(meanDefined([null, null]), null);
  });

  it('paced records count for QRS detection but not for VEB/SVEB', () => {
    assert.deepEqual(PACED_RECORDS, ['102', '104', '107', '217']);
    const good = record('100', 5, 0, 0, 'V'); // perfect VEB
    const paced = record('102', 5, 0, 0, 'V', 'N'); // every V called N: VEB Se 0
    const agg = aggregate([good, paced]);
    assert.equal(paced.veb.se, 0);
    assert.deepEqual(agg.pacedExcluded, ['102']);
    assert.equal(agg.gross.qrs.tp, 10);
    assert.equal(agg.gross.veb.tp + agg.gross.veb.fn, 5);
    assert.equal(agg.gross.veb.se, 1);
    assert.equal(agg.average.veb.se, 1);
    assert.equal(agg.average.qrs.se, 1);
    // The same two records with no paced list: the paced record drags VEB down.
    const all = aggregate([good, paced], []);
    assert.equal(all.gross.veb.se, 0.5);
    assert.equal(all.average.veb.se, 0.5);
  });
});
