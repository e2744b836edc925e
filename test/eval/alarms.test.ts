import assert from 'node:assert/strict';
import { aggregateAlarms, scoreAlarms } from '../../src/eval/alarms.ts';
import { annotationSet } from '../../src/wfdb/annotations.ts';
import { AnnotationCode } from '../../src/wfdb/codes.ts';

const FS = 100;
const rhythm = (sample: number, aux: string) => ({ sample, code: AnnotationCode.RHYTHM, aux });
const alarm = (sample: number, condition: string) => ({ sample, code: AnnotationCode.NOTE, aux: `ALARM ${condition}` });

describe('high-priority alarm scoring', () => {
  const reference = annotationSet([rhythm(0, '(N'), rhythm(40_000, '(VT'), rhythm(41_000, '(N')]);
  const length = 100 * 3600; // one hour

  it('an alarm overlapping a reference episode of its rhythm (within 2 s) is true, others false; the learning period is ignored', () => {
    const test = annotationSet([alarm(10_000, 'vtach'), alarm(40_900, 'vtach'), alarm(41_150, 'vtach'), alarm(60_000, 'vtach'), alarm(70_000, 'asystole')]);
    const r = scoreAlarms(reference, test, FS, length);
    const vt = r.byCondition.find((c) => c.condition === 'vtach');
    // 10 000 is inside the first 300 s (30 000 samples): not counted.
    assert.equal(vt?.total, 3);
    assert.equal(vt?.falseAlarms, 1, '41 150 is 1.5 s after the episode: true; 60 000 is false');
    assert.deepEqual(vt?.falseAt, [60_000]);
    assert.equal(vt?.referenceHasRhythm, true);
    const asys = r.byCondition.find((c) => c.condition === 'asystole');
    assert.equal(asys?.falseAlarms, 1);
    assert.equal(asys?.referenceHasRhythm, false);
    assert.ok(Math.abs(r.hours - (length - 30_000) / FS / 3600) < 1e-9);
  });

  it('aggregates false alarms per hour, separately over records without the rhythm', () => {
    const a = scoreAlarms(reference, annotationSet([alarm(60_000, 'vtach')]), FS, length);
    const b = scoreAlarms(annotationSet([rhythm(0, '(N')]), annotationSet([alarm(60_000, 'vtach'), alarm(70_000, 'vtach')]), FS, length);
    const agg = aggregateAlarms([a, b]).find((x) => x.condition === 'vtach');
    assert.equal(agg?.falseAlarms, 3);
    assert.equal(agg?.withoutRhythm.records, 1);
    assert.equal(agg?.withoutRhythm.falseAlarms, 2);
    assert.ok(agg?.withoutRhythm.falsePerHour !== null && Math.abs((agg?.withoutRhythm.falsePerHour ?? 0) - 2 / b.hours) < 1e-9);
  });

  it('episodes alarmed: a VTach episode counts only with >= 5 reference V beats; an alarm within 2 s of it covers it', () => {
    const beat = (sample: number, code: number) => ({ sample, code, aux: null });
    const vRun = (from: number, n: number) => Array.from({ length: n }, (_, i) => beat(from + i * 40, AnnotationCode.PVC));
    const ref = annotationSet([
      rhythm(0, '(N'),
      rhythm(40_000, '(VT'), ...vRun(40_010, 6), rhythm(40_300, '(N'), // 6 V: a VTach episode, alarmed
      rhythm(50_000, '(VT'), ...vRun(50_010, 3), rhythm(50_150, '(N'), // 3 V: a run, not counted
      rhythm(60_000, '(VT'), ...vRun(60_010, 5), rhythm(60_250, '(N'), // 5 V: counted, not alarmed
    ].sort((x, y) => x.sample - y.sample));
    const r = scoreAlarms(ref, annotationSet([alarm(40_450, 'vtach'), alarm(50_050, 'vtach')]), FS, length);
    const vt = r.byCondition.find((c) => c.condition === 'vtach');
    assert.equal(vt?.episodes, 2);
    assert.equal(vt?.episodesAlarmed, 1);
    assert.equal(vt?.falseAlarms, 0, 'the alarm on the 3-beat run is not false: mitdb calls it (VT');
    const agg = aggregateAlarms([r, r]).find((x) => x.condition === 'vtach');
    assert.equal(agg?.episodes, 4);
    assert.equal(agg?.episodesAlarmed, 2);
  });

  it('episodes at the alarm\'s rate: V beats 0.4 s apart (150/min) count, 0.8 s apart (75/min) do not', () => {
    const beat = (sample: number, code: number) => ({ sample, code, aux: null });
    const vRun = (from: number, n: number, every: number) => Array.from({ length: n }, (_, i) => beat(from + i * every, AnnotationCode.PVC));
    const ref = annotationSet([
      rhythm(0, '(N'),
      rhythm(40_000, '(VT'), ...vRun(40_010, 6, 40), rhythm(40_300, '(N'), // 150/min, alarmed
      rhythm(60_000, '(VT'), ...vRun(60_010, 6, 80), rhythm(60_500, '(N'), // 75/min: a slow run, alarmed or not it is no VTach episode
    ].sort((x, y) => x.sample - y.sample));
    const r = scoreAlarms(ref, annotationSet([alarm(40_450, 'vtach')]), FS, length);
    const vt = r.byCondition.find((c) => c.condition === 'vtach');
    assert.deepEqual([vt?.episodes, vt?.episodesAlarmed, vt?.fastEpisodes, vt?.fastEpisodesAlarmed], [2, 1, 1, 1]);
    const agg = aggregateAlarms([r]).find((x) => x.condition === 'vtach');
    assert.deepEqual([agg?.fastEpisodes, agg?.fastEpisodesAlarmed], [1, 1]);
  });

  it('one VF event marked under two labels ("[" "]" and "(VFL") is one episode: one alarm covers it, 1/1', () => {
    const ref = annotationSet([
      rhythm(0, '(N'), { sample: 40_000, code: AnnotationCode.VFON }, rhythm(40_000, '(VFL'), { sample: 45_000, code: AnnotationCode.VFOFF }, rhythm(45_000, '(N'),
    ]);
    const r = scoreAlarms(ref, annotationSet([alarm(40_500, 'vfib')]), FS, length);
    const vf = r.byCondition.find((c) => c.condition === 'vfib');
    assert.deepEqual([vf?.episodes, vf?.episodesAlarmed, vf?.falseAlarms], [1, 1, 0]);
  });
});
