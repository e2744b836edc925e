import assert from 'node:assert/strict';
import { OpenViewFramer } from '../../../drivers/openview/framer.ts';
import {
  OPENVIEW_DATA_FRAME_LEN,
  OPENVIEW_TYPE_DATA,
  decodeDataPayload,
  encodeDataFrame,
  encodeFrame,
  newOpenViewSample,
  openViewLength,
  type OpenViewSample,
} from '../../../drivers/openview/packet.ts';
import { mulberry32 } from '../../support/prng.ts';

function sampleN(n: number): OpenViewSample {
  return { ecg: n * 7 - 5000, bioz: -n, biozSkip: n & 1 ? 0xff : 0, ppgRed: n * 3, ppgIr: n, temp: 3650 + (n % 10), spo2: 97, hr: 72, respRate: 16 };
}

function frame(n: number): Uint8Array {
  const b = new Uint8Array(OPENVIEW_DATA_FRAME_LEN);
  encodeDataFrame(sampleN(n), b);
  return b;
}

function collect(maxPayload?: number): { framer: OpenViewFramer; ids: number[]; types: number[] } {
  const ids: number[] = [];
  const types: number[] = [];
  const s = newOpenViewSample();
  const framer = new OpenViewFramer((type, payload) => {
    types.push(type);
    if (type === OPENVIEW_TYPE_DATA && decodeDataPayload(payload, s)) ids.push(s.ppgIr);
  }, maxPayload, openViewLength);
  return { framer, ids, types };
}

describe('OpenView packet', () => {
  it('round-trips every field, including negative and extreme values', () => {
    const s: OpenViewSample = { ecg: -2147483648, bioz: 2147483647, biozSkip: 0xff, ppgRed: -1, ppgIr: 123456789, temp: -2735, spo2: 100, hr: 255, respRate: 0 };
    const b = new Uint8Array(OPENVIEW_DATA_FRAME_LEN);
    assert.equal(encodeDataFrame(s, b), 29);
    assert.deepEqual([...b.subarray(0, 5)], [0x0a, 0xfa, 22, 0, 0x02]);
    assert.deepEqual([...b.subarray(27)], [0x00, 0x0b]);
    const out = newOpenViewSample();
    assert.equal(decodeDataPayload(b.subarray(5, 27), out), true);
    assert.deepEqual(out, s);
  });

  it('decodes a hand-made little-endian payload', () => {
    // ECG = 0x00000102 = 258, temperature 0xFF38 = -200, SpO2 98, HR 61, RR 14
    const p = new Uint8Array([2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0x38, 0xff, 98, 61, 14]);
    const out = newOpenViewSample();
    assert.equal(decodeDataPayload(p, out), true);
    assert.equal(out.ecg, 258);
    assert.equal(out.ppgRed, 1);
    assert.equal(out.ppgIr, 2);
    assert.equal(out.temp, -200);
    assert.deepEqual([out.spo2, out.hr, out.respRate], [98, 61, 14]);
  });

  it('rejects a short payload without touching the output', () => {
    const out = newOpenViewSample();
    assert.equal(decodeDataPayload(new Uint8Array(21), out), false);
    assert.deepEqual(out, newOpenViewSample());
  });
});

describe('OpenViewFramer', () => {
  it('splits a stream into frames regardless of chunk boundaries', () => {
    const all = new Uint8Array(OPENVIEW_DATA_FRAME_LEN * 50);
    for (let i = 0; i < 50; i++) all.set(frame(i), i * OPENVIEW_DATA_FRAME_LEN);
    for (const chunk of [1, 2, 7, 29, 30, 1000]) {
      const { framer, ids } = collect();
      for (let o = 0; o < all.length; o += chunk) framer.push(all.subarray(o, o + chunk));
      assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => i), `chunk ${chunk}`);
      assert.equal(framer.stats.droppedBytes, 0);
      assert.equal(framer.pending, 0);
    }
  });

  it('resynchronises after garbage and counts what it dropped', () => {
    const { framer, ids } = collect();
    framer.push(frame(1));
    framer.push(new Uint8Array([1, 2, 3, 0x0a, 0x0a, 0xfa, 0xff]));
    framer.push(frame(2));
    assert.deepEqual(ids, [1, 2]);
    assert.equal(framer.stats.droppedBytes, 7);
  });

  it('recovers the real frame hidden inside a truncated one', () => {
    const { framer, ids } = collect();
    const cut = frame(1).subarray(0, 15); // truncated: the rest never came
    framer.push(cut);
    framer.push(frame(2));
    framer.push(frame(3));
    assert.deepEqual(ids, [2, 3]);
    assert.ok(framer.stats.badFrames >= 1);
  });

  it('bounds the length field and skips unknown packet types', () => {
    const { framer, ids, types } = collect(64);
    framer.push(new Uint8Array([0x0a, 0xfa, 0xff, 0xff, 0x02])); // length 65535 > bound
    framer.push(encodeFrame(0x07, new Uint8Array([9, 9, 9])));
    framer.push(frame(4));
    assert.deepEqual(types, [0x07, OPENVIEW_TYPE_DATA]);
    assert.deepEqual(ids, [4]);
    assert.ok(framer.stats.badFrames >= 1);
  });

  it('rejects a data frame whose length is not 22', () => {
    const { framer, ids, types } = collect();
    framer.push(encodeFrame(OPENVIEW_TYPE_DATA, new Uint8Array(21)));
    framer.push(frame(9));
    assert.deepEqual(types, [OPENVIEW_TYPE_DATA]);
    assert.deepEqual(ids, [9]);
  });

  it('keeps scanning inside an unknown-type frame so a real frame within is not lost', () => {
    const { framer, ids, types } = collect();
    const inner = frame(5);
    framer.push(encodeFrame(0x33, inner));
    assert.deepEqual(types, [0x33, OPENVIEW_TYPE_DATA]);
    assert.deepEqual(ids, [5]);
  });

  it('handles a zero-length frame', () => {
    const { framer, types } = collect();
    framer.push(encodeFrame(0x05, new Uint8Array(0)));
    assert.deepEqual(types, [0x05]);
  });

  it('fuzz: 12 MB of random and corrupted frames never throw and every intact frame after garbage is recovered', function () {
    this.timeout(120_000);
    const rnd = mulberry32(0xc0ffee);
    const { framer, ids } = collect();
    const expected: number[] = [];
    let fed = 0;
    let n = 0;
    const target = 12 * 1024 * 1024;
    while (fed < target) {
      const r = rnd();
      let chunk: Uint8Array;
      if (r < 0.15) {
        // pure random garbage, sometimes full of start markers
        chunk = new Uint8Array(1 + Math.floor(rnd() * 300));
        for (let i = 0; i < chunk.length; i++) chunk[i] = rnd() < 0.1 ? (rnd() < 0.5 ? 0x0a : 0xfa) : Math.floor(rnd() * 256);
      } else if (r < 0.25) {
        // a corrupted frame: truncated, or with a byte flipped in the header or trailer
        const f = frame(n++).slice();
        const mode = rnd();
        if (mode < 0.5) chunk = f.subarray(0, Math.floor(rnd() * (f.length - 1)));
        else {
          const pos = [0, 1, 2, 3, 27, 28][Math.floor(rnd() * 6)] as number;
          f[pos] = ((f[pos] as number) + 1 + Math.floor(rnd() * 254)) & 0xff;
          chunk = f;
        }
      } else {
        // a run of intact frames, pushed at random split points
        const k = 1 + Math.floor(rnd() * 40);
        chunk = new Uint8Array(k * OPENVIEW_DATA_FRAME_LEN);
        for (let i = 0; i < k; i++) {
          expected.push(n);
          chunk.set(frame(n++), i * OPENVIEW_DATA_FRAME_LEN);
        }
      }
      let o = 0;
      while (o < chunk.length) {
        const step = 1 + Math.floor(rnd() * 200);
        framer.push(chunk.subarray(o, o + step));
        o += step;
      }
      fed += chunk.length;
    }
    // Garbage is allowed to form an occasional extra valid-looking frame (no checksum), but
    // every intact frame must come through, in order.
    const got = new Set(ids);
    const missing = expected.filter((e) => !got.has(e));
    assert.deepEqual(missing, [], `${missing.length} of ${expected.length} intact frames lost`);
    const want = new Set(expected);
    const inOrder = ids.filter((x) => want.has(x));
    for (let i = 1; i < inOrder.length; i++) assert.ok((inOrder[i] as number) > (inOrder[i - 1] as number));
    assert.ok(framer.stats.droppedBytes > 0);
    assert.ok(fed >= 10 * 1024 * 1024);
  });
});
