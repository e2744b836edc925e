import assert from 'node:assert/strict';
import { isVigilError } from '../../../src/core/errors.ts';
import { parseScenario, scenarioDurationS, RHYTHM_LABEL } from '../../../drivers/synthetic/scenario.ts';
import { builtinScenario, builtinScenarios, resolveScenario } from '../../../drivers/synthetic/scenarios.ts';
import { synthesize } from '../../../drivers/synthetic/synthesize.ts';
import { beats } from './measure.ts';

function rejects(input: unknown, path: string, overrides = {}): void {
  assert.throws(
    () => parseScenario(input, overrides),
    (e: unknown) => isVigilError(e, 'VIGIL_SCENARIO_INVALID') && e.details.path === path,
    `expected VIGIL_SCENARIO_INVALID at ${path}`,
  );
}

const ok = { seed: 1, segments: [{ durationS: 10, rhythm: 'sinus' }] };

describe('synthetic scenarios', () => {
  describe('validation', () => {
    it('resolves defaults: 250 Hz, seed 1, no loop, quiet, default vitals and rates', () => {
      const s = parseScenario({ segments: [{ durationS: 10, rhythm: 'sinus' }, { durationS: 5, rhythm: 'vt' }, { durationS: 2, rhythm: 'vf' }] });
      assert.equal(s.sampleRate, 250);
      assert.equal(s.seed, 1);
      assert.equal(s.loop, false);
      assert.equal(s.cycleSamples, 17 * 250);
      assert.deepEqual(
        s.segments.map((g) => [g.startSample, g.endSample, g.hr]),
        [
          [0, 2500, 72],
          [2500, 3750, 180],
          [3750, 4250, 0],
        ],
      );
      assert.deepEqual(s.segments[0]?.noise, { baselineWanderMv: 0, mainsHz: 50, mainsMv: 0, emgMv: 0 });
      assert.equal(s.segments[0]?.spo2, 97);
      assert.equal(scenarioDurationS(s), 17);
    });

    it('merges scenario noise and vitals with per-segment overrides', () => {
      const s = parseScenario({
        noise: { emgMv: 0.02, mainsHz: 60, mainsMv: 0.01 },
        vitals: { spo2: 95 },
        segments: [
          { durationS: 1, rhythm: 'sinus' },
          { durationS: 1, rhythm: 'sinus', noise: { emgMv: 0.1 }, spo2: 88 },
        ],
      });
      assert.deepEqual(s.segments[1]?.noise, { baselineWanderMv: 0, mainsHz: 60, mainsMv: 0.01, emgMv: 0.1 });
      assert.equal(s.segments[0]?.spo2, 95);
      assert.equal(s.segments[1]?.spo2, 88);
    });

    it('rejects bad input with VIGIL_SCENARIO_INVALID naming the path', () => {
      rejects(null, '(root)');
      rejects('demo', '(root)');
      rejects({ seed: 1 }, 'segments');
      rejects({ segments: [] }, 'segments');
      rejects({ segments: [{ durationS: 0, rhythm: 'sinus' }] }, 'segments[0].durationS');
      rejects({ segments: [{ durationS: 10, rhythm: 'torsade' }] }, 'segments[0].rhythm');
      rejects({ segments: [{ durationS: 10, rhythm: 'sinus' }, { durationS: 10, rhythm: 'vt', hr: 50 }] }, 'segments[1].hr');
      rejects({ segments: [{ durationS: 10, rhythm: 'sinus', hr: 72, hrTo: 400 }] }, 'segments[0].hrTo');
      rejects({ segments: [{ durationS: 10, rhythm: 'asystole', hr: 60 }] }, 'segments[0].hr');
      rejects({ segments: [{ durationS: 10, rhythm: 'vt', pvcPerMin: 3 }] }, 'segments[0].pvcPerMin');
      rejects({ segments: [{ durationS: 10, rhythm: 'af', apcPerMin: 3 }] }, 'segments[0].apcPerMin');
      rejects({ segments: [{ durationS: 10, rhythm: 'sinus', hr: 60, pvcPerMin: 31 }] }, 'segments[0].pvcPerMin');
      rejects({ segments: [{ durationS: 10, rhythm: 'sinus', spo2: 101 }] }, 'segments[0].spo2');
      rejects({ segments: [{ durationS: 10, rhythm: 'sinus', hrate: 60 }] }, 'segments[0].hrate');
      rejects({ segments: [{ durationS: 10, rhythm: 'sinus', noise: { emgMv: -1 } }] }, 'segments[0].noise.emgMv');
      rejects({ ...ok, sampleRate: 99 }, 'sampleRate');
      rejects({ ...ok, sampleRate: 250.5 }, 'sampleRate');
      rejects({ ...ok, seed: -1 }, 'seed');
      rejects({ ...ok, noise: { mainsHz: 55 } }, 'noise.mainsHz');
      rejects({ ...ok, sampleRate: 100, noise: { mainsHz: 50, mainsMv: 0.1 } }, 'noise.mainsHz');
      rejects({ ...ok, sampleRate: 100, segments: [{ durationS: 1, rhythm: 'sinus', noise: { mainsMv: 0.1 } }] }, 'segments[0].noise.mainsHz');
      rejects({ ...ok, extra: true }, 'extra');
    });

    it('checks overrides from config like the file itself', () => {
      rejects(ok, 'sampleRate', { sampleRate: 20 });
      const s = parseScenario(ok, { seed: 9, sampleRate: 360, loop: true });
      assert.equal(s.seed, 9);
      assert.equal(s.sampleRate, 360);
      assert.equal(s.loop, true);
      assert.equal(scenarioDurationS(s), Infinity);
    });
  });

  describe('built-ins', () => {
    it('lists the required built-ins', () => {
      const names = builtinScenarios().map((b) => b.name);
      for (const n of ['demo', 'sinus', 'mixed', 'vt-run', 'asystole', 'af', 'vf', 'lead-off']) assert.ok(names.includes(n), n);
    });

    for (const { name } of builtinScenarios()) {
      it(`${name}: valid at 125/250/360/500/1000 Hz and generates`, () => {
        for (const fs of [125, 250, 360, 500, 1000]) {
          const s = resolveScenario(name, { sampleRate: fs });
          assert.equal(s.sampleRate, fs);
          assert.ok(s.cycleSamples > 0);
        }
        const r = synthesize(name, { durationS: 20 });
        assert.equal(r.length, 20 * 250);
      });
    }

    it('returns fresh objects (callers may mutate them)', () => {
      const a = builtinScenario('demo');
      a.segments.length = 0;
      assert.ok(builtinScenario('demo').segments.length > 5);
    });

    it('takes a heart rate in the reference: sinus:50', () => {
      const r = synthesize('sinus:50', { durationS: 60 });
      const n = beats(r.truth).length;
      assert.ok(Math.abs(n - 50) <= 2, `${n} beats`);
    });

    it('refuses unknown names and malformed references with VIGIL_SCENARIO_INVALID', () => {
      for (const ref of ['nope', 'sinus:', 'Sinus', 'sinus:fast', '__proto__', 'constructor']) {
        assert.throws(
          () => resolveScenario(ref),
          (e: unknown) => isVigilError(e, 'VIGIL_SCENARIO_INVALID'),
          ref,
        );
      }
      assert.throws(() => resolveScenario('sinus:400'), (e: unknown) => isVigilError(e, 'VIGIL_SCENARIO_INVALID') && e.details.path === 'segments[0].hr');
    });

    it('demo: loops, mostly sinus, with something alarm-worthy every few minutes', () => {
      const s = resolveScenario('demo');
      assert.equal(s.loop, true);
      const total = s.cycleSamples / s.sampleRate;
      assert.ok(total >= 300 && total <= 900, `cycle ${total} s`);
      const sinusS = s.segments.filter((g) => g.rhythm === 'sinus' && !g.leadOff && g.hr >= 60 && g.spo2 >= 90).reduce((a, g) => a + g.durationS, 0);
      assert.ok(sinusS / total > 0.6, `normal ${sinusS / total}`);
      const events = s.segments.filter((g) => g.rhythm !== 'sinus' || g.leadOff || g.hr < 50 || g.spo2 < 90).map((g) => g.startSample / s.sampleRate);
      assert.ok(events.length >= 4);
      const gaps = events.map((t, i) => (i === 0 ? t : t - events[i - 1]!));
      assert.ok(Math.max(...gaps, total - events[events.length - 1]! + events[0]!) <= 240, 'an event at least every 4 minutes');
      const r = synthesize('demo', { durationS: 150 });
      assert.ok(beats(r.truth, 'V').length >= 1, 'occasional PVCs');
    });

    it('mixed: 10 minutes, not looping, exercising every rhythm and the noise', () => {
      const s = resolveScenario('mixed');
      assert.equal(s.loop, false);
      assert.equal(s.cycleSamples / s.sampleRate, 600);
      const rhythms = new Set(s.segments.map((g) => g.rhythm));
      for (const r of ['sinus', 'af', 'vt', 'vf', 'asystole', 'pause'] as const) assert.ok(rhythms.has(r), r);
      assert.ok(s.segments.some((g) => g.leadOff));
      assert.ok(s.segments.some((g) => g.pvcPerMin > 0));
      assert.ok(s.segments.some((g) => g.noise.baselineWanderMv >= 0.2 && g.noise.emgMv > 0 && g.noise.mainsMv > 0));
      assert.deepEqual(
        [...new Set(s.segments.map((g) => RHYTHM_LABEL[g.rhythm]).filter((l) => l !== null))].sort(),
        ['(AFIB', '(ASYS', '(N', '(VFL', '(VT'],
      );
    });
  });
});
