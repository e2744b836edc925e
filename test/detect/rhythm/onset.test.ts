/**
 * VTach needs a sudden onset (ICD "Onset" discriminator) and regular intervals ("Stability"),
 * runs continue across one beat, and
 * the adaptive stage's shape facts (BeatShape) feed the run rules: hand-made beat sequences.
 */
import assert from 'node:assert/strict';
import type { BeatShape } from '../../../src/detect/adapt.ts';
import { episodes, feedSteps, steps, type Step } from './support.ts';

const beats = steps;
const feed = feedSteps;

describe('rhythm: VTach onset and the adaptive stage\'s shapes', () => {
  it('a run at 150 bpm or faster is VTach even after a sinus tachycardia (onset test bypassed)', () => {
    // 140 bpm sinus, then V at 160 bpm: RR ratio 0.875 > 0.81, but too fast to wait on a discriminator.
    const ev = feed([...beats(10, 60 / 140, 'N'), ...beats(6, 60 / 160, 'V'), ...beats(6, 60 / 140, 'N')]);
    assert.equal(episodes(ev, 'vtach').length, 1);
  });

  it('a run of V as fast as the rhythm before it (no sudden onset) is Run PVCs, not VTach', () => {
    const ev = feed([...beats(10, 0.5, 'N'), ...beats(6, 0.5, 'V'), ...beats(6, 0.5, 'N')]);
    assert.equal(episodes(ev, 'vtach').length, 0);
    assert.equal(episodes(ev, 'vrun').length, 1);
  });

  it('the same run after a slower rhythm alarms VTach', () => {
    const ev = feed([...beats(10, 0.8, 'N'), ...beats(6, 0.5, 'V'), ...beats(6, 0.8, 'N')]);
    assert.equal(episodes(ev, 'vtach').length, 1);
  });

  it('a run resuming right after a sudden run keeps its verdict, one after a gradual run too', () => {
    const sudden = feed([...beats(10, 0.8, 'N'), ...beats(6, 0.4, 'V'), { rr: 0.45, label: 'N' }, ...beats(6, 0.4, 'V'), ...beats(6, 0.8, 'N')]);
    assert.equal(episodes(sudden, 'vtach').length, 2);
    const gradual = feed([...beats(10, 0.45, 'N'), ...beats(4, 0.42, 'V'), { rr: 0.45, label: 'N' }, ...beats(6, 0.4, 'V'), ...beats(6, 0.8, 'N')]);
    assert.equal(episodes(gradual, 'vtach').length, 0);
    assert.equal(episodes(gradual, 'vrun').length, 2);
  });

  it('beats of the ventricular family count in a run whatever their label', () => {
    const pvcShape: BeatShape = { dominant: false, ventricularFamily: true, pacedFamily: false };
    const run = [{ rr: 0.45, label: 'V' }, { rr: 0.45, label: 'N', wide: true, shape: pvcShape }, { rr: 0.45, label: 'S', wide: true, shape: pvcShape }];
    const ev = feed([...beats(10, 0.8, 'N'), ...run, ...beats(6, 0.8, 'N')]);
    assert.equal(episodes(ev, 'vrun').length, 1);
    const plain = feed([...beats(10, 0.8, 'N'), ...run.map((s) => ({ rr: s.rr, label: s.label, wide: true })), ...beats(6, 0.8, 'N')]);
    assert.equal(episodes(plain, 'vrun').length, 0, 'without the shape facts two beats are not a run');
  });

  it('a fast run of a new shape is VT by the conducted-beat backstop, unless it is the patient\'s dominant shape', () => {
    const lead = [...beats(30, 0.8, 'N')];
    const fast = (shape?: BeatShape): Step[] => beats(8, 0.45, 'N', { wide: true, ...(shape ? { shape } : {}) });
    assert.equal(episodes(feed([...lead, ...fast(), ...beats(6, 0.8, 'N')]), 'vtach').length, 1);
    const dominant: BeatShape = { dominant: true, ventricularFamily: false, pacedFamily: false };
    assert.equal(episodes(feed([...lead, ...fast(dominant), ...beats(6, 0.8, 'N')]), 'vtach').length, 0);
  });

  describe('stability: an irregular run below 150 bpm is Run PVCs, not VTach', () => {
    // Intervals of the electrode-motion runs of nstdb 118e00 (median successive change ~1x the cycle).
    const irregular = [0.3, 0.71, 0.25, 0.86, 0.33, 0.7, 0.28].map((rr) => ({ rr, label: 'V' }));
    it('irregular at ~120 bpm: Run PVCs (medium), no VTach', () => {
      const ev = feed([...beats(10, 0.9, 'N'), ...irregular, ...beats(6, 0.9, 'N')]);
      assert.equal(episodes(ev, 'vtach').length, 0);
      assert.equal(episodes(ev, 'vrun').length, 1);
    });
    it('the same mean rate with regular intervals: VTach', () => {
      const mean = irregular.reduce((a, s) => a + s.rr, 0) / irregular.length;
      const ev = feed([...beats(10, 0.9, 'N'), ...beats(irregular.length, mean, 'V'), ...beats(6, 0.9, 'N')]);
      assert.equal(episodes(ev, 'vtach').length, 1);
    });
    it('a long first interval (a PVC, a pause, then VT) is still VTach once the intervals settle', () => {
      // mitdb 205 at 1460 s: 0.95 s, then the VT at ~0.3 s.
      const ev = feed([...beats(10, 0.75, 'N'), { rr: 0.45, label: 'V' }, { rr: 0.95, label: 'V' }, ...[0.57, 0.33, 0.31, 0.27, 0.3, 0.31, 0.3].map((rr) => ({ rr, label: 'V' })), ...beats(6, 0.75, 'N')]);
      assert.equal(episodes(ev, 'vtach').length, 1);
    });
    it('at 150 bpm or faster irregular runs are VTach (not judged: polymorphic VT)', () => {
      const fast = [0.3, 0.45, 0.28, 0.5, 0.3, 0.42, 0.3].map((rr) => ({ rr, label: 'V' }));
      const ev = feed([...beats(10, 0.9, 'N'), ...fast, ...beats(6, 0.9, 'N')]);
      assert.equal(episodes(ev, 'vtach').length, 1);
    });
  });
});
