/** The synthetic patient: generator, scenarios, ground truth and its Driver. */
export {
  DEFAULT_BASELINE,
  DEFAULT_GAIN,
  DEFAULT_LEADS,
  DEFAULT_RAIL_RAW,
  DEFAULT_SAMPLE_RATE,
  DEFAULT_TRUTH_CAPACITY,
  EcgSynth,
  type GeneratorOptions,
  type LeadName,
  type TruthEvent,
  type VitalsSnapshot,
} from './ecgsyn.ts';
export { BEAT_CODE, BeatKind, PACE_WIDTH_S } from './morphology.ts';
export { Prng, deriveSeed } from './prng.ts';
export {
  BEAT_RHYTHMS,
  DEFAULT_PACE_SPIKE_MV,
  DEFAULT_SCENARIO_SAMPLE_RATE,
  DEFAULT_VITALS,
  RHYTHMS,
  RHYTHM_LABEL,
  parseScenario,
  scenarioDurationS,
  type NoiseSpec,
  type Rhythm,
  type Scenario,
  type ScenarioOverrides,
  type ScenarioSpec,
  type Segment,
  type SegmentSpec,
} from './scenario.ts';
export { builtinScenario, builtinScenarios, resolveScenario, type BuiltinParams } from './scenarios.ts';
export { synthesize, type SynthesizeOptions, type Synthesized } from './synthesize.ts';
export { DEFAULT_BLOCK_MS, SyntheticDriver, type SyntheticDriverDeps, type SyntheticDriverOptions } from './synthetic-driver.ts';
