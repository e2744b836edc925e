/**
 * Offline analysis of one WFDB record with the same streaming engine the live hub runs:
 * the record is pushed through EcgEngine block by block, exactly as a device would deliver
 * it, and the results are turned into WFDB annotations and window reports.
 */
import { EcgEngine, type Beat, type WindowReport } from '../ecg/index.ts';
import { AnnotationCode } from '../wfdb/codes.ts';
import { annotationSet, type AnnotationInput, type AnnotationSet } from '../wfdb/annotations.ts';
import type { WfdbRecord } from '../wfdb/record.ts';
import { effectiveGain } from '../wfdb/header.ts';

/** Beat label (AAMI class from the engine/classifier) -> MIT annotation code. */
export const LABEL_TO_MIT: Readonly<Record<string, number>> = {
  N: AnnotationCode.NORMAL,
  S: AnnotationCode.APC,
  V: AnnotationCode.PVC,
  F: AnnotationCode.FUSION,
  Q: AnnotationCode.UNKNOWN,
};

export interface RecordAnalysis {
  beats: Beat[];
  windows: WindowReport[];
  annotations: AnnotationSet;
  /** Seconds of signal analysed. */
  durationS: number;
  /** CPU seconds spent in the engine (excludes reading the record). */
  engineS: number;
}

/** Push a decoded record through the engine in blocks of `blockS` seconds (default 1 s, like a live device). */
export function analyzeRecord(rec: WfdbRecord, blockS = 1): RecordAnalysis {
  const h = rec.header;
  const fs = h.samplingFrequency;
  const engine = new EcgEngine({
    sampleRate: fs,
    leads: h.signals.map((s) => ({ name: s.description, gain: effectiveGain(s), baseline: s.baseline })),
  });
  const beats: Beat[] = [];
  const windows: WindowReport[] = [];
  const block = Math.max(1, Math.round(blockS * fs));
  const t0 = process.hrtime.bigint();
  for (let from = 0; from < rec.length; from += block) {
    const n = Math.min(block, rec.length - from);
    engine.push(rec.signals, n, from);
    for (const b of engine.drainBeats()) beats.push(b);
    for (const w of engine.drainWindows()) windows.push(w);
  }
  engine.finish();
  for (const b of engine.drainBeats()) beats.push(b);
  for (const w of engine.drainWindows()) windows.push(w);
  const engineS = Number(process.hrtime.bigint() - t0) / 1e9;
  return { beats, windows, annotations: toAnnotations(beats, windows), durationS: rec.length / fs, engineS };
}

/**
 * Beats as MIT beat annotations; unanalyzable stretches as signal-quality annotations
 * ('~', subtype -1 = all signals unreadable at the start, 0 = readable again), the WFDB
 * convention that bxb and the other WFDB tools understand.
 */
export function toAnnotations(beats: readonly Beat[], windows: readonly WindowReport[]): AnnotationSet {
  const list: AnnotationInput[] = beats.map((b) => ({ sample: b.sample, code: LABEL_TO_MIT[b.label] ?? AnnotationCode.NORMAL, chan: b.lead }));
  let bad = false;
  for (const w of windows) {
    if (w.unanalyzable !== bad) {
      bad = w.unanalyzable;
      list.push({ sample: w.startSample, code: AnnotationCode.NOISE, subtype: bad ? -1 : 0 });
    }
  }
  list.sort((a, b) => a.sample - b.sample);
  return annotationSet(list);
}

/** One JSON line per window for `<record>.jsonl`. */
export function windowLine(w: WindowReport, fs: number): string {
  return JSON.stringify({
    start_s: round(w.startSample / fs, 3),
    end_s: round(w.endSample / fs, 3),
    hr_bpm: w.hrBpm === null ? null : round(w.hrBpm, 1),
    sdnn_ms: w.hrv ? round(w.hrv.sdnnMs, 1) : null,
    rmssd_ms: w.hrv ? round(w.hrv.rmssdMs, 1) : null,
    pnn50: w.hrv ? round(w.hrv.pnn50, 4) : null,
    nn: w.hrv ? w.hrv.nnCount : 0,
    sqi: round(w.sqi, 3),
    unanalyzable: w.unanalyzable,
    lead_off: w.leadOff,
  });
}

function round(x: number, d: number): number {
  const k = 10 ** d;
  return Math.round(x * k) / k;
}
