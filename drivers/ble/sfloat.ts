/**
 * IEEE 11073-20601 "MDER" floating point numbers, as the Bluetooth SIG health profiles carry
 * them (GATT Specification Supplement, medfloat16 / medfloat32):
 * - SFLOAT: 16 bits, 4-bit signed exponent (high nibble), 12-bit signed mantissa.
 * - FLOAT: 32 bits, 8-bit signed exponent (high byte), 24-bit signed mantissa.
 * value = mantissa * 10^exponent. The exponent carries the precision: 0xF014 is 2.0 (one
 * decimal), 0x0002 is 2 (HL7 PHD IG, "Mder FLOATs and SFLOATs").
 *
 * Special values are whole-word encodings with exponent 0 (IEEE 11073-20601, as the Personal
 * Health Devices Transcoding White Paper and Wireshark read them): NaN, NRes (not at this
 * resolution), +INF, -INF and one reserved value. None of them is a measurement, so they
 * decode to `value: null` with the kind of "no valid value" in `special`.
 */

export type MderSpecial = 'nan' | 'nres' | '+inf' | '-inf' | 'reserved';

export interface MderFloat {
  /** The number, or null for a special value ("no valid value"). */
  readonly value: number | null;
  readonly special: MderSpecial | null;
  readonly mantissa: number;
  readonly exponent: number;
  /** Digits after the decimal point the device meant (max(0, -exponent)). */
  readonly decimals: number;
}

// IEEE 11073-20601 Annex / GATT Specification Supplement: SFLOAT special values.
export const SFLOAT_NAN = 0x07ff;
export const SFLOAT_NRES = 0x0800;
export const SFLOAT_POS_INF = 0x07fe;
export const SFLOAT_NEG_INF = 0x0802;
export const SFLOAT_RESERVED = 0x0801;
// ... and FLOAT special values.
export const FLOAT_NAN = 0x007fffff;
export const FLOAT_NRES = 0x00800000;
export const FLOAT_POS_INF = 0x007ffffe;
export const FLOAT_NEG_INF = 0x00800002;
export const FLOAT_RESERVED = 0x00800001;

const SFLOAT_SPECIALS: ReadonlyMap<number, MderSpecial> = new Map([
  [SFLOAT_NAN, 'nan'],
  [SFLOAT_NRES, 'nres'],
  [SFLOAT_POS_INF, '+inf'],
  [SFLOAT_NEG_INF, '-inf'],
  [SFLOAT_RESERVED, 'reserved'],
]);

const FLOAT_SPECIALS: ReadonlyMap<number, MderSpecial> = new Map([
  [FLOAT_NAN, 'nan'],
  [FLOAT_NRES, 'nres'],
  [FLOAT_POS_INF, '+inf'],
  [FLOAT_NEG_INF, '-inf'],
  [FLOAT_RESERVED, 'reserved'],
]);

/** Decode a raw 16-bit SFLOAT word (already assembled little endian). */
export function decodeSfloat(raw: number): MderFloat {
  const word = raw & 0xffff;
  let mantissa = word & 0x0fff;
  let exponent = word >> 12;
  const special = SFLOAT_SPECIALS.get(word);
  if (mantissa >= 0x0800) mantissa -= 0x1000;
  if (exponent >= 0x8) exponent -= 0x10;
  if (special !== undefined) return { value: null, special, mantissa, exponent, decimals: 0 };
  return { value: scale(mantissa, exponent), special: null, mantissa, exponent, decimals: Math.max(0, -exponent) };
}

/** Decode a raw 32-bit FLOAT word (already assembled little endian). */
export function decodeFloat(raw: number): MderFloat {
  const word = raw >>> 0;
  let mantissa = word & 0x00ffffff;
  let exponent = word >>> 24;
  const special = FLOAT_SPECIALS.get(word);
  if (mantissa >= 0x00800000) mantissa -= 0x01000000;
  if (exponent >= 0x80) exponent -= 0x100;
  if (special !== undefined) return { value: null, special, mantissa, exponent, decimals: 0 };
  return { value: scale(mantissa, exponent), special: null, mantissa, exponent, decimals: Math.max(0, -exponent) };
}

/**
 * mantissa * 10^exponent as the nearest double to the decimal the device meant: dividing by
 * an exact power of ten (exact up to 10^22) is correctly rounded, so 366e-1 gives 36.6 and
 * not 36.599999999999994 as 366 * 0.1 would.
 */
function scale(mantissa: number, exponent: number): number {
  if (mantissa === 0) return 0;
  if (exponent >= 0 && exponent <= 22) return mantissa * 10 ** exponent;
  if (exponent < 0 && exponent >= -22) return mantissa / 10 ** -exponent;
  // Beyond 10^22 powers of ten are not exact doubles: let the decimal parser round once.
  return Number(`${mantissa}e${exponent}`);
}

/** Round a derived value (a unit conversion) to the precision the device reported. */
export function roundTo(value: number, decimals: number): number {
  return Number(value.toFixed(Math.min(20, Math.max(0, decimals))));
}
