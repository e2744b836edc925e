/**
 * Beat classifier cost (models/beat-classifier.onnx through onnxruntime-node, one thread):
 *  - classifier_us_per_beat: live BeatLabeler cost per beat (causal features + ONNX run in
 *    the small batches that come due per 1-s block), median over records × runs;
 *    `batch256_us_per_beat` adds the offline cost with 256-beat batches;
 *  - pipeline_rtf_with_model: record duration / (engine + live labeler) time, 1-s blocks.
 * Records: the first BENCH_RECORDS mitdb records in ../shared/data, else a synthetic
 * 30-min 360 Hz record (and `note` says so).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesize } from '../../drivers/synthetic/index.ts';
import { BeatClassifier, BeatLabeler } from '../../src/detect/classifier.ts';
import { FEATURE_COUNT, featurizeBeats } from '../../src/detect/features.ts';
import { EcgEngine, type Beat, type EcgEngineOptions } from '../../src/ecg/index.ts';
import { effectiveGain } from '../../src/wfdb/header.ts';
import { readRecord } from '../../src/wfdb/record.ts';
import { median, type Metric } from './stats.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH_RECORDS = 3;
const RUNS = 3;

interface Job {
  signals: readonly Int32Array[];
  length: number;
  opts: EcgEngineOptions;
}

async function jobs(): Promise<{ list: Job[]; note?: string }> {
  const dir = path.resolve(repoRoot, '..', 'shared', 'data', 'mitdb');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4)).sort().slice(0, BENCH_RECORDS);
  } catch {
    names = [];
  }
  const list: Job[] = [];
  for (const n of names) {
    const rec = await readRecord(path.join(dir, n));
    list.push({ signals: rec.signals, length: rec.length, opts: { sampleRate: rec.header.samplingFrequency, leads: rec.header.signals.map((s) => ({ name: s.description, gain: effectiveGain(s), baseline: s.baseline })) } });
  }
  if (list.length > 0) return { list };
  const s = synthesize('demo', { durationS: 1800, sampleRate: 360, seed: 1, leads: ['II', 'V1'] });
  return { list: [{ signals: s.data, length: s.length, opts: { sampleRate: 360, leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })) } }], note: 'synthetic record (../shared/data/mitdb absent)' };
}

/** Engine + live labeler over one record; returns [total s, labeler s, beats]. */
async function runLive(job: Job, clf: BeatClassifier): Promise<[number, number, number]> {
  const fs = job.opts.sampleRate;
  const t0 = process.hrtime.bigint();
  let lab = 0n;
  const engine = new EcgEngine(job.opts);
  const labeler = new BeatLabeler(clf, { sampleRate: fs, leadNames: job.opts.leads.map((l) => l.name) });
  let n = 0;
  for (let off = 0; off < job.length; off += fs) {
    const k = Math.min(fs, job.length - off);
    engine.push(job.signals, k, off);
    const beats = engine.drainBeats();
    engine.drainWindows();
    const a = process.hrtime.bigint();
    n += (await labeler.push(beats, off + k)).length;
    lab += process.hrtime.bigint() - a;
  }
  engine.finish();
  const a = process.hrtime.bigint();
  n += (await labeler.push(engine.drainBeats(), job.length)).length + (await labeler.flush()).length;
  lab += process.hrtime.bigint() - a;
  return [Number(process.hrtime.bigint() - t0) / 1e9, Number(lab) / 1e9, n];
}

export async function benchClassifier(): Promise<Metric[]> {
  const clf = await BeatClassifier.load(path.join(repoRoot, 'models', 'beat-classifier.onnx'));
  try {
    const { list, note } = await jobs();
    const perBeat: number[] = [];
    const rtf: number[] = [];
    const batch: number[] = [];
    for (const job of list) {
      const fs = job.opts.sampleRate;
      for (let r = 0; r < RUNS; r++) {
        const [total, lab, n] = await runLive(job, clf);
        perBeat.push((lab / Math.max(n, 1)) * 1e6);
        rtf.push(job.length / fs / total);
      }
      // offline batches of 256 (features + inference)
      const engine = new EcgEngine(job.opts);
      const beats: Beat[] = [];
      for (let off = 0; off < job.length; off += fs) {
        engine.push(job.signals, Math.min(fs, job.length - off), off);
        beats.push(...engine.drainBeats());
      }
      engine.finish();
      beats.push(...engine.drainBeats());
      const t0 = process.hrtime.bigint();
      const x = featurizeBeats(beats, { sampleRate: fs, leadNames: job.opts.leads.map((l) => l.name) });
      for (let i = 0; i < beats.length; i += 256) {
        const n = Math.min(256, beats.length - i);
        await clf.classifyFeatures(x.subarray(i * FEATURE_COUNT, (i + n) * FEATURE_COUNT), n);
      }
      batch.push((Number(process.hrtime.bigint() - t0) / 1e3) / Math.max(beats.length, 1));
    }
    const extra = note ? { note } : {};
    return [
      { metric: 'classifier_us_per_beat', value: round(median(perBeat)), unit: 'us', batch256_us_per_beat: round(median(batch)), model_bytes: clf.info.bytes, ...extra },
      { metric: 'pipeline_rtf_with_model', value: Math.round(median(rtf)), unit: 'x', ...extra },
    ];
  } finally {
    await clf.close();
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
