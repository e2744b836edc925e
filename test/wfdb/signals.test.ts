import assert from 'node:assert/strict';
import { isVigilError } from '../../src/core/errors.ts';
import { parseHeader, type WfdbHeader } from '../../src/wfdb/header.ts';
import { RecordDecoder, availableSamples, decodeSignals, signalChecksum, verifyChecksums } from '../../src/wfdb/signals.ts';
import { mulberry32 } from '../support/prng.ts';
import { encode212, encodeFixed, interleave, withPrefix } from './support.ts';

function header(text: string): WfdbHeader {
  const r = parseHeader(text);
  if (!r.ok) assert.fail(r.error.message);
  return r.header;
}

function randomChannel(rnd: () => number, n: number, bits: number): number[] {
  const half = 2 ** (bits - 1);
  return Array.from({ length: n }, () => Math.floor(rnd() * 2 * half) - half);
}

describe('WFDB signal decoding', () => {
  it('decodes hand-made format 212 frames, including negative extremes', () => {
    // Frame 1: s0 = 0x123, s1 = 0x800 (-2048). Frame 2: s0 = 0xFFF (-1), s1 = 0x7FF (2047).
    const bytes = Uint8Array.from([0x23, 0x81, 0x00, 0xff, 0x7f, 0xff]);
    const h = header('r 2 360 2\nr.dat 212\nr.dat 212');
    const d = decodeSignals(new RecordDecoder(h, new Map([['r.dat', bytes]])));
    assert.deepEqual([...d.signals[0]!], [0x123, -1]);
    assert.deepEqual([...d.signals[1]!], [-2048, 2047]);
    assert.equal(d.truncated, false);
  });

  it('decodes hand-made format 16 bytes after a 24-byte preamble', () => {
    const payload = Uint8Array.from([0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f]);
    const h = header('r 2 360 2\nr.dat 16+24\nr.dat 16+24');
    const d = decodeSignals(new RecordDecoder(h, new Map([['r.dat', withPrefix(24, payload)]])));
    assert.deepEqual([...d.signals[0]!], [1, -32768]);
    assert.deepEqual([...d.signals[1]!], [-1, 32767]);
  });

  for (const nsig of [1, 2, 3]) {
    it(`round-trips random 12-bit samples through format 212 with ${nsig} signal(s)`, () => {
      const rnd = mulberry32(212 + nsig);
      const n = 1001;
      const chans = Array.from({ length: nsig }, () => randomChannel(rnd, n, 12));
      const lines = [`r ${nsig} 360 ${n}`, ...chans.map(() => 'r.dat 212')];
      const d = decodeSignals(new RecordDecoder(header(lines.join('\n')), new Map([['r.dat', encode212(interleave(chans))]])));
      assert.equal(d.length, n);
      chans.forEach((c, i) => assert.deepEqual([...d.signals[i]!], c));
    });
  }

  for (const format of [16, 61, 80, 24, 32] as const) {
    it(`round-trips random samples through format ${format}`, () => {
      const bits = format === 80 ? 8 : format === 24 ? 24 : format === 32 ? 32 : 16;
      const rnd = mulberry32(format);
      const chans = [randomChannel(rnd, 300, bits), randomChannel(rnd, 300, bits)];
      const h = header(`r 2 360 300\nr.dat ${format}+3\nr.dat ${format}+3`);
      const d = decodeSignals(new RecordDecoder(h, new Map([['r.dat', withPrefix(3, encodeFixed(format, interleave(chans)))]])));
      assert.deepEqual([...d.signals[0]!], chans[0]);
      assert.deepEqual([...d.signals[1]!], chans[1]);
    });
  }

  it('decodes multi-rate frames (format xN) for 212 and 16', () => {
    const rnd = mulberry32(7);
    const a = randomChannel(rnd, 20, 12); // 2 per frame
    const b = randomChannel(rnd, 10, 12); // 1 per frame
    const stream: number[] = [];
    for (let f = 0; f < 10; f++) stream.push(a[2 * f]!, a[2 * f + 1]!, b[f]!);
    for (const [format, bytes] of [
      [212, encode212(stream)],
      [16, encodeFixed(16, stream)],
    ] as const) {
      const d = decodeSignals(new RecordDecoder(header(`r 2 100 10\nr.dat ${format}x2\nr.dat ${format}`), new Map([['r.dat', bytes]])));
      assert.equal(d.length, 10);
      assert.deepEqual([...d.signals[0]!], a);
      assert.deepEqual([...d.signals[1]!], b);
    }
  });

  it('decodes signals split over several files', () => {
    const rnd = mulberry32(99);
    const a = randomChannel(rnd, 50, 12);
    const b = randomChannel(rnd, 50, 16);
    const h = header('r 2 360 50\nr_a.dat 212\nr_b.dat 16');
    const d = decodeSignals(new RecordDecoder(h, new Map([['r_a.dat', encode212(a)], ['r_b.dat', encodeFixed(16, b)]])));
    assert.deepEqual([...d.signals[0]!], a);
    assert.deepEqual([...d.signals[1]!], b);
  });

  it('decodes in arbitrary chunks exactly as in one pass', () => {
    const rnd = mulberry32(5);
    const n = 777;
    const chans = [randomChannel(rnd, n, 12), randomChannel(rnd, n, 12), randomChannel(rnd, n, 12)];
    const dec = new RecordDecoder(header(`r 3 360 ${n}\nr.dat 212\nr.dat 212\nr.dat 212`), new Map([['r.dat', encode212(interleave(chans))]]));
    const out = dec.allocate(n);
    let from = 0;
    while (from < n) {
      const step = 1 + Math.floor(rnd() * 50);
      const got = dec.decode(from, step, out, from);
      assert.equal(got, Math.min(step, n - from));
      from += got;
    }
    chans.forEach((c, i) => assert.deepEqual([...out[i]!], c));
    assert.equal(dec.decode(n, 10, out, 0), 0, 'nothing past the end');
  });

  it('reports a truncated data file by its decoded length instead of throwing', () => {
    const rnd = mulberry32(11);
    const chans = [randomChannel(rnd, 10, 12), randomChannel(rnd, 10, 12)];
    const full = encode212(interleave(chans));
    const h = header('r 2 360 10\nr.dat 212 200 12 0 0 0\nr.dat 212');
    const d = decodeSignals(new RecordDecoder(h, new Map([['r.dat', full.subarray(0, 23)]])));
    assert.equal(d.length, 7);
    assert.equal(d.expectedLength, 10);
    assert.equal(d.truncated, true);
    assert.deepEqual([...d.signals[0]!], chans[0]!.slice(0, 7));
    const empty = decodeSignals(new RecordDecoder(h, new Map([['r.dat', new Uint8Array(0)]])));
    assert.equal(empty.length, 0);
    assert.equal(empty.truncated, true);
  });

  it('uses the data length when the header gives no sample count, and ignores extra data', () => {
    const bytes = encode212([1, 2, 3, 4, 5, 6]);
    assert.equal(decodeSignals(new RecordDecoder(header('r 2 360\nr.dat 212\nr.dat 212'), new Map([['r.dat', bytes]]))).length, 3);
    assert.equal(decodeSignals(new RecordDecoder(header('r 2 360 2\nr.dat 212\nr.dat 212'), new Map([['r.dat', bytes]]))).length, 2);
  });

  it('counts only complete 212 samples', () => {
    assert.equal(availableSamples(212, 0), 0);
    assert.equal(availableSamples(212, 1), 0);
    assert.equal(availableSamples(212, 2), 1);
    assert.equal(availableSamples(212, 3), 2);
    assert.equal(availableSamples(212, 5), 3);
    assert.equal(availableSamples(16, 5), 2);
    assert.equal(availableSamples(16, -4), 0);
  });

  it('computes the WFDB checksum as the low 16 bits of the sum, signed', () => {
    assert.equal(signalChecksum(Int32Array.from([32767, 1])), -32768);
    assert.equal(signalChecksum(Int32Array.from([-1, -1])), -2);
    assert.equal(signalChecksum(Int32Array.from([65536, 5])), 5);
    assert.equal(signalChecksum(Int32Array.from([1, 2, 3]), 2), 3);
    const h = header('r 2 360 2\nr.dat 16 200 16 0 0 3\nr.dat 16 200 16 0 0 99');
    const d = decodeSignals(new RecordDecoder(h, new Map([['r.dat', encodeFixed(16, [1, 4, 2, 5])]])));
    const checks = verifyChecksums(h, d);
    assert.deepEqual(checks.map((c) => [c.expected, c.actual, c.ok]), [
      [3, 3, true],
      [99, 9, false],
    ]);
  });

  it('refuses missing files and short output arrays with stable codes', () => {
    const h = header('r 1 360 4\nr.dat 16');
    assert.throws(() => new RecordDecoder(h, new Map()), (e: unknown) => isVigilError(e, 'VIGIL_WFDB_FILE_MISSING'));
    const dec = new RecordDecoder(h, new Map([['r.dat', encodeFixed(16, [1, 2, 3, 4])]]));
    assert.throws(() => dec.decode(0, 4, [new Int32Array(3)]), (e: unknown) => isVigilError(e, 'VIGIL_USAGE'));
    assert.throws(() => dec.decode(-1, 1, dec.allocate(4)), (e: unknown) => isVigilError(e, 'VIGIL_USAGE'));
  });
});
