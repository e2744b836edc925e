/**
 * WFDB signal file decoding: formats 212, 16, 61, 80, 24 and 32 (WFDB signal(5) manual page).
 *
 * Signals that share a file form a "group": each frame holds `samplesPerFrame` consecutive
 * samples of each signal of the group, in header order. Decoding is random access by frame
 * and writes straight into caller-provided Int32Arrays, so a replay can decode a block at a
 * time and the whole-record path allocates one array per signal and nothing per sample.
 *
 * Truncated files are not an error here: `frames` says how many complete frames the bytes
 * hold, and decode() returns how many it wrote.
 */
import { VigilError } from '../core/errors.ts';
import type { WfdbHeader } from './header.ts';

export interface SignalGroup {
  readonly fileName: string;
  readonly format: number;
  /** Byte offset of the first frame (the `+N` of the group's first signal). */
  readonly byteOffset: number;
  /** Header indices of the group's signals, in frame order. */
  readonly signals: readonly number[];
  readonly samplesPerFrame: readonly number[];
  /** Samples per frame over the whole group. */
  readonly slotsPerFrame: number;
}

/** Split the header's signals into file groups (consecutive signals naming the same file). */
export function signalGroups(header: WfdbHeader): SignalGroup[] {
  const groups: { fileName: string; format: number; byteOffset: number; signals: number[]; samplesPerFrame: number[] }[] = [];
  for (const s of header.signals) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last.fileName === s.fileName) {
      last.signals.push(s.index);
      last.samplesPerFrame.push(s.samplesPerFrame);
    } else {
      groups.push({ fileName: s.fileName, format: s.format, byteOffset: s.byteOffset, signals: [s.index], samplesPerFrame: [s.samplesPerFrame] });
    }
  }
  return groups.map((g) => ({ ...g, slotsPerFrame: g.samplesPerFrame.reduce((a, b) => a + b, 0) }));
}

/** Bytes per sample for the fixed-width formats. */
function sampleWidth(format: number): number {
  switch (format) {
    case 80:
      return 1;
    case 16:
    case 61:
      return 2;
    case 24:
      return 3;
    case 32:
      return 4;
    default:
      return 0;
  }
}

/** Complete samples of the interleaved stream present in `byteLength` bytes of `format`. */
export function availableSamples(format: number, byteLength: number): number {
  if (byteLength <= 0) return 0;
  if (format === 212) {
    // Pairs of samples in 3 bytes; a lone first sample of a pair needs its first 2 bytes.
    const rem = byteLength % 3;
    return Math.floor(byteLength / 3) * 2 + (rem === 2 ? 1 : 0);
  }
  const w = sampleWidth(format);
  return w === 0 ? 0 : Math.floor(byteLength / w);
}

/** One sample of a fixed-width format at byte position p (the caller guarantees bounds). */
function readFixed(format: number, b: Uint8Array, p: number): number {
  switch (format) {
    case 16:
      return ((b[p]! | (b[p + 1]! << 8)) << 16) >> 16;
    case 61:
      return ((b[p + 1]! | (b[p]! << 8)) << 16) >> 16;
    case 80:
      // Offset binary: 128 is zero (WFDB signal(5)).
      return b[p]! - 128;
    case 24:
      return ((b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) << 8) >> 8;
    default:
      return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }
}

/** Decoder for one signal group over the bytes of its file. */
export class GroupDecoder {
  /** Complete frames present in the bytes. */
  readonly frames: number;
  private readonly bytes: Uint8Array;
  private readonly slotSignal: Int32Array;
  private readonly slotSub: Int32Array;
  private readonly slotSpf: Int32Array;
  private readonly simple: boolean;

  constructor(
    readonly group: SignalGroup,
    bytes: Uint8Array,
  ) {
    this.bytes = bytes;
    const slots = group.slotsPerFrame;
    this.slotSignal = new Int32Array(slots);
    this.slotSub = new Int32Array(slots);
    this.slotSpf = new Int32Array(slots);
    let k = 0;
    for (let i = 0; i < group.signals.length; i++) {
      const spf = group.samplesPerFrame[i] ?? 1;
      for (let j = 0; j < spf; j++, k++) {
        this.slotSignal[k] = group.signals[i] ?? 0;
        this.slotSub[k] = j;
        this.slotSpf[k] = spf;
      }
    }
    this.simple = group.samplesPerFrame.every((n) => n === 1);
    const avail = availableSamples(group.format, bytes.length - group.byteOffset);
    this.frames = slots > 0 ? Math.floor(avail / slots) : 0;
  }

  /**
   * Decode frames [from, from + n) into `out[signalIndex]` (header indices), starting at
   * frame `outOffset` of the output (position × samplesPerFrame for multi-rate signals).
   * Returns the number of frames decoded (fewer than n at the end of the data).
   */
  decode(from: number, n: number, out: readonly Int32Array[], outOffset = 0): number {
    if (!Number.isInteger(from) || !Number.isInteger(n) || from < 0 || n < 0 || outOffset < 0) {
      throw new VigilError('VIGIL_USAGE', `bad decode range from=${from} n=${n} outOffset=${outOffset}`);
    }
    const count = Math.max(0, Math.min(n, this.frames - from));
    for (let i = 0; i < this.group.signals.length; i++) {
      const sig = this.group.signals[i] ?? 0;
      const need = (outOffset + count) * (this.group.samplesPerFrame[i] ?? 1);
      const arr = out[sig];
      if (arr === undefined || arr.length < need) {
        throw new VigilError('VIGIL_USAGE', `output array for signal ${sig} is missing or shorter than ${need}`);
      }
    }
    if (count === 0) return 0;
    if (this.group.format === 212) {
      if (this.simple && this.group.slotsPerFrame === 2) this.decode212Pair(from, count, out, outOffset);
      else this.decode212(from, count, out, outOffset);
    } else if (this.simple) {
      this.decodeFixedSimple(from, count, out, outOffset);
    } else {
      this.decodeFixed(from, count, out, outOffset);
    }
    return count;
  }

  /** The common case (mitdb): two signals, one frame = 3 bytes. */
  private decode212Pair(from: number, n: number, out: readonly Int32Array[], outOffset: number): void {
    const b = this.bytes;
    const o0 = out[this.slotSignal[0]!]!;
    const o1 = out[this.slotSignal[1]!]!;
    let p = this.group.byteOffset + 3 * from;
    const end = outOffset + n;
    for (let w = outOffset; w < end; w++, p += 3) {
      const b1 = b[p + 1]!;
      // 12-bit two's complement: shift the sign bit up to bit 31 and back.
      o0[w] = ((b[p]! | ((b1 & 0x0f) << 8)) << 20) >> 20;
      o1[w] = ((b[p + 2]! | ((b1 & 0xf0) << 4)) << 20) >> 20;
    }
  }

  private decode212(from: number, n: number, out: readonly Int32Array[], outOffset: number): void {
    const b = this.bytes;
    const slots = this.group.slotsPerFrame;
    const base = this.group.byteOffset;
    let k = from * slots;
    for (let f = 0; f < n; f++) {
      const frameOut = outOffset + f;
      for (let s = 0; s < slots; s++, k++) {
        const p = base + 3 * (k >> 1);
        const v = (k & 1) === 0 ? b[p]! | ((b[p + 1]! & 0x0f) << 8) : b[p + 2]! | ((b[p + 1]! & 0xf0) << 4);
        out[this.slotSignal[s]!]![frameOut * this.slotSpf[s]! + this.slotSub[s]!] = (v << 20) >> 20;
      }
    }
  }

  private decodeFixedSimple(from: number, n: number, out: readonly Int32Array[], outOffset: number): void {
    const b = this.bytes;
    const fmt = this.group.format;
    const slots = this.group.slotsPerFrame;
    const w = sampleWidth(fmt);
    const p = this.group.byteOffset + from * slots * w;
    for (let s = 0; s < slots; s++) {
      const o = out[this.slotSignal[s]!]!;
      let q = p + s * w;
      const step = slots * w;
      const end = outOffset + n;
      if (fmt === 16) {
        for (let i = outOffset; i < end; i++, q += step) o[i] = ((b[q]! | (b[q + 1]! << 8)) << 16) >> 16;
      } else {
        for (let i = outOffset; i < end; i++, q += step) o[i] = readFixed(fmt, b, q);
      }
    }
  }

  private decodeFixed(from: number, n: number, out: readonly Int32Array[], outOffset: number): void {
    const b = this.bytes;
    const fmt = this.group.format;
    const slots = this.group.slotsPerFrame;
    const w = sampleWidth(fmt);
    let p = this.group.byteOffset + from * slots * w;
    for (let f = 0; f < n; f++) {
      const frameOut = outOffset + f;
      for (let s = 0; s < slots; s++, p += w) {
        out[this.slotSignal[s]!]![frameOut * this.slotSpf[s]! + this.slotSub[s]!] = readFixed(fmt, b, p);
      }
    }
  }
}

/** Random-access decoder over all signal groups of a record. */
export class RecordDecoder {
  readonly groups: readonly GroupDecoder[];
  /** Complete frames present in every group's data. */
  readonly frames: number;

  /** `files` maps each data file name of the header to its bytes. */
  constructor(
    readonly header: WfdbHeader,
    files: ReadonlyMap<string, Uint8Array>,
  ) {
    this.groups = signalGroups(header).map((g) => {
      const bytes = files.get(g.fileName);
      if (bytes === undefined) {
        throw new VigilError('VIGIL_WFDB_FILE_MISSING', `no data for signal file "${g.fileName}"`, { details: { file: g.fileName } });
      }
      return new GroupDecoder(g, bytes);
    });
    this.frames = this.groups.length === 0 ? 0 : Math.min(...this.groups.map((g) => g.frames));
  }

  /** Frames the header promises, or the frames present when it gives no count. */
  get expectedFrames(): number {
    return this.header.numSamples ?? this.frames;
  }

  /** Frames that can be decoded: the header count, limited by the data present. */
  get usableFrames(): number {
    return Math.min(this.expectedFrames, this.frames);
  }

  /** Allocate one output array per signal, sized for `frames` frames. */
  allocate(frames: number): Int32Array[] {
    return this.header.signals.map((s) => new Int32Array(frames * s.samplesPerFrame));
  }

  /** Decode frames [from, from + n) of every signal; returns frames decoded. */
  decode(from: number, n: number, out: readonly Int32Array[], outOffset = 0): number {
    const count = Math.max(0, Math.min(n, this.usableFrames - from));
    for (const g of this.groups) g.decode(from, count, out, outOffset);
    return count;
  }
}

export interface DecodedSignals {
  /** One array per header signal, `length × samplesPerFrame` samples each. */
  readonly signals: Int32Array[];
  /** Frames decoded. */
  readonly length: number;
  /** Frames the header promised (numSamples), or `length` when it gave none. */
  readonly expectedLength: number;
  /** The data ended before the header's frame count. */
  readonly truncated: boolean;
}

/** Decode a whole record, in blocks, into freshly allocated arrays. */
export function decodeSignals(decoder: RecordDecoder, blockFrames = 65536): DecodedSignals {
  const length = decoder.usableFrames;
  const signals = decoder.allocate(length);
  for (let from = 0; from < length; from += blockFrames) decoder.decode(from, blockFrames, signals, from);
  return { signals, length, expectedLength: decoder.expectedFrames, truncated: length < decoder.expectedFrames };
}

/** WFDB checksum: the sum of the samples, low 16 bits as a signed value (signal(5)). */
export function signalChecksum(samples: Int32Array, length = samples.length): number {
  let sum = 0;
  const n = Math.min(length, samples.length);
  for (let i = 0; i < n; i++) sum = (sum + samples[i]!) | 0;
  return (sum << 16) >> 16;
}

export interface ChecksumCheck {
  readonly signal: number;
  /** From the header, or null when the header has none (then `ok` is true). */
  readonly expected: number | null;
  readonly actual: number;
  readonly ok: boolean;
}

/** Compare each signal's checksum with the header's (over the frames decoded). */
export function verifyChecksums(header: WfdbHeader, decoded: DecodedSignals): ChecksumCheck[] {
  return header.signals.map((s) => {
    const arr = decoded.signals[s.index] ?? new Int32Array(0);
    const actual = signalChecksum(arr, decoded.length * s.samplesPerFrame);
    return { signal: s.index, expected: s.checksum, actual, ok: s.checksum === null || s.checksum === actual };
  });
}
