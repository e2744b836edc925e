import assert from 'node:assert/strict';
import { isVigilError } from '../../../src/core/errors.ts';
import { DEFAULT_GAIN, DEFAULT_RAIL_RAW, EcgSynth } from '../../../drivers/synthetic/ecgsyn.ts';
import { parseScenario, type ScenarioSpec, type SegmentSpec } from '../../../drivers/synthetic/scenario.ts';
import { builtinScenario } from '../../../drivers/synthetic/scenarios.ts';
import { synthesize } from '../../../drivers/synthetic/synthesize.ts';
import { mulberry32 } from '../../support/prng.ts';
import { argmaxAbs, beats, crossingFrequencyHz, cv, maxAbs, mean, qrsWidthMs, rrSamples } from './measure.ts';

const mv = (raw: number): number => raw / DEFAULT_GAIN;

function clean(segments: SegmentSpec[], sampleRate = 250, extra: Partial<ScenarioSpec> = {}): ScenarioSpec {
  return { seed: 11, sampleRate, segments, ...extra };
}

describe('synthetic ECG generator', () => {
  describe('determinism', () => {
    it('produces identical samples and truth for the same seed', () => {
      const a = synthesize('mixed', { durationS: 120, leads: ['II', 'V1'] });
      const b = synthesize('mixed', { durationS: 120, leads: ['II', 'V1'] });
      assert.deepEqual(a.data, b.data);
      assert.deepEqual(a.truth, b.truth);
    });

    it('produces different samples and beat times for a different seed', () => {
      const a = synthesize('mixed', { durationS: 120, seed: 1 });
      const b = synthesize('mixed', { durationS: 120, seed: 2 });
      assert.notDeepEqual(a.data[0], b.data[0]);
      assert.notDeepEqual(beats(a.truth), beats(b.truth));
    });

    it('keeps beat times when only the noise changes (independent random streams)', () => {
      const seg: SegmentSpec = { durationS: 60, rhythm: 'sinus', hr: 75, pvcPerMin: 6 };
      const quiet = synthesize(clean([seg]));
      const noisy = synthesize(clean([seg], 250, { noise: { emgMv: 0.05, baselineWanderMv: 0.3 } }));
      assert.deepEqual(quiet.truth, noisy.truth);
      assert.notDeepEqual(quiet.data[0], noisy.data[0]);
    });
  });

  describe('streaming', () => {
    it('block-by-block generation equals one-shot generation (10 min, every rhythm, 2 leads)', () => {
      const once = synthesize('mixed', { leads: ['II', 'V1'] });
      const sc = parseScenario(builtinScenario('mixed'));
      const g = new EcgSynth(sc, { leads: ['II', 'V1'] });
      const n = once.length;
      const out = [new Int32Array(n), new Int32Array(n)];
      const rnd = mulberry32(99);
      const truth = [];
      let pos = 0;
      while (pos < n) {
        const k = 1 + Math.floor(rnd() * 997);
        const got = g.generate(out, Math.min(k, n - pos), pos);
        pos += got;
        truth.push(...g.drainTruth());
      }
      assert.equal(pos, n);
      assert.deepEqual(out, once.data);
      assert.deepEqual(truth, once.truth);
    });

    it('ends a non-looping scenario: short write, then 0, and done', () => {
      const g = new EcgSynth(parseScenario(clean([{ durationS: 2, rhythm: 'sinus' }])));
      const buf = [new Int32Array(300)];
      assert.equal(g.generate(buf, 300), 300);
      assert.equal(g.done, false);
      assert.equal(g.generate(buf, 300), 200);
      assert.equal(g.done, true);
      assert.equal(g.generate(buf, 300), 0);
    });

    it('loops without a seam: the RR across the wrap equals the RR elsewhere', () => {
      const r = synthesize(clean([{ durationS: 10, rhythm: 'sinus', hr: 60 }], 250, { loop: true }), { durationS: 35 });
      const rr = rrSamples(beats(r.truth));
      assert.ok(rr.length >= 33);
      for (const x of rr) assert.ok(Math.abs(x - 250) <= 1, `RR ${x}`);
      assert.equal(r.truth.filter((e) => e.code === '+').length, 1, 'no repeated rhythm label when it does not change');
    });

    it('bounds the undrained truth buffer and counts what it drops', () => {
      const g = new EcgSynth(parseScenario(clean([{ durationS: 120, rhythm: 'sinus', hr: 60 }])), { truthCapacity: 10 });
      g.generate([new Int32Array(30_000)], 30_000);
      const t = g.drainTruth();
      assert.equal(t.length, 10);
      assert.ok(g.truthOverflow >= 110, `overflow ${g.truthOverflow}`);
      assert.equal(t[t.length - 1]?.code, 'N');
    });
  });

  describe('ground truth', () => {
    for (const fs of [125, 250, 360, 500]) {
      it(`sinus 72 bpm at ${fs} Hz: 72 +/- 2 N beats per minute, exact RR, R peak at the annotation`, () => {
        const r = synthesize(clean([{ durationS: 60, rhythm: 'sinus', hr: 72 }], fs));
        const b = beats(r.truth);
        assert.ok(b.every((e) => e.code === 'N'));
        assert.ok(Math.abs(b.length - 72) <= 2, `${b.length} beats`);
        for (const x of rrSamples(b)) assert.ok(Math.abs(x - (fs * 60) / 72) <= 1, `RR ${x} samples`);
        const tol = Math.ceil(0.01 * fs);
        const x = r.data[0]!;
        for (const e of b) {
          const m = argmaxAbs(x, e.sample - Math.round(0.1 * fs), e.sample + Math.round(0.1 * fs));
          assert.ok(Math.abs(m - e.sample) <= tol, `peak at ${m}, annotated ${e.sample}`);
          const amp = mv(x[m]!);
          assert.ok(amp > 0.95 && amp < 1.5, `R amplitude ${amp} mV`);
        }
      });
    }

    it('places the same beats at the same times whatever the sample rate', () => {
      const seg: SegmentSpec[] = [{ durationS: 30, rhythm: 'sinus', hr: 66, pvcPerMin: 10 }];
      const t250 = beats(synthesize(clean(seg, 250)).truth).map((e) => [e.code, e.sample / 250]);
      const t360 = beats(synthesize(clean(seg, 360)).truth).map((e) => [e.code, e.sample / 360]);
      assert.equal(t250.length, t360.length);
      t250.forEach(([c, s], i) => {
        assert.equal(c, t360[i]?.[0]);
        assert.ok(Math.abs((s as number) - (t360[i]?.[1] as number)) <= 1 / 250);
      });
    });

    it('annotates the R peak of wide beats (PVC, VT) within 10 ms of the largest deflection', () => {
      const fs = 360;
      const r = synthesize(clean([{ durationS: 60, rhythm: 'sinus', hr: 70, pvcPerMin: 10 }, { durationS: 10, rhythm: 'vt', hr: 180 }], fs));
      const v = beats(r.truth, 'V');
      assert.ok(v.length > 30);
      for (const e of v) {
        const m = argmaxAbs(r.data[0]!, e.sample - 36, e.sample + 36);
        assert.ok(Math.abs(m - e.sample) <= 4, `peak at ${m}, annotated ${e.sample}`);
      }
    });

    it('records rhythm changes, VF markers and lead-off in sample order', () => {
      const r = synthesize('mixed');
      const fs = r.scenario.sampleRate;
      const labels = r.truth.filter((e) => e.code === '+').map((e) => [e.aux, e.sample / fs]);
      assert.deepEqual(labels, [
        ['(N', 0],
        ['(AFIB', 120],
        ['(N', 180],
        ['(VT', 210],
        ['(N', 230],
        ['(ASYS', 270],
        ['(N', 280],
        ['(VFL', 320],
        ['(N', 340],
      ]);
      assert.deepEqual(
        r.truth.filter((e) => '[]~'.includes(e.code)).map((e) => [e.code, e.aux, e.sample / fs]),
        [
          ['[', '', 320],
          [']', '', 340],
          ['~', 'lead-off', 380],
          ['~', 'lead-on', 400],
        ],
      );
      for (let i = 1; i < r.truth.length; i++) assert.ok(r.truth[i]!.sample >= r.truth[i - 1]!.sample);
      // No beat is annotated inside VF, asystole or lead-off.
      for (const e of beats(r.truth)) {
        const s = e.sample / fs;
        assert.ok(!(s >= 270 && s < 280) && !(s >= 320 && s < 340) && !(s >= 380 && s < 400), `beat at ${s} s`);
      }
      const vt = beats(r.truth).filter((e) => e.sample >= 210 * fs && e.sample < 230 * fs);
      assert.ok(vt.every((e) => e.code === 'V'));
      assert.ok(Math.abs(vt.length - 60) <= 2, `${vt.length} VT beats in 20 s at 180`);
    });
  });

  describe('morphology', () => {
    const fs = 1000;
    const r = synthesize(clean([{ durationS: 120, rhythm: 'sinus', hr: 70, pvcPerMin: 8 }], fs));
    const x = r.data[0]!;
    const n = beats(r.truth, 'N');
    const v = beats(r.truth, 'V');

    it('normal beats: QRS 80-110 ms, R 1-1.5 mV, upright P 0.1-0.25 mV about 160 ms before R', () => {
      assert.ok(n.length > 50);
      for (const e of n.slice(1)) {
        const [w, peak] = qrsWidthMs(x, e.sample, fs);
        assert.ok(w >= 80 && w <= 110, `N QRS ${w} ms`);
        assert.ok(mv(peak) >= 1 && mv(peak) <= 1.5, `N R ${mv(peak)} mV`);
        const p = x[argmaxAbs(x, e.sample - 220, e.sample - 120)]!;
        assert.ok(mv(p) >= 0.1 && mv(p) <= 0.25, `P ${mv(p)} mV`);
      }
    });

    it('PVCs: QRS 130-180 ms and taller than the normal R; early with a compensatory pause', () => {
      assert.ok(v.length > 8);
      const nPeak = mean(n.map((e) => qrsWidthMs(x, e.sample, fs)[1]));
      const rr = (60 / 70) * fs;
      const all = beats(r.truth);
      for (const e of v) {
        const [w, peak] = qrsWidthMs(x, e.sample, fs);
        assert.ok(w >= 130 && w <= 180, `V QRS ${w} ms`);
        assert.ok(peak > 1.15 * nPeak, `V ${mv(peak)} mV vs N ${mv(nPeak)} mV`);
        const i = all.indexOf(e);
        const before = all[i - 1];
        const after = all[i + 1];
        if (before?.code !== 'N' || after?.code !== 'N') continue; // couplets, edges
        const c = (e.sample - before.sample) / rr;
        assert.ok(c >= 0.5 && c <= 0.7, `coupling ${c}`);
        assert.ok(Math.abs(after.sample - before.sample - 2 * rr) <= 2, 'full compensatory pause');
      }
    });

    it('APCs are premature and reset the sinus node (next beat one cycle later)', () => {
      const a = synthesize(clean([{ durationS: 120, rhythm: 'sinus', hr: 70, apcPerMin: 8 }], fs));
      const all = beats(a.truth);
      const rr = (60 / 70) * fs;
      const apcs = all.filter((e) => e.code === 'A');
      assert.ok(apcs.length > 8);
      for (const e of apcs) {
        const i = all.indexOf(e);
        const before = all[i - 1];
        const after = all[i + 1];
        if (before === undefined || after === undefined) continue;
        assert.ok((e.sample - before.sample) / rr < 0.8);
        assert.ok(Math.abs(after.sample - e.sample - rr) <= 2);
        const [w] = qrsWidthMs(a.data[0]!, e.sample, fs);
        assert.ok(w <= 110, `APC QRS ${w} ms stays narrow`);
      }
    });

    it('VT: wide regular beats at the set rate', () => {
      const t = synthesize(clean([{ durationS: 30, rhythm: 'vt', hr: 200 }], 500));
      const b = beats(t.truth);
      assert.ok(b.every((e) => e.code === 'V'));
      const rr = rrSamples(b);
      assert.ok(Math.abs(mean(rr) - 150) < 3, `mean RR ${mean(rr)}`);
      assert.ok(cv(rr) < 0.03);
    });

    it('paced beats show a pacing spike ~85 ms before the R peak at high sample rates', () => {
      const p = synthesize(clean([{ durationS: 10, rhythm: 'paced', hr: 60 }], 4000, { paceSpikeMv: 5 }));
      const b = beats(p.truth);
      assert.ok(b.length >= 9 && b.every((e) => e.code === '/'));
      for (const e of b) {
        const i = argmaxAbs(p.data[0]!, e.sample - 400, e.sample - 300);
        assert.ok(mv(p.data[0]![i]!) > 4, `spike ${mv(p.data[0]![i]!)} mV`);
        assert.ok(Math.abs(e.sample - i - 340) <= 2);
      }
    });
  });

  describe('rhythms without a QRS, AF and regularity', () => {
    it('AF: irregular RR (CV > 0.1), no P wave; sinus without HRV is regular (CV < 0.05)', () => {
      const af = synthesize(clean([{ durationS: 300, rhythm: 'af', hr: 100 }]));
      const rrAf = rrSamples(beats(af.truth));
      assert.ok(cv(rrAf) > 0.1, `AF CV ${cv(rrAf)}`);
      assert.ok(Math.abs(60 / (mean(rrAf) / 250) - 100) < 8, 'mean ventricular rate near the set rate');
      // No P wave: where sinus beats have a 0.15 mV P (120-220 ms before R) AF has only f-waves.
      const b = beats(af.truth);
      let checked = 0;
      for (let i = 1; i < b.length; i++) {
        if (b[i]!.sample - b[i - 1]!.sample < 0.7 * 250) continue;
        const p = mv(maxAbs(af.data[0]!, b[i]!.sample - 55, b[i]!.sample - 30));
        assert.ok(p < 0.1, `pre-QRS activity ${p} mV`);
        checked++;
      }
      assert.ok(checked > 50);
      const sinus = synthesize(clean([{ durationS: 300, rhythm: 'sinus', hr: 100 }]));
      assert.ok(cv(rrSamples(beats(sinus.truth))) < 0.05);
      const hrv = synthesize(clean([{ durationS: 300, rhythm: 'sinus', hr: 70, hrvPct: 5 }]));
      const c = cv(rrSamples(beats(hrv.truth)));
      assert.ok(c > 0.01 && c < 0.1, `HRV CV ${c}`);
    });

    it('AF f-waves: 5.8-8.5 Hz low-amplitude activity between the beats, largest in V1', () => {
      const fs = 500;
      const af = synthesize(clean([{ durationS: 60, rhythm: 'af', hr: 40 }], fs), { leads: ['II', 'V1'] });
      const b = beats(af.truth);
      let checked = 0;
      for (let i = 1; i < b.length; i++) {
        // From 450 ms after a beat (T over) to 250 ms before the next.
        const lo = b[i - 1]!.sample + 0.45 * fs;
        const hi = b[i]!.sample - 0.25 * fs;
        if (hi - lo < 0.5 * fs) continue;
        const f = crossingFrequencyHz(af.data[1]!, lo, hi, fs);
        assert.ok(f > 4.5 && f < 10, `f-wave ${f} Hz`);
        const a2 = mv(maxAbs(af.data[0]!, lo, hi));
        const v1 = mv(maxAbs(af.data[1]!, lo, hi));
        assert.ok(a2 < 0.15 && v1 > a2, `II ${a2} V1 ${v1}`);
        checked++;
      }
      assert.ok(checked > 10);
    });

    it('asystole: flat except noise, no beats', () => {
      const fs = 250;
      const r = synthesize(clean([{ durationS: 10, rhythm: 'sinus', hr: 70 }, { durationS: 20, rhythm: 'asystole' }], fs, { noise: { emgMv: 0.02 } }));
      assert.equal(beats(r.truth).filter((e) => e.sample >= 10 * fs).length, 0);
      const peak = mv(maxAbs(r.data[0]!, 11 * fs, 30 * fs));
      assert.ok(peak < 0.2, `excursion ${peak} mV`);
      assert.ok(peak > 0.02, 'noise is still there');
    });

    it('VF: no QRS, a 4-6 Hz wave of waxing and waning amplitude', () => {
      const fs = 250;
      const r = synthesize(clean([{ durationS: 2, rhythm: 'sinus' }, { durationS: 30, rhythm: 'vf' }], fs));
      assert.equal(beats(r.truth).filter((e) => e.sample >= 2 * fs).length, 0);
      const f = crossingFrequencyHz(r.data[0]!, 3 * fs, 32 * fs, fs);
      assert.ok(f >= 3.5 && f <= 7, `VF ${f} Hz`);
      const perSecond: number[] = [];
      for (let s = 3; s < 32; s++) perSecond.push(mv(maxAbs(r.data[0]!, s * fs, (s + 1) * fs)));
      assert.ok(Math.min(...perSecond) > 0.1 && Math.max(...perSecond) < 1.5, `VF amplitude ${Math.min(...perSecond)}..${Math.max(...perSecond)}`);
      assert.ok(cv(perSecond) > 0.1, 'amplitude varies');
    });
  });

  describe('lead-off and noise', () => {
    it('lead-off: output at the rail, flag set, events at the edges; signal back after', () => {
      const fs = 250;
      const sc = parseScenario(clean([{ durationS: 5, rhythm: 'sinus' }, { durationS: 3, rhythm: 'sinus', leadOff: true }, { durationS: 5, rhythm: 'sinus' }], fs));
      const g = new EcgSynth(sc, { leads: ['II', 'V1'] });
      const out = [new Int32Array(13 * fs), new Int32Array(13 * fs)];
      g.generate(out, 6 * fs);
      assert.equal(g.leadOff, true);
      g.generate(out, 7 * fs, 6 * fs);
      assert.equal(g.leadOff, false);
      for (const ch of out) {
        for (let i = 5 * fs; i < 8 * fs; i++) assert.equal(ch[i], DEFAULT_RAIL_RAW);
        assert.notEqual(ch[5 * fs - 1], DEFAULT_RAIL_RAW);
        assert.notEqual(ch[8 * fs], DEFAULT_RAIL_RAW);
      }
      assert.ok(mv(maxAbs(out[0]!, 8 * fs, 13 * fs)) > 1, 'QRS back after lead-on');
      const t = g.drainTruth();
      assert.deepEqual(
        t.filter((e) => e.code === '~'),
        [
          { sample: 5 * fs, code: '~', aux: 'lead-off' },
          { sample: 8 * fs, code: '~', aux: 'lead-on' },
        ],
      );
      assert.equal(beats(t).filter((e) => e.sample >= 5 * fs && e.sample < 8 * fs).length, 0);
    });

    it('honours a custom rail and baseline', () => {
      const sc = parseScenario(clean([{ durationS: 1, rhythm: 'sinus', leadOff: true }]));
      const g = new EcgSynth(sc, { railRaw: 2047, baseline: 1024, gain: 200 });
      const out = [new Int32Array(250)];
      g.generate(out, 250);
      assert.ok(out[0]!.every((v) => v === 2047));
      assert.deepEqual(g.channels()[0], { name: 'ECG', units: 'mV', gain: 200, baseline: 1024, sampleRate: 250 });
    });

    it('mains interference at the set frequency and amplitude', () => {
      const fs = 500;
      const r = synthesize(clean([{ durationS: 4, rhythm: 'asystole' }], fs, { noise: { mainsHz: 60, mainsMv: 0.1 } }));
      const f = crossingFrequencyHz(r.data[0]!, 0, 4 * fs, fs);
      assert.ok(Math.abs(f - 60) < 1, `mains ${f} Hz`);
      assert.ok(Math.abs(mv(maxAbs(r.data[0]!, 0, 4 * fs)) - 0.1) < 0.005);
    });

    it('baseline wander: slow (0.15-0.3 Hz) with the set amplitude', () => {
      const fs = 250;
      const r = synthesize(clean([{ durationS: 60, rhythm: 'asystole' }], fs, { noise: { baselineWanderMv: 0.3 } }));
      const f = crossingFrequencyHz(r.data[0]!, 0, 60 * fs, fs);
      assert.ok(f >= 0.1 && f <= 0.35, `wander ${f} Hz`);
      const peak = mv(maxAbs(r.data[0]!, 0, 60 * fs));
      assert.ok(peak > 0.15 && peak <= 0.3 + 1e-3, `wander ${peak} mV`);
    });

    it('EMG noise has the set standard deviation', () => {
      const r = synthesize(clean([{ durationS: 20, rhythm: 'asystole' }], 250, { noise: { emgMv: 0.05 } }));
      const x = Array.from(r.data[0]!, mv);
      const sd = Math.sqrt(mean(x.map((v) => v * v)));
      assert.ok(Math.abs(sd - 0.05) < 0.003, `sd ${sd}`);
    });
  });

  describe('vitals', () => {
    it('drift toward segment targets, hr from the beats, null without a pulse or leads', () => {
      const sc = parseScenario(
        clean([
          { durationS: 60, rhythm: 'sinus', hr: 72 },
          { durationS: 90, rhythm: 'sinus', hr: 72, spo2: 85, respRate: 28 },
          { durationS: 10, rhythm: 'vf' },
          { durationS: 10, rhythm: 'sinus', hr: 60, leadOff: true },
        ]),
      );
      const g = new EcgSynth(sc);
      const buf = [new Int32Array(250 * 160)];
      const at = (s: number): ReturnType<EcgSynth['vitalsNow']> => {
        g.generate(buf, s * 250 - g.position);
        return g.vitalsNow();
      };
      const v1 = at(50);
      assert.ok(v1.hr !== null && Math.abs(v1.hr - 72) <= 1, `hr ${v1.hr}`);
      assert.ok(v1.spo2 !== null && Math.abs(v1.spo2 - 97) <= 2, `spo2 ${v1.spo2}`);
      assert.ok(v1.respRate !== null && Math.abs(v1.respRate - 16) <= 2);
      assert.ok(v1.tempC !== null && Math.abs(v1.tempC - 36.8) <= 0.3);
      const v2 = at(65);
      assert.ok(v2.spo2 !== null && v2.spo2 > 87, 'SpO2 falls gradually, not at once');
      const v3 = at(145);
      assert.ok(v3.spo2 !== null && v3.spo2 <= 88, `spo2 ${v3.spo2}`);
      assert.ok(v3.respRate !== null && v3.respRate >= 24, `resp ${v3.respRate}`);
      const v4 = at(155);
      assert.equal(v4.hr, null);
      assert.equal(v4.spo2, null);
      const v5 = at(165);
      assert.equal(v5.hr, null);
      assert.notEqual(v5.spo2, null);
    });
  });

  describe('options and misuse', () => {
    it('ramps the heart rate linearly from hr to hrTo', () => {
      const r = synthesize(clean([{ durationS: 60, rhythm: 'sinus', hr: 60, hrTo: 120 }]));
      const rr = rrSamples(beats(r.truth));
      assert.ok(Math.abs(rr[0]! - 250) < 5, `first RR ${rr[0]}`);
      assert.ok(Math.abs(rr[rr.length - 1]! - 125) < 5, `last RR ${rr[rr.length - 1]}`);
      for (let i = 1; i < rr.length; i++) assert.ok(rr[i]! <= rr[i - 1]! + 1, 'monotonic');
    });

    it('refuses short output arrays and bad options with VIGIL_USAGE', () => {
      const sc = parseScenario(clean([{ durationS: 5, rhythm: 'sinus' }]));
      const usage = (e: unknown): boolean => isVigilError(e, 'VIGIL_USAGE');
      const g = new EcgSynth(sc, { leads: ['II', 'V1'] });
      assert.throws(() => g.generate([new Int32Array(100)], 100), usage);
      assert.throws(() => g.generate([new Int32Array(100), new Int32Array(99)], 100), usage);
      assert.throws(() => g.generate([new Int32Array(100), new Int32Array(100)], 50, 60), usage);
      assert.equal(g.position, 0, 'nothing consumed by a refused call');
      assert.throws(() => new EcgSynth(sc, { leads: [] }), usage);
      assert.throws(() => new EcgSynth(sc, { gain: 0 }), usage);
      assert.throws(() => new EcgSynth(sc, { railRaw: 1.5 }), usage);
    });
  });

  describe('performance (sanity, not timing)', () => {
    it('generates 10 minutes at 500 Hz with two leads', () => {
      const r = synthesize('mixed', { sampleRate: 500, leads: ['II', 'V1'] });
      assert.equal(r.length, 300_000);
      assert.equal(r.data.length, 2);
    });
  });
});
