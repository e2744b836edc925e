/**
 * Training set for the beat classifier: every mitdb record is pushed through the same
 * streaming engine the hub runs (analyzeRecord), each detected beat gets its causal feature
 * vector (src/detect/features.ts, the runtime's own code), and its label is the AAMI class of
 * the reference beat within 150 ms (EC57's match window); detections with no reference beat
 * get UNMATCHED and are not trained on.
 *
 * Written for the Python trainer as raw little-endian files in a cache directory:
 * features.f32 (n × FEATURE_COUNT), labels.u8, and meta.json (records with their row
 * ranges). Nothing from the data set is written into the repository.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EcgEngine, type Beat, type WindowReport } from '../../src/ecg/index.ts';
import { effectiveGain } from '../../src/wfdb/header.ts';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_VERSION, featurizeBeats } from '../../src/detect/features.ts';
import { aamiClass } from '../../src/eval/classes.ts';
import { isBeatCode } from '../../src/wfdb/codes.ts';
import { readAnnotations, readRecord } from '../../src/wfdb/record.ts';

/** DS1 of de Chazal et al. 2004 minus the paced records (EC57 excludes them from classification). */
export const TRAIN_RECORDS: readonly string[] = [
  '101', '106', '108', '109', '112', '114', '115', '116', '118', '119', '122',
  '124', '201', '203', '205', '207', '208', '209', '215', '220', '223', '230',
];
export const UNMATCHED = 255;
const MATCH_WINDOW_S = 0.15;

export interface RecordData {
  name: string;
  fs: number;
  analysis: { beats: Beat[]; windows: WindowReport[] };
  features: Float32Array;
  labels: Uint8Array;
}

/** Analyse one record and label its detected beats from the reference annotations. */
export async function recordData(dataDir: string, name: string): Promise<RecordData> {
  const base = path.join(dataDir, name);
  const rec = await readRecord(base);
  const ref = await readAnnotations(base, 'atr');
  const fs = rec.header.samplingFrequency;
  // The engine alone, pushed in 1-s blocks as a device delivers (what analyzeRecord does
  // before any labeller or rhythm stage).
  const engine = new EcgEngine({ sampleRate: fs, leads: rec.header.signals.map((s) => ({ name: s.description, gain: effectiveGain(s), baseline: s.baseline })) });
  const analysis = { beats: [] as Beat[], windows: [] as WindowReport[] };
  for (let from = 0; from < rec.length; from += fs) {
    engine.push(rec.signals, Math.min(fs, rec.length - from), from);
    analysis.beats.push(...engine.drainBeats());
    analysis.windows.push(...engine.drainWindows());
  }
  engine.finish();
  analysis.beats.push(...engine.drainBeats());
  analysis.windows.push(...engine.drainWindows());
  const leadNames = rec.header.signals.map((s) => s.description);
  const features = featurizeBeats(analysis.beats, { sampleRate: fs, leadNames });
  const refS: number[] = [];
  const refC: number[] = [];
  for (let i = 0; i < ref.length; i++) {
    const code = ref.code[i] as number;
    if (isBeatCode(code)) {
      refS.push(ref.sample[i] as number);
      refC.push(aamiClass(code));
    }
  }
  const labels = new Uint8Array(analysis.beats.length).fill(UNMATCHED);
  const win = Math.round(MATCH_WINDOW_S * fs);
  let j = 0;
  for (const [i, b] of analysis.beats.entries()) {
    while (j < refS.length && (refS[j] as number) < b.sample - win) j++;
    let best = -1;
    let bestD = Infinity;
    for (let k = j; k < refS.length && (refS[k] as number) <= b.sample + win; k++) {
      const d = Math.abs((refS[k] as number) - b.sample);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    if (best >= 0) labels[i] = refC[best] as number;
  }
  return { name, fs, analysis, features, labels };
}

/** Write the pooled set for the trainer; returns the directory. */
export async function writeDataset(records: readonly RecordData[], dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const n = records.reduce((s, r) => s + r.labels.length, 0);
  const feats = new Float32Array(n * FEATURE_COUNT);
  const labels = new Uint8Array(n);
  const meta: Array<{ name: string; start: number; count: number }> = [];
  let at = 0;
  for (const r of records) {
    feats.set(r.features, at * FEATURE_COUNT);
    labels.set(r.labels, at);
    meta.push({ name: r.name, start: at, count: r.labels.length });
    at += r.labels.length;
  }
  await writeFile(path.join(dir, 'features.f32'), new Uint8Array(feats.buffer));
  await writeFile(path.join(dir, 'labels.u8'), labels);
  await writeFile(
    path.join(dir, 'meta.json'),
    JSON.stringify({ featureVersion: FEATURE_VERSION, featureCount: FEATURE_COUNT, featureNames: FEATURE_NAMES, classes: ['N', 'S', 'V', 'F', 'Q'], unmatched: UNMATCHED, rows: n, records: meta }, null, 1),
  );
  return dir;
}

/** Class counts (N S V F Q unmatched) for logs and the model card. */
export function classCounts(labels: Uint8Array): Record<string, number> {
  const names = ['N', 'S', 'V', 'F', 'Q'];
  const out: Record<string, number> = { N: 0, S: 0, V: 0, F: 0, Q: 0, unmatched: 0 };
  for (const l of labels) {
    const key = l === UNMATCHED ? 'unmatched' : (names[l] ?? 'unmatched');
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
