/**
 * What every profile parser shares: a bounds-checked little-endian cursor (parsers never
 * throw on device bytes, they return a result with a stable code), the 7-byte Date Time
 * characteristic layout, and the result type.
 */
import { decodeFloat, decodeSfloat, type MderFloat } from '../sfloat.ts';

/** Stable codes for payloads a parser rejects. */
export type BleParseErrorCode =
  /** Zero-length notification. */
  | 'VIGIL_BLE_PAYLOAD_EMPTY'
  /** Fewer bytes than the flags announce. */
  | 'VIGIL_BLE_PAYLOAD_TRUNCATED'
  /** A field outside the range its specification allows (battery level > 100 %). */
  | 'VIGIL_BLE_VALUE_OUT_OF_RANGE';

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: BleParseErrorCode; readonly detail: string };

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T>(code: BleParseErrorCode, detail: string): ParseResult<T> {
  return { ok: false, code, detail };
}

/** Thrown only inside this module's cursor and caught by `parseWith`; never escapes a parser. */
class Short {
  constructor(readonly field: string) {}
}

/**
 * A cursor over a payload. Reads past the end throw a private marker that `parseWith` turns
 * into VIGIL_BLE_PAYLOAD_TRUNCATED, so parsers read like the specification's field list.
 */
export class Cursor {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, field: string): number {
    if (this.pos + n > this.buf.length) throw new Short(field);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(field: string): number {
    return this.buf[this.need(1, field)] as number;
  }

  u16(field: string): number {
    const i = this.need(2, field);
    return (this.buf[i] as number) | ((this.buf[i + 1] as number) << 8);
  }

  u24(field: string): number {
    const i = this.need(3, field);
    return (this.buf[i] as number) | ((this.buf[i + 1] as number) << 8) | ((this.buf[i + 2] as number) << 16);
  }

  u32(field: string): number {
    const i = this.need(4, field);
    return ((this.buf[i] as number) | ((this.buf[i + 1] as number) << 8) | ((this.buf[i + 2] as number) << 16) | ((this.buf[i + 3] as number) << 24)) >>> 0;
  }

  sfloat(field: string): MderFloat {
    return decodeSfloat(this.u16(field));
  }

  float(field: string): MderFloat {
    return decodeFloat(this.u32(field));
  }

  dateTime(field: string): DateTime {
    const year = this.u16(field);
    const month = this.u8(field);
    const day = this.u8(field);
    const hours = this.u8(field);
    const minutes = this.u8(field);
    const seconds = this.u8(field);
    return toDateTime(year, month, day, hours, minutes, seconds);
  }
}

/** Run a parser body; a read past the end becomes VIGIL_BLE_PAYLOAD_TRUNCATED. */
export function parseWith<T>(data: Uint8Array, body: (c: Cursor) => ParseResult<T>): ParseResult<T> {
  if (data.length === 0) return fail('VIGIL_BLE_PAYLOAD_EMPTY', 'empty payload');
  try {
    return body(new Cursor(data));
  } catch (e: unknown) {
    if (e instanceof Short) return fail('VIGIL_BLE_PAYLOAD_TRUNCATED', `payload of ${data.length} bytes ends inside ${e.field}`);
    return fail('VIGIL_BLE_PAYLOAD_TRUNCATED', `unreadable payload of ${data.length} bytes`);
  }
}

/**
 * Date Time (org.bluetooth.characteristic.date_time, 0x2A08): year uint16 (1582-9999, 0 =
 * not known), month (1-12, 0 = not known), day (1-31, 0 = not known), hours, minutes,
 * seconds. The profiles carry no time zone: the device's local time is read as UTC, which is
 * what `epochMs` holds (null when a field is unknown or out of range).
 */
export interface DateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly epochMs: number | null;
}

function toDateTime(year: number, month: number, day: number, hours: number, minutes: number, seconds: number): DateTime {
  const valid =
    year >= 1582 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hours <= 23 && minutes <= 59 && seconds <= 59;
  return { year, month, day, hours, minutes, seconds, epochMs: valid ? Date.UTC(year, month - 1, day, hours, minutes, seconds) : null };
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Bits of a flag field that are set, by name (for status words). */
export function bitNames(value: number, names: readonly (string | null)[]): string[] {
  const out: string[] = [];
  names.forEach((n, i) => {
    if (n !== null && (value >>> i) & 1) out.push(n);
  });
  return out;
}
