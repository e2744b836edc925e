/** Helpers for the ECG engine tests: synthetic records run through the engine and scored. */
import { matchBeats } from '../../src/eval/bxb.ts';
import { EcgEngine, type Beat, type EcgEngineOptions, type WindowReport } from '../../src/ecg/index.ts';
import { synthesize } from '../../drivers/synthetic/index.ts';
import type { ScenarioSpec } from '../../drivers/synthetic/scenario.ts';

export interface Run {
  beats: Beat[];
  windows: WindowReport[];
  /** Samples pushed when each beat was drained (same order as beats). */
  drainedAt: number[];
  truth: number[];
  truthCodes: string[];
  length: number;
  fs: number;
  engine: EcgEngine;
}

export function synth(ref: string | ScenarioSpec, durationS: number, fs = 360, seed = 7, leads: ('II' | 'V1')[] = ['II', 'V1']): ReturnType<typeof synthesize> {
  return synthesize(ref, { durationS, sampleRate: fs, seed, leads });
}

export function optionsFor(s: ReturnType<typeof synthesize>, extra: Partial<EcgEngineOptions> = {}): EcgEngineOptions {
  return {
    sampleRate: s.scenario.sampleRate,
    leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })),
    ...extra,
  };
}

/** Push a synthesized record in blocks of `block` samples, draining after each push. */
export function runEngine(s: ReturnType<typeof synthesize>, block = 360, extra: Partial<EcgEngineOptions> = {}): Run {
  const engine = new EcgEngine(optionsFor(s, extra));
  const beats: Beat[] = [];
  const windows: WindowReport[] = [];
  const drainedAt: number[] = [];
  for (let off = 0; off < s.length; off += block) {
    engine.push(s.data, Math.min(block, s.length - off), off);
    for (const b of engine.drainBeats()) {
      beats.push(b);
      drainedAt.push(engine.samplesProcessed);
    }
    windows.push(...engine.drainWindows());
  }
  engine.finish();
  for (const b of engine.drainBeats()) {
    beats.push(b);
    drainedAt.push(engine.samplesProcessed);
  }
  windows.push(...engine.drainWindows());
  const tb = s.truth.filter((e) => e.code === 'N' || e.code === 'V' || e.code === 'A' || e.code === '/');
  return { beats, windows, drainedAt, truth: tb.map((e) => e.sample), truthCodes: tb.map((e) => e.code), length: s.length, fs: s.scenario.sampleRate, engine };
}

export interface Score {
  tp: number;
  fn: number;
  fp: number;
}

/** bxb-style one-to-one matching within 150 ms over [fromS, end). */
export function score(run: Run, fromS = 3): Score {
  const win = Math.round(0.15 * run.fs);
  const from = Math.round(fromS * run.fs);
  const ref = Int32Array.from(run.truth);
  const test = Int32Array.from(run.beats, (b) => b.sample);
  const { refMatch, testMatch } = matchBeats(ref, test, win);
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (let i = 0; i < ref.length; i++) {
    if ((ref[i] as number) < from) continue;
    if ((refMatch[i] as number) >= 0) tp++;
    else fn++;
  }
  for (let j = 0; j < test.length; j++) if ((test[j] as number) >= from && (testMatch[j] as number) < 0) fp++;
  return { tp, fn, fp };
}
