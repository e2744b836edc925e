/**
 * Context model for prediction residuals (one instance per lead per block).
 *
 * Context = quantised running mean of recent |e|, in half-octave steps: the residual spread
 * changes by two orders of magnitude between the isoelectric line and the QRS complex, and
 * coding under the local spread is what LOCO-I/JPEG-LS (ITU-T T.87) and CALIC do too.
 *
 * Binarisation (Elias-gamma style): magnitude class b = bit length of |e| (0 for e = 0); then
 * the bits of |e| below its leading 1, the top two adaptively, the rest at probability 1/2
 * (they are close to uniform); then the sign. The class is coded as "b >= k0?" followed by
 * unary steps up or down from k0, the class the context expects, so a typical sample costs
 * two or three binary decisions instead of b + 1.
 *
 * Each adaptive bit mixes a fast and a slow estimate: the fast one (rate 2^-4) follows a
 * change of rhythm or noise, the slow one starts as a running average (rate 1/(n + 1.5)) and
 * settles at 2^-7, so fresh models learn from their first bits: every block starts from
 * scratch, so learning speed is worth a few hundredths of a bit per sample.
 */
import type { RangeDecoder, RangeEncoder } from './range-coder.ts';

/** Classes 0..32: |e| < 2^32 (predictions are clamped to the int32 range). */
const NCLASS = 33;
const NCTX = 48;
/** Decision slots per context: [0] b >= k0; [1 ..] steps up; [UP_END ..] steps down. */
const UP_END = 1 + NCLASS;
const NPOS = UP_END + NCLASS;
const FAST = 4;
const SLOW = 7;
const HALF = 32768;
/** Running mean time constant 2^ACC_SHIFT samples: about the width of a QRS complex. */
const ACC_SHIFT = 2;
const RATE_MAX = 1 << SLOW;
/** Update factor (x 2^16) of the slow estimate, 1 / (n + 1.5) by bits seen so far, floor 2^-SLOW. */
const RATE = Int32Array.from({ length: RATE_MAX + 1 }, (_, n) => Math.floor(65536 / Math.min(n + 1.5, RATE_MAX)));
/** Expected class per context. ctx = 2 log2(16 mean) + 1, class of the mean ~ log2(mean) + 1. */
const K0 = Int32Array.from({ length: NCTX }, (_, c) => Math.max(0, ((c - 1) >> 1) - 3));

export class ResidualModel {
  /** Per bit model: [fast p0 (16 bit), slow p0 (16 bit) | count << 16]. */
  private readonly pClass = new Int32Array(NCTX * NPOS * 2).fill(HALF);
  private readonly pMant1 = new Int32Array(NCTX * NCLASS * 2).fill(HALF);
  private readonly pMant2 = new Int32Array(NCLASS * 2 * 2).fill(HALF);
  private readonly pSign = new Int32Array(3 * 2).fill(HALF);
  /** Running mean of 16 |e| (fixed point). */
  private acc = 0;
  private lastSign = 0;

  private context(): number {
    const a = this.acc;
    if (a <= 0) return 0;
    const lz = 31 - Math.clz32(a);
    const c = lz * 2 + (lz > 0 ? (a >>> (lz - 1)) & 1 : 0) + 1;
    return c < NCTX ? c : NCTX - 1;
  }

  private update(mag: number, sign: number): void {
    const m = mag > 0x7ffffff ? 0x7ffffff : mag;
    this.acc += (m * 16 - this.acc) >> ACC_SHIFT;
    this.lastSign = sign;
  }

  encode(rc: RangeEncoder, e: number): void {
    const ctx = this.context();
    const mag = e < 0 ? -e : e;
    const b = 32 - Math.clz32(mag);
    const pc = this.pClass;
    const k0 = K0[ctx] as number;
    const base = ctx * NPOS * 2;
    if (k0 === 0 || b >= k0) {
      if (k0 > 0) codeBit(rc, pc, base, 1);
      for (let k = k0; k < NCLASS - 1; k++) {
        const more = b > k ? 1 : 0;
        codeBit(rc, pc, base + (1 + k - k0) * 2, more);
        if (more === 0) break;
      }
    } else {
      codeBit(rc, pc, base, 0);
      for (let k = k0 - 1; k > 0; k--) {
        const less = b < k ? 1 : 0;
        codeBit(rc, pc, base + (UP_END + k0 - 1 - k) * 2, less);
        if (less === 0) break;
      }
    }
    if (b >= 2) {
      let rest = b - 2;
      const hi = mag < 0x80000000 ? (mag >>> rest) & 1 : Math.floor(mag / 2 ** rest) & 1;
      codeBit(rc, this.pMant1, (ctx * NCLASS + b) * 2, hi);
      if (rest > 0) {
        rest--;
        const lo = mag < 0x80000000 ? (mag >>> rest) & 1 : Math.floor(mag / 2 ** rest) & 1;
        codeBit(rc, this.pMant2, (b * 2 + hi) * 2, lo);
        while (rest > 0) {
          const take = rest > 16 ? 16 : rest;
          rest -= take;
          rc.encodeDirect(Math.floor(mag / 2 ** rest) & ((1 << take) - 1), take);
        }
      }
    }
    let sign = 0;
    if (mag !== 0) {
      sign = e < 0 ? 1 : 2;
      codeBit(rc, this.pSign, this.lastSign * 2, sign - 1);
    }
    this.update(mag, sign);
  }

  decode(rc: RangeDecoder): number {
    const ctx = this.context();
    const pc = this.pClass;
    const k0 = K0[ctx] as number;
    const base = ctx * NPOS * 2;
    let b: number;
    if (k0 === 0 || decodeBit(rc, pc, base) === 1) {
      b = k0;
      while (b < NCLASS - 1 && decodeBit(rc, pc, base + (1 + b - k0) * 2) === 1) b++;
    } else {
      b = k0 - 1;
      while (b > 0 && decodeBit(rc, pc, base + (UP_END + k0 - 1 - b) * 2) === 1) b--;
    }
    let mag = b === 0 ? 0 : 1;
    if (b >= 2) {
      let rest = b - 2;
      const hi = decodeBit(rc, this.pMant1, (ctx * NCLASS + b) * 2);
      mag = mag * 2 + hi;
      if (rest > 0) {
        rest--;
        mag = mag * 2 + decodeBit(rc, this.pMant2, (b * 2 + hi) * 2);
        while (rest > 0) {
          const take = rest > 16 ? 16 : rest;
          rest -= take;
          mag = mag * (1 << take) + rc.decodeDirect(take);
        }
      }
    }
    let sign = 0;
    let e = mag;
    if (mag !== 0) {
      sign = decodeBit(rc, this.pSign, this.lastSign * 2) + 1;
      if (sign === 1) e = -mag;
    }
    this.update(mag, sign);
    return e;
  }
}

function prob(p: Int32Array, i: number): number {
  const v = ((p[i] as number) + ((p[i + 1] as number) & 0xffff)) >>> 5;
  return v < 1 ? 1 : v > 4095 ? 4095 : v;
}

function adapt(p: Int32Array, i: number, bit: number): void {
  const f = p[i] as number;
  const s = p[i + 1] as number;
  const word = s & 0xffff;
  const n = s >>> 16;
  const r = RATE[n] as number;
  const nn = n < RATE_MAX ? n + 1 : n;
  // (65535 * r) < 2^32: the product is exact and >>> 16 takes its integer part.
  if (bit === 0) {
    p[i] = f + ((65535 - f) >> FAST);
    p[i + 1] = (nn << 16) | (word + (((65535 - word) * r) >>> 16));
  } else {
    p[i] = f - (f >> FAST);
    p[i + 1] = (nn << 16) | (word - ((word * r) >>> 16));
  }
}

function codeBit(rc: RangeEncoder, p: Int32Array, i: number, bit: number): void {
  rc.encode(bit, prob(p, i));
  adapt(p, i, bit);
}

function decodeBit(rc: RangeDecoder, p: Int32Array, i: number): number {
  const bit = rc.decode(prob(p, i));
  adapt(p, i, bit);
  return bit;
}
