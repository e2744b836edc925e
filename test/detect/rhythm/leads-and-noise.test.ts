/**
 * The rhythm monitor when leads come off, the ECG is noisy or the signal is odd: each case here
 * was a missed or false alarm found by review (2026-11) and fails on the code before its fix.
 */
import assert from 'node:assert/strict';
import { AnalysisChain } from '../../../src/analysis/chain.ts';
import type { RhythmEvent } from '../../../src/detect/rhythm/index.ts';
import { resolveRhythmConfig } from '../../../src/detect/rhythm/config.ts';
import { synthesize } from '../../../drivers/synthetic/index.ts';
import type { ScenarioSpec } from '../../../drivers/synthetic/scenario.ts';
import { mulberry32 } from '../../support/prng.ts';
import { notRun, sharedData } from '../../helpers/data.ts';
import { readRecord } from '../../../src/wfdb/record.ts';
import { effectiveGain } from '../../../src/wfdb/header.ts';
import { episodes, runScenario, STEP_FS, StepDriver, stepMorphology, steps } from './support.ts';

const FS = 250;
const RAIL = 8_388_607;

/** Rhythm events of a synthesized signal through the real AnalysisChain (engine + monitor, no classifier), in blocks of `block` samples. */
function chainEvents(s: ReturnType<typeof synthesize>, block: number, mainsHz?: number): RhythmEvent[] {
  const fs = s.channels[0]!.sampleRate;
  const chain = new AnalysisChain({ sampleRate: fs, leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })), adapt: false, ...(mainsHz !== undefined ? { mainsHz } : {}) });
  const events: RhythmEvent[] = [];
  for (let off = 0; off < s.length; off += block) events.push(...chain.pushSync(s.data as Int32Array[], Math.min(block, s.length - off), off).rhythm);
  return events.concat(chain.finishSync().rhythm);
}

/** A synthetic scenario through the real AnalysisChain after `edit` of its samples. */
function chainRun(scenario: string, durationS: number, edit: (data: Int32Array[]) => void): { events: RhythmEvent[]; fs: number } {
  const s = synthesize(scenario, { durationS, sampleRate: FS, seed: 3, leads: ['II', 'V1'] });
  edit(s.data as Int32Array[]);
  return { events: chainEvents(s, Math.round(FS / 4)), fs: FS };
}

const at = (e: { start: number }, fs: number): number => e.start / fs;

describe('rhythm monitor: leads off, noise, odd signals', () => {
  it('one electrode off of two: lead-off is raised and the asystole the other lead shows is still alarmed', () => {
    // Synthetic "asystole" scenario: asystole from ~30 s for 15 s; V1 at the ADC rail from 10 s.
    const r = chainRun('asystole', 70, (d) => d[1]!.fill(RAIL, 10 * FS));
    assert.equal(episodes(r.events, 'lead-off').length, 1);
    const asy = episodes(r.events, 'asystole');
    assert.equal(asy.length, 1, 'asystole alarmed on lead II');
    assert.ok(Math.abs(at(asy[0]!, FS) - 29.5) < 1.5, `asystole dated ${at(asy[0]!, FS)} s`);
    // Control: both electrodes off for the same stretch is a lead-off, not an asystole.
    const both = chainRun('asystole', 70, (d) => {
      d[0]!.fill(RAIL, 10 * FS);
      d[1]!.fill(RAIL, 10 * FS);
    });
    assert.equal(episodes(both.events, 'asystole').length, 0);
    assert.equal(episodes(both.events, 'lead-off').length, 1);
  });

  it('primary electrode off: the VF the other lead shows is alarmed (the VF check moves to that lead)', () => {
    const intact = chainRun('vf', 80, () => {});
    const off = chainRun('vf', 80, (d) => d[0]!.fill(RAIL, 10 * FS));
    const vfIntact = episodes(intact.events, 'vfib');
    const vfOff = episodes(off.events, 'vfib');
    assert.equal(vfIntact.length, 1, 'control');
    assert.equal(vfOff.length, 1, 'VF on V1 while lead II is off');
    // VF starts at 20 s in the scenario; alarm within the detector's usual delay plus a window.
    assert.ok(vfOff[0]!.detectedAt / FS < 30, `VF decided at ${vfOff[0]!.detectedAt / FS} s`);
  });

  it('an electrode coming off and back during VF does not split the VF episode (the switched lead is judged once it fills a window)', () => {
    const r = chainRun('vf', 80, (d) => d[0]!.fill(RAIL, 30 * FS, 40 * FS));
    const vf = episodes(r.events, 'vfib');
    assert.equal(vf.length, 1, `VF episodes ${vf.map((e) => `${e.start / FS}-${e.end / FS}`).join(', ')}`);
    assert.ok(vf[0]!.end / FS >= 48, `VF ended at ${vf[0]!.end / FS} s (scenario: VF 20-50 s)`);
  });

  it('a digitally constant signal after the last beat still raises asystole (only the ADC rail withholds it)', () => {
    const flat = chainRun('asystole', 70, (d) => {
      for (const lead of d) lead.fill(lead[Math.round(29.8 * FS)]!, Math.round(29.8 * FS), 45 * FS);
    });
    const asy = episodes(flat.events, 'asystole');
    assert.equal(asy.length, 1);
    assert.ok(asy[0]!.detectedAt / FS < 36, `asystole decided at ${asy[0]!.detectedAt / FS} s (was only when the rhythm came back)`);
  });

  it('an AF onset that falls while "ECG noisy" suspends onsets is raised once the noise is over', () => {
    const run = (noisy: boolean): RhythmEvent[] => {
      const rnd = mulberry32(7);
      const d = new StepDriver();
      d.beats(steps(20, 0.8, 'N'));
      for (let i = 0; i < 300; i++) d.beat({ rr: 0.45 + 0.5 * rnd(), label: 'N', quality: noisy && i >= 30 && i < 40 ? 0.1 : 1 });
      return d.finish();
    };
    const control = episodes(run(false), 'afib');
    assert.equal(control.length, 1);
    const ev = run(true);
    assert.equal(episodes(ev, 'noise').length, 1, 'the low-quality beats raised noise over the AF decision');
    const af = episodes(ev, 'afib');
    assert.equal(af.length, 1, 'AF alarmed after the noise');
    const noiseEnd = episodes(ev, 'noise')[0]!.end;
    assert.ok(af[0]!.detectedAt >= noiseEnd && af[0]!.detectedAt - noiseEnd < 60 * STEP_FS);
  });

  it('a detection the credibility guard rejected does not shorten the next RR (no false HR High from it)', () => {
    const small = stepMorphology(false).map((v) => v * 0.1);
    const d = new StepDriver();
    d.beats(steps(20, 0.6, 'N'));
    for (let i = 0; i < 60; i++) {
      if (i % 2 === 0) {
        d.beat({ rr: 0.3, label: 'N', quality: 0.3, morphology: small });
        d.beat({ rr: 0.3, label: 'N' });
      } else d.beat({ rr: 0.6, label: 'N' });
    }
    assert.ok(Math.abs((d.mon.heartRate ?? 0) - 100) < 1, `HR ${d.mon.heartRate}`);
    const ev = d.finish();
    assert.equal(episodes(ev, 'hr-high').length, 0);
  });

  it('slow rhythms: RR beyond pauseS in a row count in the rate, so extreme bradycardia is alarmed; an isolated pause is left out', () => {
    const brady = (config: Parameters<typeof resolveRhythmConfig>[0], rr: number): { xb: number; hr: number | null } => {
      const d = new StepDriver(config);
      d.beats(steps(20, 0.8, 'N'));
      d.beats(steps(40, rr, 'N'));
      const hr = d.mon.heartRate;
      return { xb: episodes(d.finish(), 'extreme-brady').length, hr };
    };
    assert.equal(brady({}, 3).xb, 1, '20/min with the default 2.5-s pause');
    assert.equal(brady({ pauseS: 1.5 }, 2).xb, 1, '30/min with a 1.5-s pause setting');
    assert.ok(Math.abs((brady({}, 3).hr ?? 0) - 20) < 0.5);
    // One pause among normal beats does not drag the average down.
    const d = new StepDriver();
    d.beats([...steps(20, 0.8, 'N'), { rr: 3.5, label: 'N' }, ...steps(6, 0.8, 'N')]);
    assert.ok(Math.abs((d.mon.heartRate ?? 0) - 75) < 1);
    assert.equal(episodes(d.finish(), 'extreme-brady').length, 0);
  });

  it('a slow escape rhythm of a new shape: its first (rejected) beat ends the silence once the second confirms it (no false asystole)', () => {
    const d = new StepDriver();
    d.beats(steps(20, 0.8, 'N', { wide: false }));
    // wide complexes every 2.2 s: the first comes in a silence with an unknown shape (rejected)
    d.beats(steps(10, 2.2, 'N', { wide: true }));
    const ev = d.finish();
    assert.equal(episodes(ev, 'asystole').length, 0, 'no asystole across the first escape beat (4.4 s to the second)');
  });

  it('noise raised from the beats ends when detections stop (asystole on a clean line)', () => {
    const d = new StepDriver();
    d.beats(steps(20, 0.8, 'N'));
    d.beats(steps(8, 0.5, 'N', { quality: 0.1 }));
    const last = d.t;
    for (let t = last; t < last + 60 * STEP_FS; t += STEP_FS / 4) d.advance(t);
    // Before the end of the stream (finish() would close it anyway).
    const off = d.events.filter((e) => e.condition === 'noise' && e.phase === 'offset');
    assert.equal(off.length, 1, 'noise ended while the line stayed quiet');
    assert.ok(off[0]!.detectedAtSample - last <= 7 * STEP_FS, `noise ended ${(off[0]!.detectedAtSample - last) / STEP_FS} s after the last detection`);
    assert.equal(episodes(d.finish(), 'asystole').length, 1, 'the asystole itself is alarmed');
  });

  it('noise that starts while one lead is off is reported (not hidden behind the lead-off)', () => {
    const d = new StepDriver();
    let next = 5 * STEP_FS;
    const beat = (rr: number, quality: number): void => {
      d.beat({ rr, label: 'N', quality });
      while (next + 0.45 * STEP_FS <= d.t + STEP_FS / 2) {
        d.window(next - 5 * STEP_FS, next, { leadOff: [false, next > 5 * STEP_FS && next <= 15 * STEP_FS] });
        next += 5 * STEP_FS;
      }
    };
    for (let i = 0; i < 14; i++) beat(0.8, 1);
    for (let i = 0; i < 40; i++) beat(0.4, i % 8 < 5 ? 0.1 : 0.3);
    assert.equal(d.mon.heartRateValid, false, 'no heart rate shown from a noisy ECG');
    const ev = d.finish();
    assert.equal(episodes(ev, 'lead-off').length, 1);
    assert.equal(episodes(ev, 'noise').length, 1);
  });

  it('PVCs/min restarts when analysis is interrupted (VF, an unanalyzable stretch): the count from before does not hold the alarm', () => {
    const d = new StepDriver();
    d.beats(steps(20, 0.8, 'N'));
    for (let i = 0; i < 30; i++) d.beats([{ rr: 0.8, label: 'N' }, { rr: 0.8, label: 'N' }, { rr: 0.6, label: 'V' }]);
    assert.equal(episodes(d.events, 'pvc-high').length, 0, 'not closed yet');
    assert.ok(d.events.some((e) => e.condition === 'pvc-high' && e.phase === 'onset'), '~25 PVCs/min raised it');
    const t = d.t;
    d.window(t - 5 * STEP_FS, t, { unanalyzable: true, sqi: 0.1 });
    // sinus only afterwards, for 30 s
    d.beats(steps(40, 0.8, 'N'));
    const pvc = episodes(d.finish(), 'pvc-high');
    assert.equal(pvc.length, 1);
    assert.ok(pvc[0]!.end <= t + 1, `PVCs/min ended ${((pvc[0]!.end - t) / STEP_FS).toFixed(1)} s after the interruption`);
  });

  it('events of one condition never go back in time (a window-dated noise onset after a beat-dated offset)', () => {
    const d = new StepDriver();
    let next = 5 * STEP_FS;
    const beat = (rr: number, quality: number): void => {
      d.beat({ rr, label: 'N', quality });
      while (next + 0.45 * STEP_FS <= d.t + STEP_FS / 2) {
        const bad = next === 20 * STEP_FS;
        d.window(next - 5 * STEP_FS, next, { unanalyzable: bad, sqi: bad ? 0.1 : 1 });
        next += 5 * STEP_FS;
      }
    };
    for (let i = 0; i < 10; i++) beat(0.8, 1);
    for (let i = 0; i < 6; i++) beat(0.5, 0.1);
    for (let i = 0; i < 16; i++) beat(0.5, 1);
    for (let i = 0; i < 10; i++) beat(0.8, 1);
    const noise = d.finish().filter((e) => e.condition === 'noise');
    assert.ok(noise.length >= 2);
    for (let i = 1; i < noise.length; i++) assert.ok(noise[i]!.sample >= noise[i - 1]!.sample, `${noise[i]!.phase} @${noise[i]!.sample} before ${noise[i - 1]!.phase} @${noise[i - 1]!.sample}`);
  });

  it('50-Hz mains on a flat line: with the building\'s mains frequency set (analysis.mainsHz 50) the asystole is alarmed and held', () => {
    const run = (mainsHz: number | undefined): RhythmEvent[] => {
      const s = synthesize({ noise: { mainsHz: 50, mainsMv: 1 }, segments: [{ durationS: 30, rhythm: 'sinus', hr: 75 }, { durationS: 30, rhythm: 'asystole' }] } as ScenarioSpec, { durationS: 60, sampleRate: 360, seed: 1, leads: ['II', 'V1'] });
      return chainEvents(s, 90, mainsHz);
    };
    const asy = episodes(run(50), 'asystole').filter((e) => e.end > 30 * 360);
    assert.equal(asy.length, 1);
    assert.ok(asy[0]!.end >= 59 * 360, `asystole ended at ${asy[0]!.end / 360} s`);
  });

  it('the VF duration setting is honoured: a 3-s fibrillatory burst raises no VF alarm at 4 s (it did), a 5-s one does', () => {
    const burst = (seconds: number): number => {
      const s = synthesize({ noise: { baselineWanderMv: 0.08, emgMv: 0.012 }, segments: [{ durationS: 40, rhythm: 'sinus', hr: 80 }] } as ScenarioSpec, { durationS: 40, sampleRate: FS, seed: 2, leads: ['II', 'V1'] });
      // a wandering 4-6 Hz wave of 0.4-0.8 mV on both leads from 20 s
      const n = Math.round(seconds * FS);
      for (const [l, d] of s.data.entries()) {
        const gain = s.channels[l]!.gain;
        let ph = l;
        for (let i = 0; i < n; i++) {
          const f = 5 + Math.sin((2 * Math.PI * i) / (1.7 * FS));
          ph += (2 * Math.PI * f) / FS;
          d[20 * FS + i] = Math.round(gain * (0.6 + 0.2 * Math.sin((2 * Math.PI * i) / (2.3 * FS))) * Math.sin(ph));
        }
      }
      return episodes(chainEvents(s, 62), 'vfib').length;
    };
    assert.equal(burst(3), 0, 'a 3-s burst');
    assert.equal(burst(5), 1, 'a 5-s burst');
  });

  it('strong sinus arrhythmia (breathing-linked RR swings of 10-15 %) is not AF: the RR series is periodic', () => {
    for (const [hrvPct, hr, resp] of [[10, 60, 20], [12, 80, 16], [15, 55, 16]] as const) {
      const s = synthesize({ vitals: { respRate: resp }, segments: [{ durationS: 300, rhythm: 'sinus', hr, hrvPct, respRate: resp }] } as unknown as ScenarioSpec, { durationS: 300, sampleRate: FS, seed: 1, leads: ['II', 'V1'] });
      assert.equal(episodes(chainEvents(s, 250), 'afib').length, 0, `HRV ${hrvPct} % at ${hr}/min, ${resp} breaths/min`);
    }
  });

  it('AF ends when sinus returns with frequent PVCs (20-25/min): a third of the window\'s intervals is enough to judge', () => {
    for (const pvc of [20, 25]) {
      const spec = { segments: [{ durationS: 30, rhythm: 'sinus', hr: 75 }, { durationS: 120, rhythm: 'af', hr: 110 }, { durationS: 200, rhythm: 'sinus', hr: 75, hrvPct: 3, pvcPerMin: pvc }] } as unknown as ScenarioSpec;
      const af = episodes(runScenario(spec, 350, {}, 250, 1).events, 'afib');
      assert.equal(af.length, 1, `${pvc} PVC/min`);
      assert.ok(af[0]!.end / 250 < 175, `${pvc} PVC/min: AF ended at ${(af[0]!.end / 250).toFixed(0)} s (sinus from 150 s)`);
    }
  });

  it('a VF duration below what the detector can honour (4 s) is refused', () => {
    assert.throws(() => resolveRhythmConfig({ vfDurationS: 3 }), /vfDurationS/);
    assert.equal(resolveRhythmConfig({ vfDurationS: 6 }).vfDurationS, 6);
  });

  const mitdb = sharedData('mitdb');
  if (mitdb === null) notRun('single-lead evidence before the beats of a push (mitdb 208)', '../shared/data/mitdb not found');
  else {
    it('single-lead QRS evidence reaches the monitor before the beats of the same push: no false asystole with long blocks (mitdb 208)', async function () {
      this.timeout(60_000);
      const rec = await readRecord(`${mitdb}/208`);
      const fs = rec.header.samplingFrequency;
      const leads = rec.header.signals.map((sig) => ({ name: sig.description, gain: effectiveGain(sig), baseline: sig.baseline }));
      for (const blockS of [1, 7]) {
        const chain = new AnalysisChain({ sampleRate: fs, leads });
        const block = Math.round(blockS * fs);
        const ev: RhythmEvent[] = [];
        for (let from = 0; from < rec.length; from += block) ev.push(...chain.pushSync(rec.signals, Math.min(block, rec.length - from), from).rhythm);
        ev.push(...chain.finishSync().rhythm);
        assert.equal(episodes(ev, 'asystole').length, 0, `${blockS}-s blocks: asystole at ${episodes(ev, 'asystole').map((e) => e.start)}`);
      }
    });
  }
});
