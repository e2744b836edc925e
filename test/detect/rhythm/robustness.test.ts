/**
 * Detector robustness: block-order of beats vs samples (false asystole), AF onset persistence,
 * short VF episodes and VF hysteresis.
 */
import assert from 'node:assert/strict';
import { AfDetector } from '../../../src/detect/rhythm/af.ts';
import { RhythmMonitor, type RhythmEvent } from '../../../src/detect/rhythm/index.ts';
import type { Beat } from '../../../src/ecg/types.ts';
import type { ScenarioSpec } from '../../../drivers/synthetic/scenario.ts';
import { episodes, runScenario } from './support.ts';
import { mulberry32 as prng } from '../../support/prng.ts';

const FS = 250;

function beat(sample: number, rrPrevS: number | null): Beat {
  return { sample, lead: 0, rrPrevS, rrNextS: null, rrLocalS: 0.8, rrRunningS: 0.8, qrsWidthS: 0.08, amplitudeMv: 1, quality: 1, morphology: new Float32Array(0), label: 'N' };
}


/**
 * Beats every 0.8 s with one long RR of `gapS` at 20 s, fed like the chain does: per 1-s block
 * samples first (a non-flat wave), then the beats whose emission (R + 0.45 s) falls in the
 * block, then advance(blockEnd).
 */
function feedGap(gapS: number): RhythmEvent[] {
  const mon = new RhythmMonitor({ sampleRate: FS });
  const rs: number[] = [];
  for (let t = 1; t < 20; t += 0.8) rs.push(Math.round(t * FS));
  const last = rs[rs.length - 1] as number;
  for (let t = last / FS + gapS; t < 40; t += 0.8) rs.push(Math.round(t * FS));
  const wave = new Float64Array(FS);
  for (let i = 0; i < FS; i++) wave[i] = 0.02 * Math.sin((2 * Math.PI * 7 * i) / FS);
  const events: RhythmEvent[] = [];
  let k = 0;
  for (let off = 0; off < 40 * FS; off += FS) {
    mon.onSamples(wave, FS, 1, 0);
    const bs: Beat[] = [];
    while (k < rs.length && (rs[k] as number) + 0.45 * FS <= off + FS) {
      bs.push(beat(rs[k] as number, k === 0 ? null : ((rs[k] as number) - (rs[k - 1] as number)) / FS));
      k++;
    }
    mon.onBeats(bs);
    mon.advance(off + FS);
    events.push(...mon.drain());
  }
  return events.concat(mon.finish(40 * FS));
}

describe('rhythm: robustness', () => {
  it('a 3.7-s RR ending inside a 1-s block is a pause, not asystole (beats come after the samples)', () => {
    const ev = feedGap(3.7);
    assert.equal(episodes(ev, 'pause').length, 1);
    assert.equal(episodes(ev, 'asystole').length, 0);
  });

  it('a 4.8-s RR fed the same way is asystole, decided within 4 s + latency + one block', () => {
    const ev = feedGap(4.8);
    const eps = episodes(ev, 'asystole');
    assert.equal(eps.length, 1);
    const e = eps[0]!;
    assert.ok(e.detectedAt - e.start <= (4 + 0.5 + 1) * FS, `detected ${(e.detectedAt - e.start) / FS} s after the last beat`);
  });

  it('asystole timing is unchanged with 1-s feed blocks (synthetic asystole at 30 s)', () => {
    const r = runScenario('asystole', 40, {}, FS, 3, 1);
    const eps = episodes(r.events, 'asystole');
    assert.equal(eps.length, 1);
    assert.ok(eps[0]!.detectedAt - 30 * FS <= (4 + 0.5 + 1) * FS, `detected ${eps[0]!.detectedAt / FS}`);
  });

  it('AF: a 25-beat burst of irregular RRs is not AF; a sustained one is, onset dated inside it', () => {
    const rnd = prng(7);
    const run = (burst: number): { phase: string; sample: number }[] => {
      const d = new AfDetector(40);
      const out: { phase: string; sample: number }[] = [];
      let s = 0;
      for (let i = 0; i < 100 + burst + 100; i++) {
        const irregular = i >= 100 && i < 100 + burst;
        const rr = irregular ? 0.45 + 0.6 * rnd() : 0.8 + 0.01 * (rnd() - 0.5);
        s += Math.round(rr * FS);
        const r = d.onBeat(s, i === 0 ? null : rr, 'N');
        if (r !== null) out.push(r);
      }
      return out;
    };
    assert.deepEqual(run(25), []);
    const long = run(150);
    assert.deepEqual(long.map((x) => x.phase), ['onset', 'offset']);
  });

  it('VF: a 4.5-s episode is alarmed, dated near its start, decided before it has been over for 1 s', () => {
    const spec = { segments: [{ durationS: 20, rhythm: 'sinus', hr: 70 }, { durationS: 4.5, rhythm: 'vf' }, { durationS: 20, rhythm: 'sinus', hr: 70 }] } as unknown as ScenarioSpec;
    const r = runScenario(spec, 44.5);
    const eps = episodes(r.events, 'vfib');
    assert.equal(eps.length, 1);
    const e = eps[0]!;
    assert.ok(Math.abs(e.start - 20 * FS) <= 1.5 * FS, `start ${e.start / FS}`);
    assert.ok(e.detectedAt <= 25.5 * FS, `detected ${e.detectedAt / FS}`);
    assert.equal(episodes(r.events, 'asystole').length, 0);
  });

  it('VF: a 60-s episode is one alarm covering it (offset hysteresis)', () => {
    const spec = { segments: [{ durationS: 20, rhythm: 'sinus', hr: 70 }, { durationS: 60, rhythm: 'vf' }, { durationS: 20, rhythm: 'sinus', hr: 70 }] } as unknown as ScenarioSpec;
    const r = runScenario(spec, 100);
    const eps = episodes(r.events, 'vfib');
    assert.equal(eps.length, 1);
    assert.ok(eps[0]!.start <= 21 * FS && eps[0]!.end >= 79 * FS && eps[0]!.end <= 83 * FS, `${eps[0]!.start / FS}-${eps[0]!.end / FS}`);
  });
});
