/**
 * Per-block linear prediction for the waveform codec: autocorrelation on a windowed block,
 * Levinson-Durbin recursion, coefficients quantised to integers the way FLAC does (shift
 * chosen so the largest coefficient uses the given precision). Encoder side only: the decoder
 * just applies the transmitted integer coefficients, so floating point here cannot make the
 * two sides disagree.
 */

export interface QuantLpc {
  /** Integer coefficients a[0..order-1]: prediction = sum(a[j] * d[i-1-j]) >> shift. */
  readonly coefs: Int32Array;
  readonly shift: number;
}

/**
 * LPC of order `order` for `d[0..n-1]` (floating point), or null when the block is too short
 * or has no energy. A Welch window reduces the edge effects of a finite block.
 */
export function lpcAnalyse(d: Float64Array, n: number, order: number, precision: number): QuantLpc | null {
  if (order <= 0 || n <= order * 2) return null;
  const r = new Float64Array(order + 1);
  const w = new Float64Array(n);
  const half = (n - 1) / 2;
  for (let i = 0; i < n; i++) {
    const t = (i - half) / (half + 1);
    w[i] = (d[i] as number) * (1 - t * t);
  }
  for (let lag = 0; lag <= order; lag++) {
    let s = 0;
    for (let i = lag; i < n; i++) s += (w[i] as number) * (w[i - lag] as number);
    r[lag] = s;
  }
  const r0 = r[0] as number;
  if (!(r0 > 0)) return null;
  // Tiny white-noise correction (lag-0 scaling) keeps the recursion well conditioned.
  r[0] = r0 * (1 + 1e-9);
  const a = new Float64Array(order);
  const tmp = new Float64Array(order);
  let err = r[0] as number;
  for (let m = 0; m < order; m++) {
    let acc = r[m + 1] as number;
    for (let j = 0; j < m; j++) acc -= (a[j] as number) * (r[m - j] as number);
    const k = acc / err;
    if (!Number.isFinite(k)) return null;
    tmp.set(a);
    a[m] = k;
    for (let j = 0; j < m; j++) a[j] = (tmp[j] as number) - k * (tmp[m - 1 - j] as number);
    err *= 1 - k * k;
    if (!(err > 0)) break;
  }
  let maxAbs = 0;
  for (let j = 0; j < order; j++) maxAbs = Math.max(maxAbs, Math.abs(a[j] as number));
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return null;
  // shift so that maxAbs * 2^shift < 2^(precision-1), as FLAC's quantize_coefficients.
  let shift = precision - 1 - Math.ceil(Math.log2(maxAbs + 1e-12));
  if (shift > 20) shift = 20;
  if (shift < 0) return null;
  const coefs = new Int32Array(order);
  let carry = 0;
  const lim = 2 ** (precision - 1);
  for (let j = 0; j < order; j++) {
    // Error feedback (FLAC): carry the rounding error to the next coefficient.
    const v = (a[j] as number) * 2 ** shift + carry;
    let q = Math.round(v);
    if (q >= lim) q = lim - 1;
    if (q < -lim) q = -lim;
    carry = v - q;
    coefs[j] = q;
  }
  return { coefs, shift };
}
