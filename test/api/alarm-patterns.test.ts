import assert from 'node:assert/strict';
import { burstPattern, HARMONICS } from '../../src/api/bedside/static/patterns.js';

// IEC 60601-1-8 (DOMAIN.md): the checks below are the standard's ranges, not our chosen values.
describe('bedside alarm tones: IEC 60601-1-8 burst patterns', () => {
  const gaps = (p: ReturnType<typeof burstPattern>): number[] =>
    p.pulses.slice(1).map((x, i) => x.startMs - ((p.pulses[i]?.startMs ?? 0) + (p.pulses[i]?.durMs ?? 0)));

  it('high: 10 pulses as 3 + 2, 3 + 2; pulse 75-200 ms, spacing 50-125 ms, 2ts+td between groups, 0.35-1.3 s between halves, repeated every 2.5-15 s', () => {
    const p = burstPattern('high');
    assert.equal(p.pulses.length, 10);
    for (const x of p.pulses) assert.ok(x.durMs >= 75 && x.durMs <= 200, `pulse ${x.durMs} ms`);
    const g = gaps(p);
    const td = p.pulses[0]?.durMs ?? 0;
    const ts = g[0] ?? 0;
    assert.ok(ts >= 50 && ts <= 125);
    for (const i of [0, 1, 3, 5, 6, 8]) assert.equal(g[i], ts, `spacing ${i}`);
    for (const i of [2, 7]) assert.equal(g[i], 2 * ts + td, `group gap ${i}`);
    assert.ok((g[4] ?? 0) >= 350 && (g[4] ?? 0) <= 1300);
    const burstEnd = (p.pulses[9]?.startMs ?? 0) + td;
    assert.ok(p.repeatMs >= 2500 && p.repeatMs <= 15_000 && p.repeatMs > burstEnd);
  });

  it('medium: 3 pulses, pulse and spacing 125-250 ms, repeated every 2.5-30 s', () => {
    const p = burstPattern('medium');
    assert.equal(p.pulses.length, 3);
    for (const x of p.pulses) assert.ok(x.durMs >= 125 && x.durMs <= 250);
    for (const g of gaps(p)) assert.ok(g >= 125 && g <= 250);
    assert.ok(p.repeatMs >= 2500 && p.repeatMs <= 30_000);
  });

  it('low: 1-2 pulses, pulse and spacing 125-250 ms, repeated no faster than every 15 s', () => {
    const p = burstPattern('low');
    assert.ok(p.pulses.length >= 1 && p.pulses.length <= 2);
    for (const x of p.pulses) assert.ok(x.durMs >= 125 && x.durMs <= 250);
    for (const g of gaps(p)) assert.ok(g >= 125 && g <= 250);
    assert.ok(p.repeatMs >= 15_000);
  });

  it('pulses: fundamental 150-1000 Hz, at least 4 harmonics within 15 dB; the priorities differ in pitch', () => {
    const f = (['high', 'medium', 'low'] as const).map((q) => burstPattern(q).f0Hz);
    for (const hz of f) assert.ok(hz >= 150 && hz <= 1000, `${hz} Hz`);
    assert.equal(new Set(f).size, 3);
    const harmonics = HARMONICS.slice(1).filter((a) => 20 * Math.log10(a / (HARMONICS[0] ?? 1)) >= -15);
    assert.ok(harmonics.length >= 4);
    for (const q of ['high', 'medium', 'low'] as const) {
      const p = burstPattern(q);
      assert.ok(p.riseMs / (p.pulses[0]?.durMs ?? 1) <= 0.2, 'rise within 10-20 % of the pulse');
    }
  });
});
