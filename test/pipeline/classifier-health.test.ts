/**
 * The hub-wide "Beat Classifier Failed" state from every device's labellers, through the real
 * BeatLabeler and the shipped model with failures injected (review 2026-11: the alarm stayed on
 * for good when a failing labeller was replaced at a stream hole, and the first device to recover
 * cleared it for all).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { synthesize } from '../../drivers/synthetic/index.ts';
import { BeatClassifier, BeatLabeler } from '../../src/detect/classifier.ts';
import { EcgEngine, type Beat } from '../../src/ecg/index.ts';
import { ClassifierHealth } from '../../src/pipeline/classifier-health.ts';
import { flakyClassifier } from '../helpers/classifier.ts';
import { repoRoot } from '../helpers/data.ts';

const FS = 250;

/** Engine beats of a synthetic sinus stretch, in 0.5-s pushes: [stream sample, beats]. */
function pushes(durationS: number, seed: number): Array<{ at: number; beats: Beat[] }> {
  const s = synthesize('sinus', { durationS, sampleRate: FS, seed, leads: ['II', 'V1'] });
  const e = new EcgEngine({ sampleRate: FS, leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })) });
  const out: Array<{ at: number; beats: Beat[] }> = [];
  const block = FS / 2;
  for (let off = 0; off < s.length; off += block) {
    e.push(s.data, Math.min(block, s.length - off), off);
    out.push({ at: off + block, beats: e.drainBeats() });
  }
  return out;
}

describe('pipeline/classifier-health', () => {
  let clf: BeatClassifier;
  before(async () => {
    clf = await BeatClassifier.load(path.join(repoRoot, 'models', 'beat-classifier.onnx'));
  });
  after(async () => {
    await clf.close();
  });

  it('a failing labeller replaced at a stream hole: the new one clears the alarm once inference works', async () => {
    const states: boolean[] = [];
    const health = new ClassifierHealth({ onChange: (failing) => states.push(failing) });
    let failing = true;
    const lead = ['II', 'V1'];
    const a1 = new BeatLabeler(flakyClassifier(clf, () => failing), { sampleRate: FS, leadNames: lead, onHealth: health.reporter('ecg-1') });
    for (const p of pushes(20, 1)) await a1.push(p.beats, p.at);
    assert.deepEqual(states, [true], 'failing');
    // The stream hole: the chain (and its labeller) restarts; inference works again.
    failing = false;
    const a2 = new BeatLabeler(flakyClassifier(clf, () => failing), { sampleRate: FS, leadNames: lead, onHealth: health.reporter('ecg-1') });
    for (const p of pushes(20, 2)) await a2.push(p.beats, p.at);
    assert.deepEqual(states, [true, false], 'cleared by the new labeller');
  });

  it('two devices: the alarm holds while either fails', async () => {
    const states: boolean[] = [];
    const health = new ClassifierHealth({ onChange: (failing) => states.push(failing) });
    let failA = true;
    let failB = true;
    const lead = ['II', 'V1'];
    const a = new BeatLabeler(flakyClassifier(clf, () => failA), { sampleRate: FS, leadNames: lead, onHealth: health.reporter('a') });
    const b = new BeatLabeler(flakyClassifier(clf, () => failB), { sampleRate: FS, leadNames: lead, onHealth: health.reporter('b') });
    const pa = pushes(30, 3);
    const pb = pushes(30, 4);
    for (let i = 0; i < pa.length; i++) {
      failB = i < 20;
      await a.push(pa[i]!.beats, pa[i]!.at);
      await b.push(pb[i]!.beats, pb[i]!.at);
    }
    assert.deepEqual(health.failingDevices, ['a']);
    assert.equal(states[states.length - 1], true, 'still failing on device a after b recovered');
    failA = false;
    for (const p of pushes(10, 5)) await a.push(p.beats, p.at + 30 * FS);
    assert.deepEqual(health.failingDevices, []);
    assert.equal(states[states.length - 1], false);
  });
});
