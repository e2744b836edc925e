/**
 * AF onset timing through the hub's real labelling path (shipped classifier + adaptive stage,
 * not the synthetic truth): beats labelled S have their intervals left out of AF, so a
 * labelling change that calls early AF beats S delays the AF alarm. Measured (6 seeds): AF
 * at 110 bpm detected 33-42 s after it starts, at 140 bpm 22-35 s. The labels measure
 * prematurity against the sinus cycle; early AF beats look premature against it, so the AF
 * detector takes the median-relative judgement (BeatShape.rhythmLabel). Fed the labels
 * themselves, AF is found 43-98 s after it starts and this test fails.
 */
import assert from 'node:assert/strict';
import { synthesize } from '../../../drivers/synthetic/index.ts';
import type { ScenarioSpec } from '../../../drivers/synthetic/scenario.ts';
import { AnalysisChain } from '../../../src/analysis/chain.ts';
import { BeatClassifier, BeatLabeler } from '../../../src/detect/classifier.ts';
import { useShippedClassifier } from '../../helpers/classifier.ts';

const FS = 250;

async function afDetectedAfter(classifier: BeatClassifier, hr: number, seed: number): Promise<number | null> {
  const spec: ScenarioSpec = {
    noise: { baselineWanderMv: 0.08, mainsHz: 50, mainsMv: 0.01, emgMv: 0.012 },
    segments: [{ durationS: 60, rhythm: 'sinus', hr: 75, hrvPct: 3 }, { durationS: 120, rhythm: 'af', hr }, { durationS: 30, rhythm: 'sinus', hr: 80, hrvPct: 3 }],
  };
  const s = synthesize(spec, { durationS: 210, sampleRate: FS, seed, leads: ['II', 'V1'] });
  const chain = new AnalysisChain({
    sampleRate: FS,
    leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })),
    labeller: new BeatLabeler(classifier, { sampleRate: FS, leadNames: ['II', 'V1'] }),
  });
  for (let off = 0; off < s.length; off += FS) {
    const k = Math.min(FS, s.length - off);
    const out = await chain.push(s.data.map((d) => d.subarray(off, off + k)), k);
    const on = out.rhythm.find((e) => e.condition === 'afib' && e.phase === 'onset');
    if (on) return on.detectedAtSample / FS - 60;
  }
  return null;
}

describe('rhythm: AF onset timing with the shipped classifier and adaptive stage (synthetic patient)', function () {
  this.timeout(60_000);
  const shipped = useShippedClassifier();

  for (const [hr, maxS] of [[110, 50], [140, 45]] as const) {
    it(`AF at ${hr} bpm is detected within ${maxS} s of its start (3 seeds)`, async () => {
      const got: Array<number | null> = [];
      for (const seed of [1, 2, 3]) got.push(await afDetectedAfter(shipped(), hr, seed));
      assert.ok(got.every((t) => t !== null && t > 0 && t <= maxS), `detected after ${got.join(', ')} s`);
    });
  }
});
