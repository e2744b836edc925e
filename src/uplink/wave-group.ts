/**
 * Waveform section of a batch on the wire (docs/uplink-batch.cddl `wave-group`).
 *
 * The store cuts waveforms into short segments (2 s by default), but coding each one on its
 * own would waste most of the codec's gain (model learning and the predictor header are paid
 * per coded block). So the encoder first joins, per series (device, channel, units, gain,
 * baseline, rate), segments that follow each other without a gap into runs; runs of one device
 * with the same first sample and length form a group, coded as one block (one header, leads
 * interleaved sample by sample in one range-coder stream). Each run lists its pieces (index in Batch.waves, length,
 * wall time), so decoding restores the caller's segments and order exactly.
 *
 * group   = [deviceId, sampleRate, firstSample, length, [channel+], codec, data]
 * channel = [name, units, gain, baseline, [index, length, wallTime, ...]]
 * wallTime: absolute for the first piece; for later ones the step from the previous piece, or
 * [absolute] when the step would not give back the exact value in floating point.
 */
import { VigilError } from '../core/errors.ts';
import type { BatchWave, DecodeResult } from './batch.ts';
import { decodeWaveBlock, encodeWaveBlock } from './wave-codec.ts';

/**
 * Decoded samples allowed per batch (all waves). A lossless coder codes a constant signal in
 * almost no bytes, so the byte limit alone does not bound the memory a batch claims.
 */
export const MAX_BATCH_SAMPLES = 8 * 1024 * 1024;

/** Codec ids (docs/uplink-batch.cddl `wave-codec`). */
export const WAVE_CODEC_RAW = 0;
export const WAVE_CODEC_VWC1 = 1;

type Fail = Extract<DecodeResult, { ok: false }>;
const invalid = (message: string): Fail => ({ ok: false, code: 'VIGIL_BATCH_INVALID', message });
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

interface Run {
  readonly first: BatchWave;
  /** Indexes into Batch.waves, in sample order. */
  readonly pieces: number[];
  length: number;
}

/** Joins contiguous segments of each series into runs. */
function buildRuns(waves: readonly BatchWave[]): Run[] {
  const bySeries = new Map<string, number[]>();
  for (let i = 0; i < waves.length; i++) {
    const w = waves[i] as BatchWave;
    const ok = typeof w.deviceId === 'string' && typeof w.channel === 'string' && typeof w.units === 'string' && isNum(w.gain)
      && isNum(w.baseline) && isNum(w.sampleRate) && w.sampleRate > 0 && isInt(w.firstSample) && isNum(w.wallTimeMs) && w.samples instanceof Int32Array;
    if (!ok) throw new VigilError('VIGIL_BATCH_INVALID', `cannot encode batch: waves[${i}] has a bad field`);
    const key = JSON.stringify([w.deviceId, w.channel, w.units, w.gain, w.baseline, w.sampleRate]);
    const list = bySeries.get(key);
    if (list === undefined) bySeries.set(key, [i]);
    else list.push(i);
  }
  const runs: Run[] = [];
  for (const list of bySeries.values()) {
    // Stable sort by first sample; equal starts (duplicates) stay in their own runs.
    list.sort((a, b) => (waves[a] as BatchWave).firstSample - (waves[b] as BatchWave).firstSample || a - b);
    let run: Run | null = null;
    for (const i of list) {
      const w = waves[i] as BatchWave;
      if (run !== null && w.samples.length > 0 && run.first.firstSample + run.length === w.firstSample) {
        run.pieces.push(i);
        run.length += w.samples.length;
      } else {
        run = { first: w, pieces: [i], length: w.samples.length };
        runs.push(run);
      }
    }
  }
  return runs;
}

/** Raw little-endian int32, the fallback when the codec would not save anything. */
function rawBytes(chans: readonly Int32Array[], n: number): Uint8Array {
  const out = new Uint8Array(chans.length * n * 4);
  const dv = new DataView(out.buffer);
  let p = 0;
  for (const c of chans) for (let i = 0; i < n; i++, p += 4) dv.setInt32(p, c[i] as number, true);
  return out;
}

function decodeRaw(data: Uint8Array, nch: number, n: number): Int32Array[] | null {
  if (data.length !== nch * n * 4) return null;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Int32Array[] = [];
  let p = 0;
  for (let c = 0; c < nch; c++) {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++, p += 4) a[i] = dv.getInt32(p, true);
    out.push(a);
  }
  return out;
}

function runSamples(waves: readonly BatchWave[], run: Run): Int32Array {
  if (run.pieces.length === 1) return (waves[run.pieces[0] as number] as BatchWave).samples;
  const out = new Int32Array(run.length);
  let p = 0;
  for (const i of run.pieces) {
    const s = (waves[i] as BatchWave).samples;
    out.set(s, p);
    p += s.length;
  }
  return out;
}

export function encodeWaves(waves: readonly BatchWave[]): unknown[] {
  const groups = new Map<string, Run[]>();
  for (const run of buildRuns(waves)) {
    const key = JSON.stringify([run.first.deviceId, run.first.sampleRate, run.first.firstSample, run.length]);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [run]);
    else g.push(run);
  }
  const out: unknown[] = [];
  for (const runs of groups.values()) {
    const head = (runs[0] as Run).first;
    const n = (runs[0] as Run).length;
    const chans = runs.map((r) => runSamples(waves, r));
    const coded = encodeWaveBlock(chans, n);
    const useRaw = coded.length >= n * chans.length * 4;
    out.push([
      head.deviceId, head.sampleRate, head.firstSample, n,
      runs.map((r) => {
        const pieces: unknown[] = [];
        let prevMs = 0;
        for (let k = 0; k < r.pieces.length; k++) {
          const i = r.pieces[k] as number;
          const w = waves[i] as BatchWave;
          // Later pieces carry their wall time as a step from the previous piece (a small
          // integer, ~3 CBOR bytes instead of 9), unless the step does not round-trip exactly.
          const step = w.wallTimeMs - prevMs;
          pieces.push(i, w.samples.length, k === 0 ? w.wallTimeMs : prevMs + step === w.wallTimeMs ? step : [w.wallTimeMs]);
          prevMs = w.wallTimeMs;
        }
        return [r.first.channel, r.first.units, r.first.gain, r.first.baseline, pieces];
      }),
      useRaw ? WAVE_CODEC_RAW : WAVE_CODEC_VWC1,
      useRaw ? rawBytes(chans, n) : coded,
    ]);
  }
  return out;
}

export function decodeWaves(raw: unknown): BatchWave[] | Fail {
  if (!Array.isArray(raw)) return invalid('waves "w": not an array');
  const slots: (BatchWave | undefined)[] = [];
  let total = 0;
  let count = 0;
  for (let g = 0; g < raw.length; g++) {
    const grp: unknown = raw[g];
    const where = `waves "w"[${g}]`;
    if (!Array.isArray(grp) || grp.length !== 7) return invalid(`${where}: not a 7-element group`);
    const [deviceId, sampleRate, firstSample, n, chans, codec, data] = grp as unknown[];
    if (typeof deviceId !== 'string' || !isNum(sampleRate) || sampleRate <= 0 || !isInt(firstSample)) return invalid(`${where}: bad header`);
    if (!isInt(n) || n < 0 || !Array.isArray(chans) || chans.length === 0 || !(data instanceof Uint8Array)) return invalid(`${where}: bad shape`);
    total += n * chans.length;
    if (total > MAX_BATCH_SAMPLES) {
      return { ok: false, code: 'VIGIL_BATCH_TOO_LARGE', message: `waves hold more than ${MAX_BATCH_SAMPLES} samples` };
    }
    if (codec !== WAVE_CODEC_RAW && codec !== WAVE_CODEC_VWC1) return invalid(`${where}: unknown codec ${String(codec)}`);
    const decoded = codec === WAVE_CODEC_RAW ? decodeRaw(data, chans.length, n) : decodeWaveBlock(data, chans.length, n);
    if (decoded === null) return invalid(`${where}: corrupt sample data`);
    for (let c = 0; c < chans.length; c++) {
      const ch: unknown = chans[c];
      const at = `${where} channel ${c}`;
      if (!Array.isArray(ch) || ch.length !== 5) return invalid(`${at}: not a 5-element entry`);
      const [name, units, gain, baseline, pieces] = ch as unknown[];
      if (typeof name !== 'string' || typeof units !== 'string' || !isNum(gain) || !isNum(baseline)) return invalid(`${at}: bad fields`);
      if (!Array.isArray(pieces) || pieces.length === 0 || pieces.length % 3 !== 0) return invalid(`${at}: bad piece list`);
      const samples = decoded[c] as Int32Array;
      let pos = 0;
      let prevMs = 0;
      for (let k = 0; k < pieces.length; k += 3) {
        const [index, len, t] = [pieces[k], pieces[k + 1], pieces[k + 2]] as unknown[];
        if (!isInt(index) || index < 0 || index >= MAX_BATCH_SAMPLES || slots[index] !== undefined) return invalid(`${at}: bad or repeated index`);
        const abs = Array.isArray(t) && t.length === 1 ? (t[0] as unknown) : undefined;
        const wallTimeMs = k === 0 ? t : abs !== undefined ? abs : isNum(t) ? prevMs + t : undefined;
        if (!isInt(len) || len < 0 || pos + len > n || !isNum(wallTimeMs)) return invalid(`${at}: bad piece`);
        prevMs = wallTimeMs;
        slots[index] = {
          deviceId, channel: name, units, gain, baseline, sampleRate, firstSample: firstSample + pos, wallTimeMs,
          samples: pieces.length === 3 ? samples : samples.slice(pos, pos + len),
        };
        pos += len;
        count++;
      }
      if (pos !== n) return invalid(`${at}: pieces do not add up to the group length`);
    }
  }
  if (count !== slots.length) return invalid('waves "w": segment indexes are not 0..n-1');
  return slots as BatchWave[];
}
