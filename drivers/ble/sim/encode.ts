/**
 * Encoders for the simulated peripherals: the inverse of the profile parsers, written from
 * the same specification tables (drivers/ble/profiles/*.ts cite them), so the simulator sends
 * what a real sensor would.
 */

/** SFLOAT word from mantissa (-2046..2045) and exponent (-8..7). */
export function sfloatWord(mantissa: number, exponent: number): number {
  return ((exponent & 0x0f) << 12) | (mantissa & 0x0fff);
}

/** FLOAT word from mantissa (24-bit signed) and exponent (-128..127). */
export function floatWord(mantissa: number, exponent: number): number {
  return (((exponent & 0xff) << 24) | (mantissa & 0x00ffffff)) >>> 0;
}

/** Little-endian byte writer. */
export class Bytes {
  private readonly out: number[] = [];
  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u24(v: number): this {
    return this.u16(v).u8(v >>> 16);
  }
  u32(v: number): this {
    return this.u16(v).u16(v >>> 16);
  }
  sfloat(mantissa: number, exponent: number): this {
    return this.u16(sfloatWord(mantissa, exponent));
  }
  float(mantissa: number, exponent: number): this {
    return this.u32(floatWord(mantissa, exponent));
  }
  /** Date Time (0x2A08) of an epoch-ms instant, in UTC. */
  dateTime(ms: number): this {
    const d = new Date(ms);
    return this.u16(d.getUTCFullYear()).u8(d.getUTCMonth() + 1).u8(d.getUTCDate()).u8(d.getUTCHours()).u8(d.getUTCMinutes()).u8(d.getUTCSeconds());
  }
  buffer(): Buffer {
    return Buffer.from(this.out);
  }
}

export function plxContinuous(spo2: number, pr: number, opts: { measurementStatus?: number; deviceStatus?: number; paiCentis?: number } = {}): Buffer {
  const flags = (opts.measurementStatus !== undefined ? 0x04 : 0) | (opts.deviceStatus !== undefined ? 0x08 : 0) | (opts.paiCentis !== undefined ? 0x10 : 0);
  const b = new Bytes().u8(flags).sfloat(spo2, 0).sfloat(pr, 0);
  if (opts.measurementStatus !== undefined) b.u16(opts.measurementStatus);
  if (opts.deviceStatus !== undefined) b.u24(opts.deviceStatus);
  if (opts.paiCentis !== undefined) b.sfloat(opts.paiCentis, -2);
  return b.buffer();
}

export function bloodPressure(sys: number, dia: number, map: number, pulse: number, atMs: number): Buffer {
  // mmHg, time stamp, pulse rate, measurement status (all clear).
  return new Bytes().u8(0x02 | 0x04 | 0x10).sfloat(sys, 0).sfloat(dia, 0).sfloat(map, 0).dateTime(atMs).sfloat(pulse, 0).u16(0).buffer();
}

/** Celsius with one decimal (tenths), time stamp, type 6 (mouth). */
export function temperature(tenthsC: number, atMs: number): Buffer {
  return new Bytes().u8(0x02 | 0x04).float(tenthsC, -1).dateTime(atMs).u8(6).buffer();
}

/** uint8 rate, contact detected, RR intervals (1/1024 s). */
export function heartRate(bpm: number, rr: readonly number[]): Buffer {
  const b = new Bytes().u8(0x06 | (rr.length > 0 ? 0x10 : 0)).u8(bpm);
  for (const r of rr) b.u16(r);
  return b.buffer();
}
