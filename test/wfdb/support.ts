/** Test-only encoders for WFDB signal formats (the reverse of src/wfdb/signals.ts). */

/** Pack an interleaved sample stream into format 212 (odd count: last pair written as 2 bytes). */
export function encode212(stream: readonly number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(stream.length / 2) * 3 - (stream.length % 2 === 1 ? 1 : 0));
  for (let k = 0, p = 0; k < stream.length; k += 2, p += 3) {
    const s0 = (stream[k] ?? 0) & 0xfff;
    const s1 = (stream[k + 1] ?? 0) & 0xfff;
    out[p] = s0 & 0xff;
    out[p + 1] = ((s0 >> 8) & 0x0f) | ((s1 >> 4) & 0xf0);
    if (k + 1 < stream.length) out[p + 2] = s1 & 0xff;
  }
  return out;
}

/** Fixed-width little-endian (or big-endian for 61) two's complement; 80 is offset binary. */
export function encodeFixed(format: 16 | 61 | 80 | 24 | 32, stream: readonly number[]): Uint8Array {
  const w = format === 80 ? 1 : format === 24 ? 3 : format === 32 ? 4 : 2;
  const out = new Uint8Array(stream.length * w);
  stream.forEach((v, i) => {
    const p = i * w;
    if (format === 80) out[p] = (v + 128) & 0xff;
    else if (format === 61) {
      out[p] = (v >> 8) & 0xff;
      out[p + 1] = v & 0xff;
    } else for (let j = 0; j < w; j++) out[p + j] = (v >> (8 * j)) & 0xff;
  });
  return out;
}

/** Interleave per-channel arrays into one stream (one sample of each per frame). */
export function interleave(channels: readonly (readonly number[])[]): number[] {
  const n = channels[0]?.length ?? 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (const c of channels) out.push(c[i] ?? 0);
  return out;
}

export function withPrefix(prefix: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix + bytes.length).fill(0xaa, 0, prefix);
  out.set(bytes, prefix);
  return out;
}
