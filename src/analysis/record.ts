/**
 * Offline analysis of one WFDB record with the same analysis chain the live hub runs: the
 * record is pushed through it block by block, exactly as a device would deliver it, and the
 * results are turned into WFDB annotations and window reports.
 */
import type { Beat, WindowReport } from '../ecg/index.ts';
import { rhythmAnnotations } from '../detect/rhythm/annotations.ts';
import { CONDITIONS } from '../detect/conditions.ts';
import { ALARM_NOTE_PREFIX } from '../eval/alarms.ts';
import type { RhythmEvent } from '../detect/rhythm/events.ts';
import { AnalysisChain, type BeatLabeller, type ChainOutput } from './chain.ts';
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
  /** Paced beat (src/ecg/pace.ts), MIT '/', AAMI class Q. */
  P: AnnotationCode.PACE,
};

export interface RecordAnalysis {
  beats: Beat[];
  windows: WindowReport[];
  rhythm: RhythmEvent[];
  annotations: AnnotationSet;
  /** Seconds of signal analysed. */
  durationS: number;
  /** CPU seconds spent in the engine (excludes reading the record). */
  engineS: number;
}

/** Patient facts the operator sets (IEC 60601-2-27): whether the patient is paced. */
export interface PatientOptions {
  /** Label beats with a pacing pulse 'P' (src/ecg/pace.ts). */
  paced?: boolean;
}

function chainFor(rec: WfdbRecord, labeller?: BeatLabeller, adapt = true, patient: PatientOptions = {}): AnalysisChain {
  return new AnalysisChain({
    paced: patient.paced === true,
    sampleRate: rec.header.samplingFrequency,
    leads: rec.header.signals.map((s) => ({ name: s.description, gain: effectiveGain(s), baseline: s.baseline })),
    labeller,
    adapt,
  });
}

class Collector {
  readonly beats: Beat[] = [];
  readonly windows: WindowReport[] = [];
  readonly rhythm: RhythmEvent[] = [];
  keep(o: ChainOutput): void {
    for (const b of o.beats) this.beats.push(b);
    for (const w of o.windows) this.windows.push(w);
    for (const r of o.rhythm) this.rhythm.push(r);
  }
  result(rec: WfdbRecord, engineS: number): RecordAnalysis {
    return {
      beats: this.beats,
      windows: this.windows,
      rhythm: this.rhythm,
      annotations: toAnnotations(this.beats, this.windows, this.rhythm),
      durationS: rec.length / rec.header.samplingFrequency,
      engineS,
    };
  }
}

/**
 * Push a decoded record through the analysis chain (engine + rhythm monitor, beats keep the
 * engine's N/Q labels) in blocks of `blockS` seconds, as a live device would deliver it.
 */
export function analyzeRecord(rec: WfdbRecord, blockS = 1, patient: PatientOptions = {}): RecordAnalysis {
  const chain = chainFor(rec, undefined, true, patient);
  const c = new Collector();
  const block = Math.max(1, Math.round(blockS * rec.header.samplingFrequency));
  const t0 = process.hrtime.bigint();
  for (let from = 0; from < rec.length; from += block) c.keep(chain.pushSync(rec.signals, Math.min(block, rec.length - from), from));
  c.keep(chain.finishSync());
  return c.result(rec, Number(process.hrtime.bigint() - t0) / 1e9);
}

/**
 * The same with a beat labeller (the classifier) between the engine and the rhythm monitor,
 * followed by the patient-adaptive stage (src/detect/adapt.ts) unless `adapt` is false.
 */
export async function analyzeRecordLabelled(rec: WfdbRecord, labeller: BeatLabeller, blockS = 1, adapt = true, patient: PatientOptions = {}): Promise<RecordAnalysis> {
  const chain = chainFor(rec, labeller, adapt, patient);
  const c = new Collector();
  const block = Math.max(1, Math.round(blockS * rec.header.samplingFrequency));
  const t0 = process.hrtime.bigint();
  for (let from = 0; from < rec.length; from += block) c.keep(await chain.push(rec.signals, Math.min(block, rec.length - from), from));
  c.keep(await chain.finish());
  return c.result(rec, Number(process.hrtime.bigint() - t0) / 1e9);
}

/**
 * Beats as MIT beat annotations; rhythm conditions as RHYTHM annotations ('+' with aux '(VT',
 * '(AFIB' ..., back to '(N' at offsets); unanalyzable stretches as signal-quality annotations
 * ('~', subtype -1 = all signals unreadable at the start, 0 = readable again), the WFDB
 * convention that bxb and the other WFDB tools understand.
 */
const HIGH_PRIORITY: ReadonlySet<string> = new Set(CONDITIONS.filter((c) => c.priority === 'high' && !c.technical).map((c) => c.id));

export function toAnnotations(beats: readonly Beat[], windows: readonly WindowReport[], rhythm: readonly RhythmEvent[] = []): AnnotationSet {
  const list: AnnotationInput[] = beats.map((b) => ({ sample: b.sample, code: LABEL_TO_MIT[b.label] ?? AnnotationCode.NORMAL, chan: b.lead }));
  for (const r of rhythmAnnotations(rhythm)) list.push(r);
  // Each high-priority alarm onset as a NOTE, so `vigil eval` can count true and false
  // life-threatening alarms (the rhythm labels alone cannot tell VTach from Run PVCs).
  for (const r of rhythm) {
    if (r.phase === 'onset' && HIGH_PRIORITY.has(r.condition)) list.push({ sample: r.sample, code: AnnotationCode.NOTE, aux: ALARM_NOTE_PREFIX + r.condition });
  }
  let bad = false;
  for (const w of windows) {
    if (w.unanalyzable !== bad) {
      bad = w.unanalyzable;
      list.push({ sample: w.startSample, code: AnnotationCode.NOISE, subtype: bad ? -1 : 0 });
    }
  }
  // Stable sort: at one sample, rhythm annotations keep their order (offset before onset).
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
