import assert from 'node:assert/strict';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { decodeWaveBlock, encodeWaveBlock } from '../../src/uplink/wave-codec.ts';
import { RangeDecoder, RangeEncoder } from '../../src/uplink/range-coder.ts';
import { encodeBatch, decodeBatch, emptyBatch, type BatchWave } from '../../src/uplink/batch.ts';
import { readRecord } from '../../src/wfdb/index.ts';
import { mulberry32 } from '../support/prng.ts';
import { notRun, sharedData } from '../helpers/data.ts';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

function roundTrip(chans: Int32Array[], n: number): Uint8Array {
  const bytes = encodeWaveBlock(chans, n);
  const back = decodeWaveBlock(bytes, chans.length, n);
  assert.ok(back !== null, 'decodes');
  assert.equal(back.length, chans.length);
  for (let c = 0; c < chans.length; c++) assert.deepEqual(back[c], chans[c], `channel ${c} of ${chans.length}, n=${n}`);
  return bytes;
}

function gen(n: number, f: (i: number) => number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => f(i));
}

describe('range coder', () => {
  it('round-trips adaptive-probability and direct bits, including extreme probabilities', () => {
    const rnd = mulberry32(7);
    const bits: number[] = [];
    const probs: number[] = [];
    const enc = new RangeEncoder(16);
    for (let i = 0; i < 20000; i++) {
      const p = i % 3 === 0 ? 1 : i % 3 === 1 ? 4095 : 1 + Math.floor(rnd() * 4095);
      const bit = rnd() < 0.5 ? 0 : 1;
      probs.push(p);
      bits.push(bit);
      enc.encode(bit, p);
      if (i % 97 === 0) enc.encodeDirect(i & 0xffff, 16);
    }
    const bytes = enc.finish();
    const dec = new RangeDecoder(bytes);
    for (let i = 0; i < bits.length; i++) {
      assert.equal(dec.decode(probs[i] as number), bits[i], `bit ${i}`);
      if (i % 97 === 0) assert.equal(dec.decodeDirect(16), i & 0xffff);
    }
    assert.ok(dec.overrun <= 4);
  });
});

describe('wave codec (VWC1)', () => {
  it('round-trips 0, 1, 2 and odd sample counts, and 1 to 9 channels', () => {
    const rnd = mulberry32(1);
    for (const n of [0, 1, 2, 3, 5, 17, 63, 1001]) {
      for (const nch of [1, 2, 3, 9]) {
        const chans = Array.from({ length: nch }, () => gen(n, () => 1000 + Math.floor(rnd() * 40) - 20));
        roundTrip(chans, n);
      }
    }
  });

  it('round-trips constant signals (and codes them in almost nothing)', () => {
    for (const v of [0, 1024, -5, I32_MAX, I32_MIN]) {
      const bytes = roundTrip([gen(21600, () => v), gen(21600, () => v)], 21600);
      assert.ok(bytes.length < 200, `constant ${v}: ${bytes.length} bytes for 43200 samples`);
    }
  });

  it('round-trips steps, ramps, square waves and a slow sine with noise', () => {
    const rnd = mulberry32(2);
    const n = 5000;
    roundTrip([gen(n, (i) => (i < 2500 ? 0 : 2000)), gen(n, (i) => (i < 100 ? -100000 : 100000))], n);
    roundTrip([gen(n, (i) => i * 37 - 90000), gen(n, (i) => ((i >> 5) & 1 ? 511 : -512))], n);
    roundTrip([gen(n, (i) => Math.round(800 * Math.sin(i / 40) + rnd() * 6))], n);
  });

  it('round-trips the full int32 range: random values, alternating extremes, a random walk that hits the rails', () => {
    const rnd = mulberry32(3);
    const n = 4000;
    const full = gen(n, () => Math.floor(rnd() * 4294967296) + I32_MIN);
    const alt = gen(n, (i) => (i % 2 === 0 ? I32_MIN : I32_MAX));
    let w = 0;
    const walk = gen(n, () => {
      w += Math.floor((rnd() - 0.5) * 2 ** 30);
      w = Math.max(I32_MIN, Math.min(I32_MAX, w));
      return w;
    });
    roundTrip([full, alt, walk], n);
    roundTrip([alt], n);
    roundTrip([gen(7, (i) => [I32_MIN, I32_MAX, 0, I32_MIN, -1, I32_MAX, 1][i] as number)], 7);
  });

  it('returns null on truncated or garbage data instead of throwing', () => {
    const rnd = mulberry32(4);
    const chans = [gen(3000, (i) => Math.round(300 * Math.sin(i / 30) + rnd() * 10)), gen(3000, (i) => i % 300)];
    const bytes = encodeWaveBlock(chans, 3000);
    assert.equal(decodeWaveBlock(bytes.subarray(0, bytes.length >> 1), 2, 3000), null);
    for (let k = 0; k < 50; k++) {
      const junk = Uint8Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256));
      const r = decodeWaveBlock(junk, 1 + (k % 3), 1 + Math.floor(rnd() * 5000));
      if (r !== null) for (const c of r) for (const v of c) assert.ok(Number.isInteger(v));
    }
  });
});

const mitdb = sharedData('mitdb');
if (!mitdb) {
  notRun('wave codec on mitdb', '../shared/data/mitdb not found');
} else {
  describe('wave codec on MIT-BIH (60-s batches of 2-s store segments, as the hub sends them)', () => {
    it('round-trips every record exactly, at <= 4.0 bits/sample over both leads', async function () {
      this.timeout(300_000);
      const names = readdirSync(mitdb).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4)).sort();
      assert.ok(names.length > 0);
      let bits = 0;
      let samples = 0;
      const seg = 720; // 2 s at 360 Hz: the store's default segment
      const block = 21600; // 60 s: the most waveform one batch holds
      for (const name of names) {
        const rec = await readRecord(path.join(mitdb, name));
        const fs = rec.header.samplingFrequency;
        for (let a = 0; a < rec.length; a += block) {
          const end = Math.min(rec.length, a + block);
          const waves: BatchWave[] = [];
          rec.signals.forEach((sig, c) => {
            for (let s = a; s < end; s += seg) {
              const e = Math.min(end, s + seg);
              waves.push({
                deviceId: 'ecg', channel: rec.header.signals[c]?.description ?? `s${c}`, units: 'mV', gain: 200, baseline: 1024,
                sampleRate: fs, firstSample: s, wallTimeMs: 1.7e12 + (s * 1000) / fs, samples: sig.slice(s, e),
              });
            }
          });
          const r = decodeBatch(encodeBatch({ ...emptyBatch('hub', 'bed', 0, 0), waves }));
          assert.ok(r.ok, `${name} @${a}: ${r.ok ? '' : r.message}`);
          assert.deepEqual(r.batch.waves, waves, `${name} @${a} round trip`);
        }
        // Bits/sample counted on the codec output only (the batch headers are measured by the bench).
        for (let a = 0; a < rec.length; a += block) {
          const n = Math.min(block, rec.length - a);
          bits += encodeWaveBlock(rec.signals.map((s) => s.subarray(a, a + n)), n).length * 8;
          samples += n * rec.signals.length;
        }
      }
      const bps = bits / samples;
      assert.ok(bps <= 4.0, `${bps.toFixed(3)} bits/sample over ${names.length} records`);
    });
  });
}
