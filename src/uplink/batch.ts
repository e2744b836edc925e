/**
 * The uplink batch: what a hub sends upstream, one self-describing CBOR (RFC 8949) message
 * per batch. The wire layout is stated in docs/uplink-batch.cddl (RFC 8610); this module
 * holds the in-memory types, the encoder, and the decoder with its structural validator
 * (batch-wire.ts). decodeBatch never throws on bytes: it returns a result with a stable code.
 *
 * Waveforms are joined and grouped on the wire (wave-group.ts): contiguous segments of a
 * series are coded as one run (up to the batch's 60 s), and the runs of one device's leads as
 * one block; each segment keeps its position in `waves` and its own wall time, so
 * decode(encode(b)) deep-equals b.
 */
import { Decoder, Encoder } from 'cbor-x';
import type { AlarmLogEntry } from '../api/live.ts';
import { fromWire, toWire } from './batch-wire.ts';

/** Wire format version, key "v". A decoder refuses any other value (VIGIL_BATCH_VERSION). */
export const BATCH_FORMAT_VERSION = 1;
/** Default refusal size for decodeBatch: 60 s of several channels codes to well under this. */
export const DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024;
export { MAX_BATCH_SAMPLES } from './wave-group.ts';

/** Run of contiguous integer samples of one channel of one device. */
export interface BatchWave {
  readonly deviceId: string;
  /** Channel (signal) name, e.g. "MLII". */
  readonly channel: string;
  readonly units: string;
  /** ADC units per physical unit; physical = (raw - baseline) / gain (WFDB convention). */
  readonly gain: number;
  /** ADC value of physical zero. */
  readonly baseline: number;
  /** Samples per second. */
  readonly sampleRate: number;
  /** Index of the first sample in the device stream (SampleBlock.firstSample numbering). */
  readonly firstSample: number;
  /** Hub wall time (epoch ms) of the first sample. */
  readonly wallTimeMs: number;
  /** Raw ADC samples, any int32 values. */
  readonly samples: Int32Array;
}

/** Beat labels: AAMI EC57 classes N, S, V, F, Q, and P for a paced beat (AAMI counts it as Q). */
export type BeatLabel = 'N' | 'S' | 'V' | 'F' | 'Q' | 'P';

/** One detected beat (the store's 'beat' events). */
export interface BatchBeat {
  readonly deviceId: string;
  /** Absolute sample index of the R peak in the device stream. */
  readonly sample: number;
  readonly wallTimeMs: number;
  readonly label: BeatLabel;
  /** Lead index of the fiducial. */
  readonly lead: number | null;
  /** RR before the beat, seconds. */
  readonly rrPrevS: number | null;
  readonly qrsWidthS: number | null;
  readonly amplitudeMv: number | null;
  /** 0..1 detection quality. */
  readonly quality: number | null;
}

/** One vital sign / measurement (drivers/contract.ts Measurement). */
export interface BatchMeasurement {
  readonly deviceId: string;
  /** Metric name, e.g. "hr", "spo2", "nibp_sys". */
  readonly metric: string;
  /** null: the device reported "no valid value". */
  readonly value: number | null;
  /** UCUM unit. */
  readonly unit: string;
  readonly wallTimeMs: number;
  readonly deviceTimeMs: number | null;
  /** Digits after the decimal point the device reported, when known. */
  readonly decimals?: number;
}

/**
 * Any event: device status changes, rhythm onset/offset, ecg-window summaries. Plain
 * JSON-like data (CBOR maps, arrays, strings, numbers, booleans, null).
 */
export interface BatchEvent {
  readonly kind: string;
  readonly wallTimeMs: number;
  readonly [field: string]: unknown;
}

/** Waveform samples the outbox threw away to stay within its quota (batches fromSeq..toSeq). */
export interface BatchDropped {
  /** Batch sequence numbers of the first and last dropped batch (inclusive). */
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Waveform samples (all channels) in the dropped batches. */
  readonly samples: number;
  /** Wall-time span of the dropped data, when known. */
  readonly fromMs: number | null;
  readonly toMs: number | null;
}

export interface Batch {
  readonly hubId: string;
  readonly bed: string;
  /** Per hub, +1 per batch, never reused (integer >= 0). */
  readonly seq: number;
  /** Epoch ms when the batch was made. */
  readonly createdMs: number;
  readonly waves: readonly BatchWave[];
  readonly beats: readonly BatchBeat[];
  readonly measurements: readonly BatchMeasurement[];
  readonly events: readonly BatchEvent[];
  readonly alarms: readonly AlarmLogEntry[];
  readonly dropped: readonly BatchDropped[];
}

export type BatchErrorCode = 'VIGIL_BATCH_TRUNCATED' | 'VIGIL_BATCH_VERSION' | 'VIGIL_BATCH_INVALID' | 'VIGIL_BATCH_TOO_LARGE';

export type DecodeResult =
  | { readonly ok: true; readonly batch: Batch }
  | { readonly ok: false; readonly code: BatchErrorCode; readonly message: string };

/** An empty batch, for callers that fill sections one by one. */
export function emptyBatch(hubId: string, bed: string, seq: number, createdMs: number): Batch {
  return { hubId, bed, seq, createdMs, waves: [], beats: [], measurements: [], events: [], alarms: [], dropped: [] };
}

function encoder(): Encoder {
  // Plain interoperable CBOR: no cbor-x record extension, float64 kept as is.
  return new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
}

/**
 * Encodes a batch. Throws VigilError VIGIL_BATCH_INVALID only on a caller bug (a value the
 * format cannot hold, e.g. a non-integer seq or a NaN time), never silently writes garbage.
 */
export function encodeBatch(b: Batch): Uint8Array {
  return encoder().encode(toWire(b));
}

/** Total samples in all waves of a batch. */
export function batchSampleCount(b: Batch): number {
  let n = 0;
  for (const w of b.waves) n += w.samples.length;
  return n;
}

export function decodeBatch(bytes: Uint8Array, opts: { maxBytes?: number } = {}): DecodeResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BATCH_BYTES;
  if (bytes.length > maxBytes) {
    return { ok: false, code: 'VIGIL_BATCH_TOO_LARGE', message: `batch of ${bytes.length} bytes exceeds the limit of ${maxBytes}` };
  }
  if (bytes.length === 0) return { ok: false, code: 'VIGIL_BATCH_TRUNCATED', message: 'empty batch' };
  let raw: unknown;
  try {
    // mapsAsObjects: text-keyed maps become plain objects; useRecords off: no cbor-x extension.
    const dec = new Decoder({ useRecords: false, mapsAsObjects: true });
    raw = dec.decode(bytes) as unknown;
  } catch (e: unknown) {
    const msg = e instanceof Error ? e.message : String(e);
    // cbor-x reports running out of input as "Unexpected end of CBOR data/buffer" or a
    // RangeError from reading past the end of the buffer.
    const truncated = /unexpected end of/i.test(msg) || e instanceof RangeError;
    return truncated
      ? { ok: false, code: 'VIGIL_BATCH_TRUNCATED', message: `batch ends early: ${msg}` }
      : { ok: false, code: 'VIGIL_BATCH_INVALID', message: `not CBOR: ${msg}` };
  }
  return fromWire(raw);
}
