/**
 * Uplink batch codec, on the mitdb records in ../shared/data cut the way the hub sends them:
 * 2-s store segments per channel, at most 60 s of waveform per batch, every batch coded on its
 * own (src/uplink/batch.ts).
 *
 * - ecg_bits_per_sample: bits of coded waveform data per sample (one sample of one channel),
 *   over both ECG leads of every record; `batch_bits` adds the batch's own overhead (CBOR
 *   structure, segment lists); `records` gives the figure per record.
 * - batch_encode_samples_per_s / batch_decode_samples_per_s: encodeBatch / decodeBatch of all
 *   those batches, medians of repeated runs.
 *
 * Without the data folder a synthetic two-lead signal is used and the metrics say so in `note`.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Decoder } from 'cbor-x';
import { decodeBatch, emptyBatch, encodeBatch, type Batch, type BatchWave } from '../../src/uplink/batch.ts';
import { readRecord } from '../../src/wfdb/record.ts';
import { median, type Metric } from './stats.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Rec {
  readonly name: string;
  readonly fs: number;
  readonly signals: Int32Array[];
  readonly length: number;
}

async function loadRecords(dir: string): Promise<Rec[] | null> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4)).sort();
  } catch {
    return null;
  }
  const out: Rec[] = [];
  for (const name of names) {
    const r = await readRecord(path.join(dir, name));
    out.push({ name, fs: r.header.samplingFrequency, signals: r.signals, length: r.length });
  }
  return out.length > 0 ? out : null;
}

/** 30 min of a crude two-lead ECG-like signal with noise (xorshift32, deterministic). */
function syntheticRecord(): Rec {
  const fs = 360;
  const n = fs * 1800;
  let x = 0x9e3779b9;
  const noise = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 9) - 4;
  };
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const ph = (i % 300) - 150;
    const qrs = Math.round(600 * Math.exp(-(ph * ph) / 20));
    a[i] = 1024 + qrs + Math.round(40 * Math.sin(i / 500)) + noise();
    b[i] = 1024 - (qrs >> 1) + noise();
  }
  return { name: 'synthetic', fs, signals: [a, b], length: n };
}

/** The record as the hub's batches: 60-s batches of 2-s segments per channel. */
function toBatches(rec: Rec): Batch[] {
  const seg = Math.round(rec.fs * 2);
  const block = Math.round(rec.fs * 60);
  const out: Batch[] = [];
  for (let a = 0; a < rec.length; a += block) {
    const end = Math.min(rec.length, a + block);
    const waves: BatchWave[] = [];
    rec.signals.forEach((sig, c) => {
      for (let s = a; s < end; s += seg) {
        waves.push({
          deviceId: 'ecg', channel: `lead${c}`, units: 'mV', gain: 200, baseline: 1024, sampleRate: rec.fs, firstSample: s,
          wallTimeMs: 1.7e12 + (s * 1000) / rec.fs, samples: sig.slice(s, Math.min(end, s + seg)),
        });
      }
    });
    out.push({ ...emptyBatch('bench-hub', 'bed-1', out.length, 1.7e12 + (a * 1000) / rec.fs), waves });
  }
  return out;
}

/** Bytes of coded waveform data in an encoded batch (the `data` of every wave group). */
function waveDataBytes(bytes: Uint8Array): number {
  const raw = new Decoder({ useRecords: false, mapsAsObjects: true }).decode(bytes) as { w: unknown[][] };
  let n = 0;
  for (const g of raw.w) n += (g[6] as Uint8Array).length;
  return n;
}

export async function benchUplink(runs = 3, mitdbDir = path.resolve(repoRoot, '..', 'shared', 'data', 'mitdb')): Promise<Metric[]> {
  const real = await loadRecords(mitdbDir);
  const recs = real ?? [syntheticRecord()];
  const perRecord: Record<string, number> = {};
  const all: { batch: Batch; bytes: Uint8Array }[] = [];
  let dataBits = 0;
  let batchBits = 0;
  let samples = 0;
  for (const rec of recs) {
    let bits = 0;
    for (const batch of toBatches(rec)) {
      const bytes = encodeBatch(batch);
      bits += waveDataBytes(bytes) * 8;
      batchBits += bytes.length * 8;
      all.push({ batch, bytes });
    }
    const n = rec.length * rec.signals.length;
    perRecord[rec.name] = Math.round((bits / n) * 1000) / 1000;
    dataBits += bits;
    samples += n;
  }
  const enc: number[] = [];
  const dec: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t0 = process.hrtime.bigint();
    for (const x of all) encodeBatch(x.batch);
    enc.push(samples / (Number(process.hrtime.bigint() - t0) / 1e9));
    t0 = process.hrtime.bigint();
    for (const x of all) if (!decodeBatch(x.bytes).ok) throw new Error('bench batch does not decode');
    dec.push(samples / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  const note = real === null ? { note: `synthetic two-lead signal: no mitdb records at ${mitdbDir}` } : {};
  return [
    {
      metric: 'ecg_bits_per_sample', value: Math.round((dataBits / samples) * 10000) / 10000, unit: 'bits/sample',
      batch_bits: Math.round((batchBits / samples) * 10000) / 10000, samples, batches: all.length, records: perRecord, ...note,
    },
    { metric: 'batch_encode_samples_per_s', value: Math.round(median(enc)), unit: 'samples/s', ...note },
    { metric: 'batch_decode_samples_per_s', value: Math.round(median(dec)), unit: 'samples/s', ...note },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const m of await benchUplink()) process.stdout.write(JSON.stringify(m) + '\n');
}
