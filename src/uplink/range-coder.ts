/**
 * Binary adaptive range coder, the carry-propagating design of LZMA (Igor Pavlov's rc:
 * 32-bit range, normalisation when the range drops below 2^24, one cached byte plus a run of
 * 0xFF bytes waiting for a possible carry). Probabilities are 12-bit (probability of a 0 bit,
 * 1..4095) so that (range >>> 12) * p never overflows 32 bits.
 *
 * Integer arithmetic only (uint32 through `>>> 0`; `low` is kept in a double, exact below
 * 2^53, because it needs 33 bits), so encoder and decoder agree bit for bit on every platform.
 * No allocation per bit: the output buffer doubles when full.
 */

const TOP = 0x1000000; // 2^24: renormalise below this
export const PROB_BITS = 12;

export class RangeEncoder {
  private buf: Uint8Array;
  private pos = 0;
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;

  constructor(initialBytes = 4096) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
  }

  private put(b: number): void {
    if (this.pos === this.buf.length) {
      const nb = new Uint8Array(this.buf.length * 2);
      nb.set(this.buf);
      this.buf = nb;
    }
    this.buf[this.pos++] = b;
  }

  private shiftLow(): void {
    const low = this.low;
    if (low < 0xff000000 || low >= 0x100000000) {
      const carry = low >= 0x100000000 ? 1 : 0;
      let c = this.cache;
      do {
        this.put((c + carry) & 0xff);
        c = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = Math.floor(low / TOP) & 0xff;
    }
    this.cacheSize++;
    this.low = (low % TOP) * 256;
  }

  /** Codes `bit` with probability p0/4096 of a 0 (p0 in 1..4095). */
  encode(bit: number, p0: number): void {
    const bound = ((this.range >>> PROB_BITS) * p0) >>> 0;
    if (bit === 0) {
      this.range = bound;
    } else {
      this.low += bound;
      this.range = (this.range - bound) >>> 0;
    }
    while (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.shiftLow();
    }
  }

  /** Codes the low `n` bits of `v` (n <= 16) with probability 1/2 each, high bit first. */
  encodeDirect(v: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.range = this.range >>> 1;
      if (((v >>> i) & 1) !== 0) this.low += this.range;
      while (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.shiftLow();
      }
    }
  }

  /** Flushes and returns the coded bytes (a view of the internal buffer). */
  finish(): Uint8Array {
    for (let i = 0; i < 5; i++) this.shiftLow();
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * Decoder for RangeEncoder output. Reading past the end yields zero bytes (and sets
 * `overrun`), so corrupt or truncated input never throws: the caller checks `overrun`.
 */
export class RangeDecoder {
  private readonly buf: Uint8Array;
  private pos = 0;
  private range = 0xffffffff;
  private code = 0;
  /** Bytes read beyond the end of the input (a few are normal at the very end). */
  overrun = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    // The encoder's first byte is always the initial cache (0).
    this.next();
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.next()) >>> 0;
  }

  private next(): number {
    if (this.pos < this.buf.length) return this.buf[this.pos++] as number;
    this.overrun++;
    return 0;
  }

  decode(p0: number): number {
    const bound = ((this.range >>> PROB_BITS) * p0) >>> 0;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      bit = 0;
    } else {
      this.code = (this.code - bound) >>> 0;
      this.range = (this.range - bound) >>> 0;
      bit = 1;
    }
    while (this.range < TOP) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.next()) >>> 0;
    }
    return bit;
  }

  decodeDirect(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      this.range = this.range >>> 1;
      let b = 0;
      if (this.code >= this.range) {
        this.code = (this.code - this.range) >>> 0;
        b = 1;
      }
      v = (v << 1) | b;
      while (this.range < TOP) {
        this.range = (this.range << 8) >>> 0;
        this.code = ((this.code << 8) | this.next()) >>> 0;
      }
    }
    return v >>> 0;
  }
}
