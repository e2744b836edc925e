/**
 * Value encoding: CBOR (RFC 8949) through cbor-x. Typed arrays are written as RFC 8746
 * typed-array tags (e.g. tag 77 = int16 little-endian), i.e. a few header bytes followed
 * by the raw sample bytes, so a 2-s segment of 360-Hz ECG costs ~1.4 kB, not a JSON list.
 *
 * Records are fixed-position CBOR arrays rather than maps: field names would otherwise be
 * repeated in every value. The device id, channel and metric live in the key.
 */
import { Encoder } from 'cbor-x';
import type { Measurement, MetricName, StatusEvent } from '../../drivers/contract.ts';

/** abstract-level custom encoding (level-transcoder shape) backed by one cbor-x Encoder. */
export interface CborEncoding {
  readonly name: string;
  readonly format: 'buffer';
  encode(value: unknown): Buffer;
  decode(data: Buffer): unknown;
}

export function createCborEncoding(): CborEncoding {
  // useRecords: false keeps plain, interoperable CBOR (no cbor-x record extension);
  // floats stay float64 by default, so epoch milliseconds with fractions round-trip.
  const encoder = new Encoder({ useRecords: false, mapsAsObjects: true });
  return {
    name: 'vigil-cbor',
    format: 'buffer',
    encode: (value: unknown): Buffer => encoder.encode(value),
    decode: (data: Buffer): unknown => encoder.decode(data) as unknown,
  };
}

/** A stored run of contiguous samples of one channel of one device. */
export interface WaveSegment {
  readonly deviceId: string;
  readonly channel: string;
  readonly units: string;
  /** ADC units per physical unit; physical = (raw - baseline) / gain. */
  readonly gain: number;
  readonly baseline: number;
  readonly sampleRate: number;
  /** Hub wall time (epoch ms) of the first sample. */
  readonly startMs: number;
  /** Hub monotonic time (ms) of the first sample. */
  readonly hubTimeMs: number;
  /** Device timestamp of the first sample, when the device has one. */
  readonly deviceTimeMs: number | null;
  /** Index of the first sample in the device stream (SampleBlock.firstSample numbering). */
  readonly firstSample: number;
  /** Sequence numbers of the first and last driver blocks that contributed. */
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Samples known lost right before this segment (0 when contiguous with the previous one). */
  readonly gap: number;
  /** Raw ADC samples; Int16Array whenever every value fits (half the bytes). */
  readonly samples: Int16Array | Int32Array;
}

/** Wall time just after the last sample. */
export function segmentEndMs(seg: WaveSegment): number {
  return seg.startMs + (seg.samples.length * 1000) / seg.sampleRate;
}

/** Copies `n` samples into the narrowest typed array that holds them exactly. */
export function packSamples(src: Int32Array, n: number): Int16Array | Int32Array {
  let fits16 = true;
  for (let i = 0; i < n; i++) {
    const v = src[i] as number;
    if (v < -32768 || v > 32767) {
      fits16 = false;
      break;
    }
  }
  if (!fits16) return src.slice(0, n);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = src[i] as number;
  return out;
}

export function segmentToRecord(seg: WaveSegment): unknown[] {
  return [
    seg.units,
    seg.gain,
    seg.baseline,
    seg.sampleRate,
    seg.startMs,
    seg.hubTimeMs,
    seg.deviceTimeMs,
    seg.firstSample,
    seg.firstSeq,
    seg.lastSeq,
    seg.gap,
    seg.samples,
  ];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** null when the stored value does not have the record shape (corruption or foreign data). */
export function recordToSegment(deviceId: string, channel: string, raw: unknown): WaveSegment | null {
  if (!Array.isArray(raw) || raw.length !== 12) return null;
  const [units, gain, baseline, sampleRate, startMs, hubTimeMs, deviceTimeMs, firstSample, firstSeq, lastSeq, gap, samples] =
    raw as unknown[];
  if (typeof units !== 'string') return null;
  if (!isNum(gain) || !isNum(baseline) || !isNum(sampleRate) || sampleRate <= 0) return null;
  if (!isNum(startMs) || !isNum(hubTimeMs) || !(deviceTimeMs === null || isNum(deviceTimeMs))) return null;
  if (!isNum(firstSample) || !isNum(firstSeq) || !isNum(lastSeq) || !isNum(gap)) return null;
  if (!(samples instanceof Int16Array || samples instanceof Int32Array)) return null;
  return {
    deviceId, channel, units, gain, baseline, sampleRate, startMs, hubTimeMs, deviceTimeMs,
    firstSample, firstSeq, lastSeq, gap, samples,
  };
}

export function measurementToRecord(m: Measurement): unknown[] {
  return m.decimals === undefined ? [m.value, m.unit, m.deviceTimeMs, m.hubTimeMs, m.wallTimeMs] : [m.value, m.unit, m.deviceTimeMs, m.hubTimeMs, m.wallTimeMs, m.decimals];
}

export function recordToMeasurement(deviceId: string, metric: MetricName, raw: unknown): Measurement | null {
  // Five fields, or six with the reported precision (records written before it have five).
  if (!Array.isArray(raw) || (raw.length !== 5 && raw.length !== 6)) return null;
  const [value, unit, deviceTimeMs, hubTimeMs, wallTimeMs, decimals] = raw as unknown[];
  if (!(value === null || isNum(value)) || typeof unit !== 'string') return null;
  if (!(deviceTimeMs === null || isNum(deviceTimeMs)) || !isNum(hubTimeMs) || !isNum(wallTimeMs)) return null;
  if (decimals !== undefined && !(Number.isInteger(decimals) && (decimals as number) >= 0 && (decimals as number) <= 20)) return null;
  return { kind: 'measurement', deviceId, metric, value, unit, deviceTimeMs, hubTimeMs, wallTimeMs, ...(decimals === undefined ? {} : { decimals: decimals as number }) };
}

/**
 * Anything event-like: device status now, alarm and rhythm events later. Must be plain data
 * (CBOR-encodable); `wallTimeMs` orders it, the store's clock is used when absent.
 */
export interface GenericEvent {
  readonly kind: string;
  readonly wallTimeMs?: number;
  readonly [field: string]: unknown;
}

export type StoreEventInput = StatusEvent | GenericEvent;

export interface StoredEvent {
  /** Wall time (epoch ms) the event is filed under. */
  readonly timeMs: number;
  readonly event: StoreEventInput;
}

export function recordToEvent(raw: unknown): StoreEventInput | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const kind = (raw as { kind?: unknown }).kind;
  return typeof kind === 'string' ? (raw as GenericEvent) : null;
}
