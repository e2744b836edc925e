/**
 * The patient-adaptive stage over events that outlast its learning: an asystole, a sustained
 * VT. Real chain (engine, shipped classifier, adaptive stage, rhythm monitor) on the synthetic
 * patient; each case gave wrong output before its fix (review 2026-11).
 */
import assert from 'node:assert/strict';
import { synthesize } from '../../drivers/synthetic/index.ts';
import type { ScenarioSpec } from '../../drivers/synthetic/scenario.ts';
import { AnalysisChain } from '../../src/analysis/chain.ts';
import { BeatLabeler } from '../../src/detect/classifier.ts';
import type { RhythmEvent } from '../../src/detect/rhythm/index.ts';
import type { Beat } from '../../src/ecg/index.ts';
import { useShippedClassifier } from '../helpers/classifier.ts';

const FS = 250;

describe('detect/adapt over long events (real chain, shipped classifier)', function () {
  this.timeout(120_000);
  const shipped = useShippedClassifier();

  async function run(spec: ScenarioSpec): Promise<{ beats: Beat[]; events: RhythmEvent[] }> {
    const s = synthesize(spec, { seed: 3, leads: ['II'], sampleRate: FS });
    const chain = new AnalysisChain({ sampleRate: FS, leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })), labeller: new BeatLabeler(shipped(), { sampleRate: FS, leadNames: ['II'] }) });
    const beats: Beat[] = [];
    const events: RhythmEvent[] = [];
    for (let from = 0; from < s.length; from += 25) {
      const o = await chain.push(s.data, Math.min(25, s.length - from), from);
      beats.push(...o.beats);
      events.push(...o.rhythm);
    }
    const o = await chain.finish();
    return { beats: beats.concat(o.beats), events: events.concat(o.rhythm) };
  }

  it('sinus beats after a 15-s asystole are not taken for APCs (the asystole no longer drags the long RR average)', async () => {
    const r = await run({ name: 'asys', loop: false, segments: [{ durationS: 120, rhythm: 'sinus', hr: 70 }, { durationS: 15, rhythm: 'asystole' }, { durationS: 300, rhythm: 'sinus', hr: 70 }] } as ScenarioSpec);
    const after = r.beats.filter((b) => b.sample > 135 * FS);
    const s = after.filter((b) => b.label === 'S').length;
    assert.ok(after.length > 300);
    assert.ok(s <= 3, `${s} of ${after.length} sinus beats after the asystole labelled S`);
  });

  it('a 40-s VT after a minute of sinus keeps its VTach alarm to the end (the VT does not become the patient dominant shape)', async () => {
    const r = await run({ name: 'vt', loop: false, segments: [{ durationS: 60, rhythm: 'sinus', hr: 75 }, { durationS: 40, rhythm: 'vt', hr: 180 }, { durationS: 30, rhythm: 'sinus', hr: 80 }] } as ScenarioSpec);
    const vt = r.events.filter((e) => e.condition === 'vtach');
    const lastOff = vt.filter((e) => e.phase === 'offset').map((e) => e.sample / FS - 60);
    assert.ok(vt.some((e) => e.phase === 'onset' && e.sample / FS - 60 < 5), 'VTach raised within 5 s');
    assert.ok(lastOff.length > 0 && Math.max(...lastOff) > 37, `VTach ended ${Math.max(...lastOff).toFixed(1)} s into a 40-s VT`);
  });
});
