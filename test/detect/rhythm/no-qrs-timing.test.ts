/**
 * Pause and asystole follow the gap between QRS complexes, not the moment its closing beat
 * reaches the monitor. Through the hub's real chain (engine alone, and engine + shipped
 * classifier + adaptive stage, which holds a beat up to 1 s after its R peak) on the synthetic
 * patient. Before: with the classifier a 3.65-s gap raised asystole (the monitor assumed beats
 * arrive 0.5 s after R); without it a 2.85-s gap raised no pause and a 4.05-s gap no asystole
 * (the closing beat came before the decision fell due).
 */
import assert from 'node:assert/strict';
import { synthesize } from '../../../drivers/synthetic/index.ts';
import type { ScenarioSpec } from '../../../drivers/synthetic/scenario.ts';
import { AnalysisChain } from '../../../src/analysis/chain.ts';
import { BeatLabeler } from '../../../src/detect/classifier.ts';
import type { RhythmEvent } from '../../../src/detect/rhythm/events.ts';
import { useShippedClassifier } from '../../helpers/classifier.ts';

const FS = 250;

describe('rhythm: pause and asystole follow the RR gap, with or without the classifier holding beats', function () {
  this.timeout(60_000);
  const shipped = useShippedClassifier();

  // synthetic pause segment (s) -> RR gap of about that + 0.85 s at 70/min
  for (const pauseS of [2.0, 2.8, 3.2]) {
    for (const labelled of [false, true]) {
      it(`pause segment ${pauseS} s, ${labelled ? 'classifier + adaptive stage' : 'engine alone'}`, async () => {
        const spec: ScenarioSpec = {
          noise: { baselineWanderMv: 0.05, mainsHz: 50, mainsMv: 0.01, emgMv: 0.01 },
          segments: [{ durationS: 60, rhythm: 'sinus', hr: 70, hrvPct: 2 }, { durationS: pauseS, rhythm: 'pause' }, { durationS: 30, rhythm: 'sinus', hr: 70, hrvPct: 2 }],
        };
        const s = synthesize(spec, { durationS: 90 + pauseS, sampleRate: FS, seed: 1, leads: ['II', 'V1'] });
        const chain = new AnalysisChain({
          sampleRate: FS,
          leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })),
          labeller: labelled ? new BeatLabeler(shipped(), { sampleRate: FS, leadNames: ['II', 'V1'] }) : undefined,
        });
        const events: RhythmEvent[] = [];
        let last = -1;
        let gap = 0;
        for (let off = 0; off < s.length; off += FS) {
          const k = Math.min(FS, s.length - off);
          const out = await chain.push(s.data.map((d) => d.subarray(off, off + k)), k);
          for (const b of out.beats) {
            if (last >= 0) gap = Math.max(gap, (b.sample - last) / FS);
            last = b.sample;
          }
          events.push(...out.rhythm);
        }
        const onsets = (c: string): number => events.filter((e) => e.condition === c && e.phase === 'onset').length;
        // measured gaps 2.85, 3.65, 4.05 s
        assert.ok(gap > 2.6 && gap < 4.2 && Math.abs(gap - 4) > 0.03, `gap ${gap} s`);
        assert.equal(onsets('pause'), gap > 2.5 ? 1 : 0, `gap ${gap.toFixed(2)} s: pause`);
        assert.equal(onsets('asystole'), gap > 4 ? 1 : 0, `gap ${gap.toFixed(2)} s: asystole`);
      });
    }
  }
});
