/**
 * "Cannot analyze ECG": a stretch of low-quality beats raises the noise technical condition at
 * once and suspends the medium/low arrhythmia onsets (bigeminy, HR limits, couplets ...) while
 * it holds; the high-priority ones are never suspended. Hand-made beat sequences, each run
 * twice: with the beats' quality low and with it good (the control, where the arrhythmia
 * condition must appear).
 */
import assert from 'node:assert/strict';
import { ConditionTracker, SUSPENDED_IN_NOISE } from '../../../src/detect/rhythm/events.ts';
import { episodes, feedSteps, steps as stepsOf, type Step } from './support.ts';
import { mulberry32 } from '../../support/prng.ts';

const FS = 250;
const feed = feedSteps;
const steps = (n: number, rr: number, label: string, quality: number): Step[] => stepsOf(n, rr, label, { quality });
const bigeminy = (quality: number): Step[] => Array.from({ length: 24 }, (_, i) => (i % 2 ? { rr: 0.5, label: 'V', quality } : { rr: 1.1, label: 'N', quality }));

describe('rhythm: arrhythmia analysis suspended while the ECG is noisy', () => {
  it('low-quality beats raise the noise condition at once and no bigeminy onset while it holds; good beats end it', () => {
    const noisy = feed([...steps(30, 0.8, 'N', 1), ...bigeminy(0.1), ...steps(30, 0.8, 'N', 1)]);
    const noise = episodes(noisy, 'noise');
    assert.equal(noise.length, 1);
    assert.equal(episodes(noisy, 'bigeminy').length, 0);
    // Onset on the 5th low-quality beat; offset after 16 good ones (the 16th of the last 30).
    const firstLow = Math.round(FS * (1 + 30 * 0.8));
    assert.ok(noise[0]!.start > firstLow && noise[0]!.start < firstLow + Math.round(5 * FS), `noise from ${noise[0]!.start}`);
    assert.ok(noise[0]!.end !== null && noise[0]!.end < Math.round(FS * (1 + 30 * 0.8 + 12 * 1.6 + 20 * 0.8)), `noise until ${noise[0]!.end}`);
    const clean = feed([...steps(30, 0.8, 'N', 1), ...bigeminy(1), ...steps(30, 0.8, 'N', 1)]);
    assert.equal(episodes(clean, 'noise').length, 0);
    assert.equal(episodes(clean, 'bigeminy').length, 1, 'control: the same beats of good quality are bigeminy');
  });

  it('no HR High from a fast "rhythm" of low-quality detections', () => {
    const noisy = feed([...steps(20, 0.8, 'N', 1), ...steps(30, 0.4, 'N', 0.1)]);
    assert.equal(episodes(noisy, 'hr-high').length, 0);
    const clean = feed([...steps(20, 0.8, 'N', 1), ...steps(30, 0.4, 'N', 1)]);
    assert.equal(episodes(clean, 'hr-high').length, 1, 'control: 150 bpm of good beats is HR High');
  });

  it('VTach is never suspended: a fast regular V run alarms in noise too', () => {
    const ev = feed([...steps(20, 0.8, 'N', 1), ...steps(8, 0.8, 'N', 0.1), ...steps(8, 0.35, 'V', 0.1), ...steps(10, 0.8, 'N', 1)]);
    assert.equal(episodes(ev, 'noise').length, 1);
    assert.equal(episodes(ev, 'vtach').length, 1);
  });

  it('an AF in progress stays one episode through a noisy stretch (its intervals neither end nor start AF)', () => {
    const rnd = mulberry32(7);
    const af = (n: number, quality: number): Step[] => Array.from({ length: n }, () => ({ rr: 0.45 + 0.5 * rnd(), label: 'N', quality }));
    // The noise: low-quality detections at a steady 0.5 s (regular: judged, they would end the AF).
    const ev = feed([...steps(20, 0.8, 'N', 1), ...af(120, 1), ...steps(40, 0.5, 'N', 0.1), ...af(60, 1)]);
    assert.equal(episodes(ev, 'noise').length, 1);
    assert.equal(episodes(ev, 'afib').length, 1, JSON.stringify(episodes(ev, 'afib')));
  });

  it('the tracker drops only the suspended conditions\' onsets while suspended', () => {
    const t = new ConditionTracker();
    t.suspended = true;
    for (const id of SUSPENDED_IN_NOISE) assert.equal(t.onset(id, 10, 10), false, id);
    assert.deepEqual([...SUSPENDED_IN_NOISE].sort(), ['afib', 'bigeminy', 'couplet', 'hr-high', 'hr-low', 'pause', 'pvc-high', 'trigeminy', 'vrun']);
    for (const id of ['asystole', 'vfib', 'vtach', 'extreme-tachy', 'extreme-brady', 'noise', 'lead-off'] as const) assert.equal(t.onset(id, 10, 10), true, id);
    t.suspended = false;
    assert.equal(t.onset('couplet', 20, 20), true);
  });
});
