/**
 * wfdb_decode_samples_per_s: format 212 decoding into preallocated Int32Arrays, in 0.1 s
 * blocks (the replay driver's access pattern) over the mitdb records in ../shared/data.
 * One "sample" is one sample of one channel (frames × channels). Files are read before
 * timing: this measures decoding, not disk.
 *
 * When the data folder is absent, a synthetic 212 buffer of one mitdb record's size
 * (650000 frames × 2 signals) is decoded instead, and the metric says so in `note`.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseHeader } from '../../src/wfdb/header.ts';
import { loadRecordSource, type RecordSource } from '../../src/wfdb/record.ts';
import { RecordDecoder } from '../../src/wfdb/signals.ts';
import { median, type Metric } from './stats.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function mitdbSources(dir: string): Promise<RecordSource[] | null> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.hea'));
  } catch {
    return null;
  }
  const out: RecordSource[] = [];
  for (const f of names.sort()) {
    const src = await loadRecordSource(path.join(dir, f.slice(0, -4)));
    if (src.header.signals.every((s) => s.format === 212)) out.push(src);
  }
  return out.length > 0 ? out : null;
}

function syntheticSource(): RecordSource {
  const frames = 650_000;
  const r = parseHeader(`syn 2 360 ${frames}\nsyn.dat 212\nsyn.dat 212`);
  if (!r.ok) throw r.error;
  // Deterministic pseudo-random bytes (xorshift32): every 12-bit pattern shows up.
  const bytes = new Uint8Array(frames * 3);
  let x = 0x9e3779b9;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return { header: r.header, files: new Map([['syn.dat', bytes]]) };
}

/** `mitdbDir` defaults to ../shared/data/mitdb next to the repository. */
export async function benchWfdb(runs = 7, mitdbDir = path.resolve(repoRoot, '..', 'shared', 'data', 'mitdb')): Promise<Metric[]> {
  const real = await mitdbSources(mitdbDir);
  const sources = real ?? [syntheticSource()];
  const jobs = sources.map((src) => {
    const decoder = new RecordDecoder(src.header, src.files);
    const block = Math.round(src.header.samplingFrequency / 10);
    return { decoder, block, out: decoder.allocate(decoder.usableFrames) };
  });
  const total = jobs.reduce((s, j) => s + j.decoder.usableFrames * j.decoder.header.signals.length, 0);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let samples = 0;
    const t0 = process.hrtime.bigint();
    for (const j of jobs) {
      const n = j.decoder.usableFrames;
      let frames = 0;
      for (let from = 0; from < n; from += j.block) frames += j.decoder.decode(from, j.block, j.out, from);
      samples += frames * j.decoder.header.signals.length;
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (samples !== total) throw new Error(`wfdb bench decoded ${samples} of ${total} samples`);
    rates.push(total / s);
  }
  const metric: Metric = { metric: 'wfdb_decode_samples_per_s', value: Math.round(median(rates)), unit: 'samples/s', records: sources.length };
  if (real === null) metric.note = `synthetic format 212 buffer (650000 frames x 2 signals): no mitdb records at ${mitdbDir}`;
  return [metric];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const m of await benchWfdb()) process.stdout.write(JSON.stringify(m) + '\n');
}
