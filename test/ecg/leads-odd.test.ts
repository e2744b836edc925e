/**
 * The engine when a lead pops off, electrodes are attached after start-up, or a lead is flat,
 * with the other lead clean (review 2026-11; each case missed beats for seconds to minutes, with
 * false asystole alarms downstream, on the code before the fix).
 */
import assert from 'node:assert/strict';
import { isVigilError } from '../../src/core/errors.ts';
import { EcgEngine } from '../../src/ecg/index.ts';
import { optionsFor, runEngine, score, synth } from './support.ts';

const RAIL = 8_388_607;
const FS = 360;

/** Truth beats missed (150 ms) by the run, optionally only outside [from, to). */
function missed(run: ReturnType<typeof runEngine>, from = -1, to = -1): number[] {
  const tol = Math.round(0.15 * run.fs);
  return run.truth.filter((t) => !(t >= from && t < to) && !run.beats.some((b) => Math.abs(b.sample - t) <= tol));
}

describe('ecg engine: leads off, late electrodes, flat leads', () => {
  it('V1 popping off for 50 ms or 15 s loses no beat on lead II (the rail step no longer blinds detection)', () => {
    for (const hr of [72, 120]) {
      for (const [at, dur] of [[30.13, 0.05], [30, 15]] as const) {
        const s = synth(`sinus:${hr}`, 60, FS, 3);
        s.data[1]!.fill(RAIL, Math.round(at * FS), Math.round((at + dur) * FS));
        const run = runEngine(s, FS, { suppressUnanalyzable: false });
        const m = missed(run);
        assert.ok(m.length <= 1, `hr ${hr}, V1 off ${dur} s at ${at} s: missed ${m.length} beats at ${m.map((t) => (t / FS).toFixed(1)).join(', ')} s`);
      }
    }
  });

  it('both leads off for 1 s: detection is back within 2 s of the electrodes', () => {
    const s = synth('sinus:72', 60, FS, 3);
    for (const d of s.data) d.fill(RAIL, 30 * FS, 31 * FS);
    const run = runEngine(s, FS, { suppressUnanalyzable: false });
    const m = missed(run, 30 * FS - 0.2 * FS, 33 * FS);
    assert.equal(m.length, 0, `missed at ${m.map((t) => (t / FS).toFixed(1)).join(', ')} s`);
  });

  it('electrodes attached 0.5-3 s after start-up (leads at the rail until then): normal detection within seconds', () => {
    for (const attachS of [0.5, 1, 3]) {
      const s = synth('sinus:72', 60, FS, 3);
      for (const d of s.data) d.fill(RAIL, 0, Math.round(attachS * FS));
      const run = runEngine(s, FS);
      const m = missed(run, 0, (attachS + 5) * FS);
      assert.ok(m.length <= 1, `attached at ${attachS} s: missed ${m.length} beats after ${attachS + 5} s`);
    }
  });

  it('a flat lead (constant samples) carries no weight while the other lead is live', () => {
    for (const lead of [0, 1]) {
      const s = synth('sinus:72', 60, FS, 3);
      s.data[lead]!.fill(12345);
      const run = runEngine(s, FS);
      const sc = score({ ...run, truth: run.truth.filter((t) => t > 6 * FS) });
      assert.ok(sc.fn <= 1, `lead ${lead} flat: missed ${sc.fn}`);
    }
    // Heavy noise on the live lead is still flagged although the flat lead looks "clean".
    const n = synth({ seed: 5, segments: [{ durationS: 30, rhythm: 'sinus', hr: 70 }, { durationS: 20, rhythm: 'sinus', hr: 70, noise: { emgMv: 3, baselineWanderMv: 2 } }, { durationS: 30, rhythm: 'sinus', hr: 70 }] }, 80, FS, 5);
    n.data[1]!.fill(0);
    const noisy = runEngine(n, FS);
    assert.ok(noisy.windows.some((w) => w.startSample >= 30 * FS && w.endSample <= 55 * FS && w.unanalyzable), 'the noisy stretch is flagged unanalyzable');
  });

  it('finish() reports the last, partial window; a 3-s stream gets one', () => {
    const s = synth('sinus:72', 12.3, FS, 3);
    const run = runEngine(s, FS);
    assert.deepEqual(run.windows.map((w) => [w.startSample / FS, w.endSample / FS]), [[0, 5], [5, 10], [10, 12.3]]);
    const short = runEngine(synth('sinus:72', 3, FS, 3), FS);
    assert.equal(short.windows.length, 1);
  });

  it('refuses what would poison it silently: a short lead array, a NaN baseline, a learning period beyond its queue', () => {
    const s = synth('sinus:72', 10, FS, 3);
    const usage = (f: () => unknown): boolean => {
      try {
        f();
        return false;
      } catch (e: unknown) {
        return isVigilError(e) && e.code === 'VIGIL_USAGE';
      }
    };
    const e = new EcgEngine(optionsFor(s));
    assert.ok(usage(() => e.push([s.data[0]!, s.data[1]!.subarray(0, FS - 1)], FS)), 'one lead a sample short');
    assert.ok(usage(() => e.push(s.data, 1.5)), 'a fractional count');
    e.push(s.data, FS);
    assert.ok(usage(() => new EcgEngine({ ...optionsFor(s), leads: [{ name: 'II', gain: 1000, baseline: Number.NaN }] })));
    assert.ok(usage(() => new EcgEngine({ ...optionsFor(s), learningS: 30 })));
  });

  it('a stream that starts just after an R peak emits no beat before its first sample', () => {
    const s = synth('sinus:72', 30, FS, 3);
    const r0 = s.truth.find((t) => t.code === 'N')!.sample;
    const cut = r0 + 10;
    const e = new EcgEngine(optionsFor(s));
    const data = s.data.map((d) => d.slice(cut));
    e.push(data, s.length - cut);
    e.finish();
    const beats = e.drainBeats();
    assert.ok(beats.length > 20);
    assert.ok(beats.every((b) => b.sample >= 0), `first beat at ${beats[0]!.sample}`);
  });

  it('at 125 Hz learning ends at the same sample whatever the block size (same first beats)', () => {
    const s = synth('af:150', 30, 125, 3);
    const a = runEngine(s, 125).beats.slice(0, 5).map((b) => [b.sample, b.lead]);
    const b = runEngine(s, 3600).beats.slice(0, 5).map((b) => [b.sample, b.lead]);
    assert.deepEqual(a, b);
  });
});
