/**
 * One-shot synthesis of a whole scenario into memory, for tests and tools that want a
 * signal with its ground truth (QRS detection, rhythm detectors, alarms) without a driver.
 */
import type { ChannelInfo } from '../contract.ts';
import { EcgSynth, type GeneratorOptions, type TruthEvent } from './ecgsyn.ts';
import type { Scenario, ScenarioOverrides, ScenarioSpec } from './scenario.ts';
import { resolveScenario } from './scenarios.ts';

export interface SynthesizeOptions extends GeneratorOptions, ScenarioOverrides {
  /** Length to produce; required for looping scenarios, defaults to the whole scenario. */
  durationS?: number;
}

export interface Synthesized {
  readonly scenario: Scenario;
  readonly channels: readonly ChannelInfo[];
  /** One array per channel, raw ADC units. */
  readonly data: readonly Int32Array[];
  readonly length: number;
  /** Beats, rhythm changes, VF markers and lead-off events, in sample order. */
  readonly truth: readonly TruthEvent[];
}

export function synthesize(ref: string | ScenarioSpec, opts: SynthesizeOptions = {}): Synthesized {
  const scenario = resolveScenario(ref, { seed: opts.seed, sampleRate: opts.sampleRate, loop: opts.loop });
  const gen = new EcgSynth(scenario, { ...opts, truthCapacity: Infinity });
  const want = opts.durationS !== undefined ? Math.round(opts.durationS * scenario.sampleRate) : gen.totalSamples;
  if (!Number.isFinite(want)) throw new RangeError('synthesize: durationS is required for a looping scenario');
  const n = Math.min(want, gen.totalSamples);
  const data = gen.leads.map(() => new Int32Array(n));
  const got = gen.generate(data, n);
  return { scenario, channels: gen.channels(), data, length: got, truth: gen.drainTruth() };
}
