import assert from 'node:assert/strict';
import { isVigilError } from '../../src/core/errors.ts';
import { annotationSet, parseAnnotations, writeAnnotations, type AnnotationInput, type AnnotationResult, type AnnotationSet } from '../../src/wfdb/annotations.ts';
import { ANNOTATION_SYMBOLS, AnnotationCode, annotationCodeOf, annotationSymbol, isBeatCode } from '../../src/wfdb/codes.ts';
import { mulberry32 } from '../support/prng.ts';

/** Little-endian 16-bit words to bytes. */
function words(...ws: number[]): Uint8Array {
  const b = new Uint8Array(ws.length * 2);
  ws.forEach((w, i) => {
    b[2 * i] = w & 0xff;
    b[2 * i + 1] = (w >> 8) & 0xff;
  });
  return b;
}

function ann(code: number, delta: number): number {
  return (code << 10) | delta;
}

function ok(r: AnnotationResult): AnnotationSet {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.annotations;
}

function rows(s: AnnotationSet): AnnotationInput[] {
  return Array.from({ length: s.length }, (_, i) => ({
    sample: s.sample[i]!,
    code: s.code[i]!,
    subtype: s.subtype[i]!,
    chan: s.chan[i]!,
    num: s.num[i]!,
    aux: s.aux[i] ?? null,
  }));
}

describe('MIT annotation reader', () => {
  it('reads the opening of a mitdb .atr file: rhythm with NUL-terminated aux, then beats', () => {
    // 0x7007: RHYTHM(28) at +7; 0xFC03: AUX of 3 bytes "(N\0" + pad; 0x044C: NORMAL at +76.
    const b = Uint8Array.from([0x07, 0x70, 0x03, 0xfc, 0x28, 0x4e, 0x00, 0x00, 0x4c, 0x04, 0x39, 0x05, 0x00, 0x00]);
    const s = ok(parseAnnotations(b));
    assert.deepEqual(rows(s), [
      { sample: 7, code: 28, subtype: 0, chan: 0, num: 0, aux: '(N' },
      { sample: 83, code: 1, subtype: 0, chan: 0, num: 0, aux: null },
      { sample: 83 + 0x139, code: 1, subtype: 0, chan: 0, num: 0, aux: null },
    ]);
  });

  it('adds SKIP intervals (high word first) to the time of the next annotation', () => {
    // 100000 = 0x000186A0; a negative SKIP moves time back.
    const s = ok(parseAnnotations(words(ann(59, 0), 0x0001, 0x86a0, ann(1, 0), ann(59, 0), 0xffff, 0xfff6, ann(5, 3), 0)));
    assert.deepEqual([...s.sample], [100000, 99993]);
    assert.deepEqual([...s.code], [1, 5]);
  });

  it('applies SUB/CHN/NUM/AUX to the annotation they follow; chan and num carry over, subtype and aux reset', () => {
    const b = words(ann(1, 10), ann(61, 3), ann(62, 2), ann(60, 5), ann(63, 1), 0x0041, ann(5, 10), ann(60, 0x3ff), ann(1, 10), 0);
    const s = ok(parseAnnotations(b));
    assert.deepEqual(rows(s), [
      { sample: 10, code: 1, subtype: 3, chan: 2, num: 5, aux: 'A' },
      { sample: 20, code: 5, subtype: 0, chan: 2, num: -1, aux: null },
      { sample: 30, code: 1, subtype: 0, chan: 2, num: -1, aux: null },
    ]);
  });

  it('returns the annotations read so far with a stable error for damaged files', () => {
    const cases: [Uint8Array, number][] = [
      [words(ann(1, 5), ann(1, 5)), 2], // no end word
      [Uint8Array.from([...words(ann(1, 5)), 0x01]), 1], // odd trailing byte
      [words(ann(1, 5), ann(59, 0), 0x0001), 1], // SKIP without its interval
      [words(ann(1, 5), ann(63, 10), 0x4141), 1], // AUX running past the end
      [words(ann(59, 0), 0x7fff, 0xffff, ann(1, 5), 0), 0], // time past int32
      [new Uint8Array(0), 0],
    ];
    for (const [bytes, count] of cases) {
      const r = parseAnnotations(bytes);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, 'VIGIL_WFDB_ANNOTATION_INVALID');
      assert.equal(r.annotations.length, count);
    }
  });

  it('never throws on 2 MB of seeded random bytes, nor on mutated valid files', () => {
    const rnd = mulberry32(0xa77);
    const big = new Uint8Array(2 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = Math.floor(rnd() * 256);
    let total = 0;
    for (let off = 0; off < big.length; off += 4096 + 1) {
      const r = parseAnnotations(big.subarray(off, off + 4096 + Math.floor(rnd() * 4096)));
      for (let i = 0; i < r.annotations.length; i++) assert.ok(r.annotations.sample[i]! >= 0);
      total += r.annotations.length;
    }
    parseAnnotations(big);
    assert.ok(total > 0, 'random bytes do contain annotation words');
    const valid = writeAnnotations(randomSet(mulberry32(3), 300));
    for (let k = 0; k < 2000; k++) {
      const m = valid.slice(0, Math.floor(rnd() * (valid.length + 1)));
      for (let j = 0; j < 3; j++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
      const r = parseAnnotations(m);
      assert.equal(r.annotations.aux.length, r.annotations.length);
    }
  });
});

function randomSet(rnd: () => number, n: number): AnnotationSet {
  const list: AnnotationInput[] = [];
  let t = 0;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  for (let i = 0; i < n; i++) {
    t += pick([0, 1, 7, 300, 1023, 1024, 5000, 70000, 3_000_000]);
    const auxLen = pick([0, 0, 1, 2, 5, 255]);
    let aux = '';
    for (let j = 0; j < auxLen; j++) aux += String.fromCharCode(32 + Math.floor(rnd() * 95));
    list.push({
      sample: t,
      code: pick([0, 1, 5, 28, 22, 14, 49]),
      subtype: pick([0, 0, 1, -1, 127, -128]),
      chan: pick([0, 0, 1, 255]),
      num: pick([0, 0, 3, -128, 127]),
      aux: auxLen === 0 ? null : aux,
    });
  }
  return annotationSet(list);
}

describe('MIT annotation writer', () => {
  it('writes exactly what putann writes', () => {
    const set = annotationSet([
      { sample: 7, code: 28, aux: '(N' },
      { sample: 83, code: 1 },
      { sample: 2000, code: 5, subtype: 2, chan: 1, num: -1 },
      { sample: 2001, code: 1, chan: 1, num: -1, aux: 'abc' },
    ]);
    const expected = words(
      ann(28, 7), ann(63, 2), 0x4e28, // "(N"
      ann(1, 76),
      ann(59, 0), 0x0000, 1917, ann(5, 0), ann(61, 2), ann(62, 1), ann(60, 0x3ff),
      ann(1, 1), ann(63, 3), 0x6261, 0x0063, // "abc" + pad
      0,
    );
    assert.deepEqual([...writeAnnotations(set)], [...expected]);
  });

  it('round-trips SKIP, AUX, SUB, CHN, NUM and code-0 annotations', () => {
    for (const seed of [1, 2, 3]) {
      const set = randomSet(mulberry32(seed), 500);
      const back = ok(parseAnnotations(writeAnnotations(set)));
      assert.deepEqual(rows(back), rows(set));
    }
  });

  it('round-trips an empty set as a single end word', () => {
    const bytes = writeAnnotations(annotationSet([]));
    assert.deepEqual([...bytes], [0, 0]);
    assert.equal(ok(parseAnnotations(bytes)).length, 0);
  });

  it('refuses values it cannot encode', () => {
    const isInvalid = (e: unknown): boolean => isVigilError(e, 'VIGIL_WFDB_ANNOTATION_INVALID');
    assert.throws(() => writeAnnotations(annotationSet([{ sample: 1, code: 60 }])), isInvalid);
    assert.throws(() => writeAnnotations(annotationSet([{ sample: 10, code: 1 }, { sample: 9, code: 1 }])), isInvalid);
    assert.throws(() => writeAnnotations(annotationSet([{ sample: 1, code: 1, aux: 'x'.repeat(256) }])), isInvalid);
    assert.throws(() => writeAnnotations(annotationSet([{ sample: 1, code: 1, aux: 'a\0b' }])), isInvalid);
  });
});

describe('MIT annotation codes', () => {
  it('maps codes to rdann symbols and back', () => {
    const expected: [number, string][] = [
      [1, 'N'], [2, 'L'], [3, 'R'], [4, 'a'], [5, 'V'], [6, 'F'], [7, 'J'], [8, 'A'], [9, 'S'], [10, 'E'], [11, 'j'], [12, '/'],
      [13, 'Q'], [14, '~'], [16, '|'], [22, '"'], [25, 'B'], [28, '+'], [30, '?'], [31, '!'], [32, '['], [33, ']'], [34, 'e'],
      [35, 'n'], [38, 'f'], [41, 'r'],
    ];
    for (const [c, sym] of expected) {
      assert.equal(annotationSymbol(c), sym);
      assert.equal(annotationCodeOf(sym), c);
    }
    assert.equal(ANNOTATION_SYMBOLS.length, 50);
    assert.equal(annotationSymbol(55), '[55]');
    assert.equal(annotationCodeOf('nope'), null);
    assert.equal(AnnotationCode.RHYTHM, 28);
  });

  it('classifies beats as WFDB isqrs does', () => {
    const beats = ANNOTATION_SYMBOLS.map((_, c) => c).filter(isBeatCode);
    assert.deepEqual(beats, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25, 30, 34, 35, 38, 41]);
    for (const c of [0, 14, 16, 22, 28, 31, 32, 33]) assert.equal(isBeatCode(c), false);
  });
});
