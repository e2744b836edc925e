import assert from 'node:assert/strict';
import { decodeFloat, decodeSfloat, roundTo } from '../../../drivers/ble/sfloat.ts';

// Vectors computed by hand from IEEE 11073-20601 (value = mantissa * 10^exponent, 4/12-bit and
// 8/24-bit two's complement) and the HL7 PHD IG table of SFLOAT/FLOAT encodings.
describe('IEEE 11073 SFLOAT', () => {
  const cases: [number, number, number, number, number][] = [
    // raw, value, mantissa, exponent, decimals
    [0x0002, 2, 2, 0, 0],
    [0xf014, 2, 20, -1, 1],
    [0xe0c8, 2, 200, -2, 2],
    [0x1002, 20, 2, 1, 0],
    [0x2002, 200, 2, 2, 0],
    [0x04d2, 1234, 1234, 0, 0],
    [0x0b2e, -1234, -1234, 0, 0],
    [0xf16e, 36.6, 366, -1, 1],
    [0xffff, -0.1, -1, -1, 1],
    [0x8001, 1e-8, 1, -8, 8],
    [0x77fd, 20_450_000_000, 2045, 7, 0],
    [0x0000, 0, 0, 0, 0],
    // Mantissa 0x7FF with a non-zero exponent is a number: only exponent-0 words are special.
    [0x17ff, 20_470, 2047, 1, 0],
  ];
  for (const [raw, value, mantissa, exponent, decimals] of cases) {
    it(`0x${raw.toString(16).padStart(4, '0')} is ${value} (${decimals} decimals)`, () => {
      const f = decodeSfloat(raw);
      assert.equal(f.special, null);
      assert.equal(f.value, value); // exact: 36.6, not 36.599999999999994
      assert.equal(f.mantissa, mantissa);
      assert.equal(f.exponent, exponent);
      assert.equal(f.decimals, decimals);
    });
  }

  const specials: [number, string][] = [
    [0x07ff, 'nan'],
    [0x0800, 'nres'],
    [0x07fe, '+inf'],
    [0x0802, '-inf'],
    [0x0801, 'reserved'],
  ];
  for (const [raw, special] of specials) {
    it(`0x${raw.toString(16).padStart(4, '0')} is ${special}: no valid value, never a number`, () => {
      const f = decodeSfloat(raw);
      assert.equal(f.value, null);
      assert.equal(f.special, special);
    });
  }
});

describe('IEEE 11073 FLOAT', () => {
  const cases: [number, number, number, number, number][] = [
    [0x00000002, 2, 2, 0, 0],
    [0xff000014, 2, 20, -1, 1],
    [0xfe0000c8, 2, 200, -2, 2],
    [0x01000002, 20, 2, 1, 0],
    [0x000004d2, 1234, 1234, 0, 0],
    [0x00fffb2e, -1234, -1234, 0, 0],
    [0xff00016e, 36.6, 366, -1, 1],
    [0xfe000e4f, 36.63, 3663, -2, 2],
    [0xfd008ee2, 36.578, 36578, -3, 3],
    [0x00fffffd, -3, -3, 0, 0],
    [0x7f000001, 1e127, 1, 127, 0],
    [0x80000001, 1e-128, 1, -128, 128],
    [0x007ffffd, 8_388_605, 8_388_605, 0, 0],
  ];
  for (const [raw, value, mantissa, exponent, decimals] of cases) {
    it(`0x${raw.toString(16).padStart(8, '0')} is ${value}`, () => {
      const f = decodeFloat(raw);
      assert.equal(f.special, null);
      assert.equal(f.value, value);
      assert.equal(f.mantissa, mantissa);
      assert.equal(f.exponent, exponent);
      assert.equal(f.decimals, decimals);
    });
  }

  const specials: [number, string][] = [
    [0x007fffff, 'nan'],
    [0x00800000, 'nres'],
    [0x007ffffe, '+inf'],
    [0x00800002, '-inf'],
    [0x00800001, 'reserved'],
  ];
  for (const [raw, special] of specials) {
    it(`0x${raw.toString(16).padStart(8, '0')} is ${special}`, () => {
      const f = decodeFloat(raw);
      assert.equal(f.value, null);
      assert.equal(f.special, special);
    });
  }

  it('a special mantissa under a non-zero exponent is a number', () => {
    assert.equal(decodeFloat(0x017fffff).value, 83_886_070);
  });
});

describe('roundTo', () => {
  it('keeps the reported precision of a converted value', () => {
    assert.equal(roundTo(((98.2 - 32) * 5) / 9, 1), 36.8);
    assert.equal(roundTo(16.0 * 7.500616827, 0), 120);
  });
});
