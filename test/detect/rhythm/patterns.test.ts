/** Ectopy patterns and the annotation timeline, from hand-made labelled beat sequences. */
import assert from 'node:assert/strict';
import { RhythmMonitor, rhythmAnnotations, type RhythmEvent } from '../../../src/detect/rhythm/index.ts';
import type { Beat } from '../../../src/ecg/types.ts';
import { AnnotationCode } from '../../../src/wfdb/codes.ts';
import { episodes } from './support.ts';

const FS = 250;

function beat(sample: number, rrPrevS: number | null, label: string): Beat {
  return { sample, lead: 0, rrPrevS, rrNextS: null, rrLocalS: 0.8, rrRunningS: 0.8, qrsWidthS: label === 'V' ? 0.14 : 0.08, amplitudeMv: 1, quality: 1, morphology: new Float32Array(0), label };
}

/** Feed a label pattern (one letter per beat), coupling 0.5 s before a V and 0.9 s otherwise. */
function feed(pattern: string): RhythmEvent[] {
  const mon = new RhythmMonitor({ sampleRate: FS });
  const events: RhythmEvent[] = [];
  let t = FS;
  let prev = -1;
  for (const l of pattern) {
    t += Math.round((l === 'V' ? 0.5 : 0.9) * FS);
    mon.onBeats([beat(t, prev < 0 ? null : (t - prev) / FS, l)]);
    mon.advance(t + FS / 2);
    events.push(...mon.drain());
    prev = t;
  }
  events.push(...mon.finish(t + FS));
  return events;
}

describe('ventricular ectopy patterns', () => {
  it('bigeminy after 4 N-V cycles, ended by two normal beats', () => {
    const ev = feed('NNNN' + 'NV'.repeat(8) + 'NNNNNN');
    const e = episodes(ev, 'bigeminy');
    assert.equal(e.length, 1);
    assert.equal(episodes(ev, 'trigeminy').length, 0);
  });

  it('the cycle count includes the first N-V (N-N-V) after sinus: exactly 4 (3) cycles make bigeminy (trigeminy), one fewer does not', () => {
    assert.equal(episodes(feed('NNNN' + 'NV'.repeat(4) + 'NNNN'), 'bigeminy').length, 1);
    assert.equal(episodes(feed('NNNN' + 'NV'.repeat(3) + 'NNNN'), 'bigeminy').length, 0);
    assert.equal(episodes(feed('NNN' + 'NNV'.repeat(3) + 'NNNN'), 'trigeminy').length, 1);
    assert.equal(episodes(feed('NNN' + 'NNV'.repeat(2) + 'NNNN'), 'trigeminy').length, 0);
    // After a couplet the next N-V starts a new count.
    assert.equal(episodes(feed('NNNN' + 'NVV' + 'NV'.repeat(3) + 'NNNN'), 'bigeminy').length, 0);
    assert.equal(episodes(feed('NNNN' + 'NVV' + 'NV'.repeat(4) + 'NNNN'), 'bigeminy').length, 1);
  });

  it('trigeminy after 3 N-N-V cycles', () => {
    const ev = feed('NNN' + 'NNV'.repeat(6) + 'NNNN');
    assert.equal(episodes(ev, 'trigeminy').length, 1);
    assert.equal(episodes(ev, 'bigeminy').length, 0);
  });

  it('a couplet is a couplet, three in a row a PVC run, five at 120 bpm VTach', () => {
    assert.equal(episodes(feed('NNNNVVNNNN'), 'couplet').length, 1);
    const run = feed('NNNNVVVNNNN');
    assert.equal(episodes(run, 'vrun').length, 1);
    assert.equal(episodes(run, 'couplet').length, 0);
    const vt = feed('NNNNVVVVVVNNNN');
    assert.equal(episodes(vt, 'vtach').length, 1);
  });

  it('PVCs per minute above the limit', () => {
    assert.ok(episodes(feed('NNV'.repeat(30)), 'pvc-high').length >= 1);
    assert.equal(episodes(feed('NNNNNNNNV'.repeat(6)), 'pvc-high').length, 0);
  });

  it('a Q beat breaks a run', () => {
    assert.equal(episodes(feed('NNVVQVVNN'), 'vrun').length, 0);
  });
});

describe('rhythmAnnotations', () => {
  const ev = (condition: RhythmEvent['condition'], phase: RhythmEvent['phase'], sample: number): RhythmEvent => ({ condition, phase, sample, detectedAtSample: sample });

  it('nests VT inside AF as (AFIB (VT (AFIB, back to (N, and marks VF with [ ]', () => {
    const a = rhythmAnnotations([ev('afib', 'onset', 100), ev('vtach', 'onset', 200), ev('vtach', 'offset', 300), ev('afib', 'offset', 400), ev('vfib', 'onset', 500), ev('vfib', 'offset', 600), ev('couplet', 'onset', 700), ev('couplet', 'offset', 710)]);
    const rhythm = a.filter((x) => x.code === AnnotationCode.RHYTHM).map((x) => [x.sample, x.aux]);
    assert.deepEqual(rhythm, [[0, '(N'], [100, '(AFIB'], [200, '(VT'], [300, '(AFIB'], [400, '(N'], [500, '(VFL'], [600, '(N']]);
    assert.deepEqual(a.filter((x) => x.code === AnnotationCode.VFON || x.code === AnnotationCode.VFOFF).map((x) => x.sample), [500, 600]);
  });

  it('writes nothing without labelled conditions', () => {
    assert.deepEqual(rhythmAnnotations([ev('couplet', 'onset', 5), ev('couplet', 'offset', 9)]), []);
  });
});
