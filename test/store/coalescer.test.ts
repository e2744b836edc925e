import assert from 'node:assert/strict';
import type { SampleBlock } from '../../drivers/contract.ts';
import type { WaveSegment } from '../../src/store/codec.ts';
import { packSamples } from '../../src/store/codec.ts';
import { WaveCoalescer } from '../../src/store/coalescer.ts';
import { BlockStream, ECG, concatSamples } from './helpers.ts';

function setup(segmentMs = 2000) {
  const sealed: Array<{ prefix: string; seg: WaveSegment }> = [];
  let now = 0;
  const c = new WaveCoalescer(segmentMs, (prefix, seg) => sealed.push({ prefix, seg }), () => now);
  return { c, sealed, setNow: (t: number) => (now = t) };
}

describe('WaveCoalescer', () => {
  it('treats a jump in the sample numbering as a gap even when the driver reports none', () => {
    const { c, sealed } = setup();
    const bs = new BlockStream({ channels: [ECG] });
    c.append(bs.block());
    const jumped: SampleBlock = { ...bs.block(), firstSample: 1000 };
    c.append(jumped);
    c.sealAll();
    assert.deepEqual(sealed.map((s) => [s.seg.firstSample, s.seg.gap, s.seg.samples.length]), [[0, 0, 25], [1000, 975, 25]]);
    assert.equal(sealed[0]?.prefix, 'dev-1/MLII/');
  });

  it('starts over without a gap when a driver restarts its numbering', () => {
    const { c, sealed } = setup();
    const a = new BlockStream({ channels: [ECG] });
    c.append(a.block());
    c.append(a.block());
    c.append(new BlockStream({ channels: [ECG], startWallMs: a.timeOf(100) }).block());
    c.sealAll();
    assert.deepEqual(sealed.map((s) => [s.seg.firstSample, s.seg.gap, s.seg.samples.length]), [[0, 0, 50], [0, 0, 25]]);
  });

  it('splits one large block into several full segments', () => {
    const { c, sealed } = setup(1000);
    const bs = new BlockStream({ channels: [ECG] });
    c.append(bs.block({ len: 1100 }));
    assert.deepEqual(sealed.map((s) => [s.seg.firstSample, s.seg.samples.length, s.seg.startMs - bs.startWallMs]), [[0, 250, 0], [250, 250, 1000], [500, 250, 2000], [750, 250, 3000]]);
    assert.equal(c.openSegments(), 1);
    c.sealAll();
    assert.deepEqual(concatSamples(sealed.map((s) => s.seg)), bs.samples[0]);
  });

  it('cuts segments left open too long, and forgets a device after sealing it', () => {
    const { c, sealed, setNow } = setup();
    const bs = new BlockStream({ channels: [ECG] });
    c.append(bs.block());
    setNow(3999);
    c.sealOlderThan(4000);
    assert.equal(sealed.length, 0);
    setNow(4000);
    c.sealOlderThan(4000);
    assert.equal(sealed.length, 1);
    c.append(bs.block());
    c.forgetDevice('dev-1');
    assert.equal(sealed.length, 2);
    assert.equal(c.openSegments(), 0);
    c.forgetDevice('never-seen');
  });

  it('uses only `length` samples of oversized channel buffers and resizes on a new sample rate', () => {
    const { c, sealed } = setup(1000);
    const bs = new BlockStream({ channels: [ECG] });
    const b = bs.block();
    const padded = new Int32Array(100);
    padded.set(b.data[0] as Int32Array);
    c.append({ ...b, data: [padded] });
    c.append({ ...bs.block(), channels: [{ ...ECG, sampleRate: 500 }] });
    const big = bs.block({ len: 600, channels: [{ ...ECG, sampleRate: 500 }] });
    c.append(big);
    c.sealAll();
    assert.deepEqual(sealed.map((s) => [s.seg.sampleRate, s.seg.samples.length]), [[250, 25], [500, 500], [500, 125]]);
    assert.deepEqual(concatSamples(sealed.map((s) => s.seg)), bs.samples[0]);
  });

  it('packs into Int16Array only when every value fits', () => {
    assert.ok(packSamples(Int32Array.from([-32768, 0, 32767]), 3) instanceof Int16Array);
    assert.ok(packSamples(Int32Array.from([0, 32768]), 2) instanceof Int32Array);
    assert.deepEqual([...packSamples(Int32Array.from([1, 2, 70000]), 2)], [1, 2]);
  });
});
