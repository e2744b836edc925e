import assert from 'node:assert/strict';
import { aggregateEpisodes, compareEpisodes, extractEpisodes, rhythmLabel, scoreEpisodes, type Episode } from '../../src/eval/epicmp.ts';
import { ann } from './support.ts';

const FS = 100;

describe('eval/epicmp: episodes', () => {
  it('reads rhythm labels from aux', () => {
    assert.equal(rhythmLabel('(AFIB'), 'AFIB');
    assert.equal(rhythmLabel('(N'), 'N');
    assert.equal(rhythmLabel('note'), null);
    assert.equal(rhythmLabel('('), null);
    assert.equal(rhythmLabel(null), null);
  });

  it('an episode runs to the next different rhythm label or the end; VF from [ and ]', () => {
    const set = ann([
      [0, '+', '(N'], [1000, '+', '(AFIB'], [2000, '+', '(AFIB'], [3000, '+', '(N'],
      [5000, '+', '(AFIB'], [6000, '['], [6500, ']'], [7000, '['],
    ]);
    assert.deepEqual(extractEpisodes(set, 8000), [
      { label: 'N', start: 0, end: 1000 },
      { label: 'AFIB', start: 1000, end: 3000 },
      { label: 'N', start: 3000, end: 5000 },
      { label: 'AFIB', start: 5000, end: 8000 },
      { label: 'VF', start: 6000, end: 6500 },
      { label: 'VF', start: 7000, end: 8000 },
    ]);
  });

  const ref: Episode[] = [
    { label: 'AFIB', start: 1000, end: 3000 },
    { label: 'AFIB', start: 5000, end: 8000 },
    { label: 'N', start: 0, end: 1000 },
  ];
  const test: Episode[] = [
    { label: 'AFIB', start: 2000, end: 4000 },
    { label: 'AFIB', start: 9000, end: 9500 },
  ];

  it('episode and duration Se/+P from overlaps', () => {
    const s = compareEpisodes(ref, test, 'AFIB', FS, 10_000, { startS: 0 });
    assert.deepEqual([s.refEpisodes, s.testEpisodes, s.refDetected, s.testTrue], [2, 2, 1, 1]);
    assert.equal(s.se, 0.5);
    assert.equal(s.ppv, 0.5);
    assert.equal(s.overlapS, 10);
    assert.equal(s.refDurationS, 50);
    assert.equal(s.testDurationS, 25);
    assert.equal(s.durationSe, 10 / 50);
    assert.equal(s.durationPpv, 10 / 25);
  });

  it('touching episodes do not overlap; a label with no episodes is undefined', () => {
    const s = compareEpisodes([{ label: 'VT', start: 0, end: 100 }], [{ label: 'VT', start: 100, end: 200 }], 'VT', FS, 1000, { startS: 0 });
    assert.deepEqual([s.refDetected, s.testTrue, s.se, s.ppv], [0, 0, 0, 0]);
    const none = compareEpisodes(ref, test, 'VFL', FS, 10_000, { startS: 0 });
    assert.deepEqual([none.se, none.ppv, none.durationSe, none.durationPpv], [null, null, null, null]);
  });

  it('episodes are clipped to the comparison interval (default start 300 s)', () => {
    const late = compareEpisodes(ref, test, 'AFIB', 1, 10_000); // fs 1: start = sample 300
    assert.equal(late.refDurationS, 2000 + 3000); // both ref episodes start after 300
    const s = compareEpisodes(ref, test, 'AFIB', FS, 10_000, { startS: 25, endS: 90 });
    // ref: [2500,3000) and [5000,8000); test: [2500,4000); [9000,9500) is outside.
    assert.deepEqual([s.refEpisodes, s.testEpisodes, s.refDetected, s.testTrue], [2, 1, 1, 1]);
    assert.equal(s.overlapS, 5);
  });

  it('scores annotation sets per label, and aggregates gross vs average', () => {
    const r1 = ann([[0, '+', '(N'], [1000, '+', '(AFIB'], [2000, '+', '(N']]);
    const t1 = ann([[0, '+', '(N'], [1500, '+', '(AFIB'], [2500, '+', '(N']]);
    const r2 = ann([[0, '+', '(AFIB'], [4000, '+', '(N']]);
    const t2 = ann([[0, '+', '(N']]);
    const s1 = scoreEpisodes(r1, t1, FS, 5000, { startS: 0, labels: ['AFIB'] });
    const s2 = scoreEpisodes(r2, t2, FS, 5000, { startS: 0, labels: ['AFIB'] });
    assert.equal(s1.length, 1);
    assert.equal(s1[0]!.durationSe, 0.5);
    assert.equal(s2[0]!.se, 0);
    assert.equal(s2[0]!.ppv, null);
    const agg = aggregateEpisodes([...s1, ...s2], 'AFIB');
    assert.deepEqual([agg.gross.refEpisodes, agg.gross.refDetected], [2, 1]);
    assert.equal(agg.gross.se, 0.5);
    assert.equal(agg.gross.durationSe, 5 / 50);
    assert.equal(agg.average.se, 0.5);
    assert.equal(agg.average.durationSe, 0.25);
    assert.equal(agg.average.ppv, 1); // only record 1 has test episodes
  });

  describe('AF +P leaves out reference atrial flutter (EC57, epicmp find_exclusions)', () => {
    const afl: Episode[] = [{ label: 'AFL', start: 2000, end: 4000 }];
    const refAf: Episode[] = [{ label: 'AFIB', start: 0, end: 1000 }, { label: 'AFIB', start: 6000, end: 8000 }];

    it('a test AF episode wholly inside flutter is not counted; sensitivity is untouched', () => {
      const s = compareEpisodes(refAf, [{ label: 'AFIB', start: 2500, end: 3500 }], 'AFIB', FS, 10_000, { startS: 0, exclude: afl });
      assert.deepEqual([s.testEpisodes, s.testTrue, s.testExcluded, s.ppv, s.refDetected], [0, 0, 1, null, 0]);
      assert.equal(s.excludedS, 10);
      const plain = compareEpisodes(refAf, [{ label: 'AFIB', start: 2500, end: 3500 }], 'AFIB', FS, 10_000, { startS: 0 });
      assert.deepEqual([plain.testEpisodes, plain.testTrue, plain.ppv], [1, 0, 0]);
    });

    it('an episode reaching past the flutter is judged on what is left: true if that overlaps AF', () => {
      // [1500, 7000): flutter [2000, 4000) inside it is subtracted; the rest overlaps AF [6000, 8000).
      const s = compareEpisodes(refAf, [{ label: 'AFIB', start: 1500, end: 7000 }], 'AFIB', FS, 10_000, { startS: 0, exclude: afl });
      assert.deepEqual([s.testEpisodes, s.testTrue, s.testExcluded], [1, 1, 0]);
      assert.equal(s.testDurationS, 35);
      assert.equal(s.excludedS, 20);
      assert.equal(s.durationPpv, 10 / 35);
    });

    it('a start inside the flutter is moved to its end, an end inside it to its start; a sliver left over is still false', () => {
      const late = compareEpisodes(refAf, [{ label: 'AFIB', start: 3000, end: 4500 }], 'AFIB', FS, 10_000, { startS: 0, exclude: afl });
      assert.deepEqual([late.testEpisodes, late.testTrue, late.testDurationS, late.excludedS], [1, 0, 5, 10]);
      const early = compareEpisodes(refAf, [{ label: 'AFIB', start: 1900, end: 3000 }], 'AFIB', FS, 10_000, { startS: 0, exclude: afl });
      assert.deepEqual([early.testEpisodes, early.testTrue, early.testDurationS, early.excludedS], [1, 0, 1, 10]);
    });

    it('scoreEpisodes counts AF inside reference flutter by default (EC57, epicmp default); exclusions on request (EC38:1998, epicmp -x)', () => {
      const r = ann([[0, '+', '(N'], [1000, '+', '(AFL'], [3000, '+', '(AFIB'], [4000, '+', '(N']]);
      const t = ann([[0, '+', '(N'], [1200, '+', '(AFIB'], [2000, '+', '(N'], [3100, '+', '(AFIB'], [3500, '+', '(N']]);
      const [on] = scoreEpisodes(r, t, FS, 5000, { startS: 0, labels: ['AFIB'], exclusions: true });
      assert.deepEqual([on!.testEpisodes, on!.testTrue, on!.testExcluded, on!.ppv], [1, 1, 1, 1]);
      const [off] = scoreEpisodes(r, t, FS, 5000, { startS: 0, labels: ['AFIB'] });
      assert.deepEqual([off!.testEpisodes, off!.testTrue, off!.testExcluded, off!.ppv], [2, 1, 0, 0.5]);
      const agg = aggregateEpisodes([on!], 'AFIB');
      assert.deepEqual([agg.gross.testExcluded, agg.gross.excludedS], [1, 8]);
    });
  });

  it('one event marked both with [ ] and a "(VF" rhythm label is one VF episode, not two', () => {
    const r = ann([[0, '+', '(N'], [1000, '[', ''], [1000, '+', '(VF'], [2000, ']', ''], [2000, '+', '(N']]);
    const eps = extractEpisodes(r, 5000).filter((e) => e.label === 'VF');
    assert.deepEqual(eps.map((e) => [e.start, e.end]), [[1000, 2000]]);
  });
});
