/**
 * Coalesces driver sample blocks (typically 0.1 s each) into per-device, per-channel
 * segments of up to `segmentMs`, so that LevelDB holds one key per ~2 s of a channel rather
 * than one per block: fewer keys, less per-key overhead, cheaper range scans and deletes.
 *
 * Samples are copied into one preallocated Int32Array per series; the only allocations
 * are per block (a subarray view) and per sealed segment (its packed copy).
 *
 * A segment is sealed when it is full, before a discontinuity (gap, restart of the sample
 * numbering, changed gain/baseline/units/rate), on `sealAll()` (explicit flush, close) and
 * on `sealOlderThan()` (a device that went quiet must not keep samples in memory forever).
 */
import type { ChannelInfo, SampleBlock } from '../../drivers/contract.ts';
import { packSamples, type WaveSegment } from './codec.ts';
import { seriesPrefix } from './keys.ts';

export type SealFn = (prefix: string, segment: WaveSegment) => void;

class SeriesBuffer {
  buf: Int32Array;
  length = 0;
  info: ChannelInfo;
  startMs = 0;
  hubMs = 0;
  deviceMs: number | null = null;
  firstSample = 0;
  firstSeq = 0;
  lastSeq = 0;
  gap = 0;
  openedAt = 0;
  /** Expected firstSample of the next block; null before the first block. */
  nextSample: number | null = null;

  constructor(
    readonly deviceId: string,
    readonly prefix: string,
    info: ChannelInfo,
    capacity: number,
  ) {
    this.info = info;
    this.buf = new Int32Array(capacity);
  }
}

function sameInfo(a: ChannelInfo, b: ChannelInfo): boolean {
  return a.units === b.units && a.gain === b.gain && a.baseline === b.baseline && a.sampleRate === b.sampleRate;
}

export class WaveCoalescer {
  private readonly series = new Map<string, Map<string, SeriesBuffer>>();

  constructor(
    private readonly segmentMs: number,
    private readonly onSeal: SealFn,
    /** Monotonic time source, for sealOlderThan. */
    private readonly now: () => number,
  ) {}

  private capacityFor(sampleRate: number): number {
    return Math.max(1, Math.ceil((sampleRate * this.segmentMs) / 1000));
  }

  append(block: SampleBlock): void {
    let devMap = this.series.get(block.deviceId);
    if (devMap === undefined) {
      devMap = new Map();
      this.series.set(block.deviceId, devMap);
    }
    for (let c = 0; c < block.channels.length; c++) {
      const info = block.channels[c];
      const data = block.data[c];
      if (info === undefined || data === undefined) continue;
      const n = Math.min(block.length, data.length);
      if (n <= 0 || !(info.sampleRate > 0)) continue;
      let s = devMap.get(info.name);
      if (s === undefined) {
        s = new SeriesBuffer(block.deviceId, seriesPrefix(block.deviceId, info.name), info, this.capacityFor(info.sampleRate));
        devMap.set(info.name, s);
      }
      this.appendChannel(s, block, info, data, n);
    }
  }

  private appendChannel(s: SeriesBuffer, block: SampleBlock, info: ChannelInfo, data: Int32Array, n: number): void {
    const expected = s.nextSample;
    const jumped = expected !== null && block.firstSample !== expected;
    // A driver that reports no gap but whose numbering jumped forward still lost samples.
    let gap = block.gap;
    if (gap === 0 && expected !== null && block.firstSample > expected) gap = block.firstSample - expected;
    if (s.length > 0 && (gap !== 0 || jumped || !sameInfo(s.info, info))) this.seal(s);
    if (s.info.sampleRate !== info.sampleRate) {
      const cap = this.capacityFor(info.sampleRate);
      if (cap !== s.buf.length) s.buf = new Int32Array(cap);
    }
    s.info = info;
    const cap = s.buf.length;
    let off = 0;
    while (off < n) {
      if (s.length === 0) {
        const dtMs = (off * 1000) / info.sampleRate;
        s.startMs = block.wallTimeMs + dtMs;
        s.hubMs = block.hubTimeMs + dtMs;
        s.deviceMs = block.deviceTimeMs === null ? null : block.deviceTimeMs + dtMs;
        s.firstSample = block.firstSample + off;
        s.firstSeq = block.seq;
        s.gap = off === 0 ? gap : 0;
        s.openedAt = this.now();
      }
      const take = Math.min(n - off, cap - s.length);
      s.buf.set(data.subarray(off, off + take), s.length);
      s.length += take;
      s.lastSeq = block.seq;
      off += take;
      if (s.length >= cap) this.seal(s);
    }
    s.nextSample = block.firstSample + n;
  }

  private seal(s: SeriesBuffer): void {
    if (s.length === 0) return;
    const segment: WaveSegment = {
      deviceId: s.deviceId,
      channel: s.info.name,
      units: s.info.units,
      gain: s.info.gain,
      baseline: s.info.baseline,
      sampleRate: s.info.sampleRate,
      startMs: s.startMs,
      hubTimeMs: s.hubMs,
      deviceTimeMs: s.deviceMs,
      firstSample: s.firstSample,
      firstSeq: s.firstSeq,
      lastSeq: s.lastSeq,
      gap: s.gap,
      samples: packSamples(s.buf, s.length),
    };
    s.length = 0;
    this.onSeal(s.prefix, segment);
  }

  /** Seals every partly filled segment. */
  sealAll(): void {
    for (const devMap of this.series.values()) for (const s of devMap.values()) this.seal(s);
  }

  /** Seals partly filled segments opened at least `maxOpenMs` ago (monotonic time). */
  sealOlderThan(maxOpenMs: number): void {
    const now = this.now();
    for (const devMap of this.series.values()) {
      for (const s of devMap.values()) if (s.length > 0 && now - s.openedAt >= maxOpenMs) this.seal(s);
    }
  }

  /** Number of partly filled segments held in memory. */
  openSegments(): number {
    let k = 0;
    for (const devMap of this.series.values()) for (const s of devMap.values()) if (s.length > 0) k++;
    return k;
  }

  /** Forgets a device's series state (after its driver closed); seals first. */
  forgetDevice(deviceId: string): void {
    const devMap = this.series.get(deviceId);
    if (devMap === undefined) return;
    for (const s of devMap.values()) this.seal(s);
    this.series.delete(deviceId);
  }
}
