/**
 * Scenarios for the synthetic patient: a declarative timeline of rhythm segments, checked
 * at load time (zod for the shape, then cross-field rules by hand) and resolved into a
 * form with every default filled in and every boundary in samples.
 *
 * Invalid input throws VigilError('VIGIL_SCENARIO_INVALID') whose `details.path` names the
 * first offending field, e.g. `segments[2].hr`.
 */
import { z } from 'zod';
import { VigilError } from '../../src/core/errors.ts';

export const RHYTHMS = ['sinus', 'af', 'vt', 'vf', 'asystole', 'pause', 'paced'] as const;
export type Rhythm = (typeof RHYTHMS)[number];

/** Rhythms made of discrete beats (the others are a continuous wave or nothing). */
export const BEAT_RHYTHMS: ReadonlySet<Rhythm> = new Set<Rhythm>(['sinus', 'af', 'vt', 'paced']);

/** MIT-BIH rhythm labels (aux of a '+' annotation). 'pause' keeps the rhythm it interrupts. */
export const RHYTHM_LABEL: Readonly<Record<Rhythm, string | null>> = {
  sinus: '(N',
  af: '(AFIB',
  vt: '(VT',
  vf: '(VFL',
  asystole: '(ASYS',
  pause: null,
  paced: '(P',
};

/** Default and allowed heart rate (bpm) per beat rhythm. */
const HR_RULES: Readonly<Record<string, { def: number; min: number; max: number }>> = {
  sinus: { def: 72, min: 20, max: 250 },
  af: { def: 110, min: 30, max: 250 },
  // Monitors are tested with VT at 195 and 206 bpm (IEC 60601-2-27); slow VT starts near 100.
  vt: { def: 180, min: 100, max: 300 },
  paced: { def: 70, min: 30, max: 200 },
};

export const DEFAULT_SCENARIO_SAMPLE_RATE = 250;
export const DEFAULT_VITALS = { spo2: 97, respRate: 16, tempC: 36.8 } as const;
/** Bipolar pacing pulses on the surface ECG are a few mV (range ±2-700 mV per IEC 60601-2-27). */
export const DEFAULT_PACE_SPIKE_MV = 3;

// ---------------------------------------------------------------- authoring format

export interface NoiseSpec {
  /** Peak amplitude of baseline wander (0.15-0.3 Hz, respiration/motion), mV. */
  baselineWanderMv?: number;
  /** Mains frequency, Hz. */
  mainsHz?: 50 | 60;
  /** Peak amplitude of mains interference, mV. */
  mainsMv?: number;
  /** Standard deviation of broadband muscle (EMG-like) noise, mV. */
  emgMv?: number;
}

export interface SegmentSpec {
  durationS: number;
  rhythm: Rhythm;
  /** Heart rate (bpm) at the segment start; for AF the mean ventricular rate. */
  hr?: number;
  /** Heart rate at the segment end (linear ramp), defaults to `hr`. */
  hrTo?: number;
  /** Premature ventricular complexes per minute (sinus, af). */
  pvcPerMin?: number;
  /** Probability that a PVC comes as a couplet (two in a row). */
  pvcCoupletFraction?: number;
  /** Atrial premature complexes per minute (sinus). */
  apcPerMin?: number;
  /** Respiratory sinus arrhythmia, RR modulation in percent (sinus); 0 = metronome. */
  hrvPct?: number;
  /** Scales every cardiac wave (QRS, VF, f-waves), default 1. */
  amplitude?: number;
  /** Electrodes off for this segment: output at the rail, lead-off flag set. */
  leadOff?: boolean;
  /** Overrides of the scenario noise for this segment. */
  noise?: NoiseSpec;
  /** Targets the slowly drifting vitals move toward during this segment. */
  spo2?: number;
  respRate?: number;
  tempC?: number;
  /** Free text for people reading the scenario. */
  note?: string;
}

export interface ScenarioSpec {
  name?: string;
  seed?: number;
  sampleRate?: number;
  /** Start again at the first segment after the last one (default false: end). */
  loop?: boolean;
  noise?: NoiseSpec;
  vitals?: { spo2?: number; respRate?: number; tempC?: number };
  paceSpikeMv?: number;
  segments: SegmentSpec[];
}

// ---------------------------------------------------------------- resolved format

export interface Noise {
  readonly baselineWanderMv: number;
  readonly mainsHz: number;
  readonly mainsMv: number;
  readonly emgMv: number;
}

export interface Segment {
  readonly index: number;
  readonly rhythm: Rhythm;
  readonly durationS: number;
  /** First sample of the segment within one pass of the timeline. */
  readonly startSample: number;
  /** One past the last sample within one pass of the timeline. */
  readonly endSample: number;
  /** 0 for rhythms without beats. */
  readonly hr: number;
  readonly hrTo: number;
  readonly pvcPerMin: number;
  readonly pvcCoupletFraction: number;
  readonly apcPerMin: number;
  readonly hrvPct: number;
  readonly amplitude: number;
  readonly leadOff: boolean;
  readonly noise: Noise;
  readonly spo2: number;
  readonly respRate: number;
  readonly tempC: number;
}

export interface Scenario {
  readonly name: string;
  readonly seed: number;
  readonly sampleRate: number;
  readonly loop: boolean;
  readonly paceSpikeMv: number;
  readonly segments: readonly Segment[];
  /** Samples in one pass of the timeline. */
  readonly cycleSamples: number;
}

// ---------------------------------------------------------------- validation

const noiseSchema = z.strictObject({
  baselineWanderMv: z.number().min(0).max(5).optional(),
  mainsHz: z.union([z.literal(50), z.literal(60)]).optional(),
  mainsMv: z.number().min(0).max(5).optional(),
  emgMv: z.number().min(0).max(5).optional(),
});

const segmentSchema = z.strictObject({
  // Shorter than a quarter second is not a rhythm, and breaks the beat planner's rules.
  durationS: z.number().min(0.25).max(7 * 86400),
  rhythm: z.enum(RHYTHMS),
  hr: z.number().optional(),
  hrTo: z.number().optional(),
  pvcPerMin: z.number().min(0).max(150).optional(),
  pvcCoupletFraction: z.number().min(0).max(1).optional(),
  apcPerMin: z.number().min(0).max(150).optional(),
  hrvPct: z.number().min(0).max(20).optional(),
  amplitude: z.number().min(0.1).max(5).optional(),
  leadOff: z.boolean().optional(),
  noise: noiseSchema.optional(),
  spo2: z.number().min(50).max(100).optional(),
  respRate: z.number().min(0).max(80).optional(),
  tempC: z.number().min(30).max(43).optional(),
  note: z.string().max(200).optional(),
});

const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  // 125..1000 Hz are the tested range (360 Hz = MIT-BIH); a little margin either side.
  sampleRate: z.number().int().min(100).max(10_000).optional(),
  loop: z.boolean().optional(),
  noise: noiseSchema.optional(),
  vitals: z
    .strictObject({
      spo2: z.number().min(50).max(100).optional(),
      respRate: z.number().min(0).max(80).optional(),
      tempC: z.number().min(30).max(43).optional(),
    })
    .optional(),
  paceSpikeMv: z.number().min(0.5).max(700).optional(),
  segments: z.array(segmentSchema).min(1).max(100_000),
});

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(root)' : out;
}

function invalid(path: readonly PropertyKey[], message: string): VigilError {
  const where = formatPath(path);
  return new VigilError('VIGIL_SCENARIO_INVALID', `scenario ${where}: ${message}`, { details: { path: where } });
}

export interface ScenarioOverrides {
  seed?: number;
  sampleRate?: number;
  loop?: boolean;
}

/**
 * Validate a scenario (plain object, e.g. from YAML/JSON) and resolve it.
 * Throws VigilError('VIGIL_SCENARIO_INVALID') naming the path of the first problem.
 */
export function parseScenario(input: unknown, overrides: ScenarioOverrides = {}): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) throw fromZod(parsed.error);
  const merged = { ...parsed.data, ...definedOnly(overrides) };
  // Overrides come from config/CLI, so they get the same checks as the file.
  const recheck = scenarioSchema.safeParse(merged);
  if (!recheck.success) throw fromZod(recheck.error);
  return resolve(recheck.data);
}

function fromZod(err: z.ZodError): VigilError {
  const issue = err.issues[0];
  if (issue === undefined) return invalid([], 'invalid');
  // An unknown key is reported on its parent object: name the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
    return invalid([...issue.path, issue.keys[0]], `unknown field`);
  }
  return invalid(issue.path, issue.message);
}

function definedOnly(o: ScenarioOverrides): ScenarioOverrides {
  const out: ScenarioOverrides = {};
  if (o.seed !== undefined) out.seed = o.seed;
  if (o.sampleRate !== undefined) out.sampleRate = o.sampleRate;
  if (o.loop !== undefined) out.loop = o.loop;
  return out;
}

function resolve(spec: z.output<typeof scenarioSchema>): Scenario {
  const fs = spec.sampleRate ?? DEFAULT_SCENARIO_SAMPLE_RATE;
  const baseNoise: Noise = {
    baselineWanderMv: spec.noise?.baselineWanderMv ?? 0,
    mainsHz: spec.noise?.mainsHz ?? 50,
    mainsMv: spec.noise?.mainsMv ?? 0,
    emgMv: spec.noise?.emgMv ?? 0,
  };
  const vit = {
    spo2: spec.vitals?.spo2 ?? DEFAULT_VITALS.spo2,
    respRate: spec.vitals?.respRate ?? DEFAULT_VITALS.respRate,
    tempC: spec.vitals?.tempC ?? DEFAULT_VITALS.tempC,
  };
  const segments: Segment[] = [];
  let cumS = 0;
  for (let i = 0; i < spec.segments.length; i++) {
    const s = spec.segments[i];
    if (s === undefined) continue;
    const p = (field: string): PropertyKey[] => ['segments', i, field];
    const rule = HR_RULES[s.rhythm];
    let hr = 0;
    let hrTo = 0;
    if (rule === undefined) {
      for (const f of ['hr', 'hrTo', 'pvcPerMin', 'apcPerMin', 'hrvPct', 'pvcCoupletFraction'] as const) {
        if (s[f] !== undefined) throw invalid(p(f), `not meaningful for rhythm "${s.rhythm}"`);
      }
    } else {
      hr = s.hr ?? rule.def;
      hrTo = s.hrTo ?? hr;
      if (hr < rule.min || hr > rule.max) throw invalid(p('hr'), `${hr} bpm is outside ${rule.min}-${rule.max} for ${s.rhythm}`);
      if (hrTo < rule.min || hrTo > rule.max) throw invalid(p('hrTo'), `${hrTo} bpm is outside ${rule.min}-${rule.max} for ${s.rhythm}`);
      const pvc = s.pvcPerMin ?? 0;
      const apc = s.apcPerMin ?? 0;
      if (pvc > 0 && s.rhythm !== 'sinus' && s.rhythm !== 'af') throw invalid(p('pvcPerMin'), `PVCs are only modelled on sinus or af`);
      if (apc > 0 && s.rhythm !== 'sinus') throw invalid(p('apcPerMin'), `APCs are only modelled on sinus`);
      if (s.hrvPct !== undefined && s.rhythm !== 'sinus') throw invalid(p('hrvPct'), `HRV is only modelled on sinus`);
      // Each ectopic beat needs a normal beat before it: bigeminy (1 in 2) is the most.
      if (pvc + apc > Math.min(hr, hrTo) / 2) throw invalid(p(pvc > 0 ? 'pvcPerMin' : 'apcPerMin'), `ectopic rate exceeds half the heart rate`);
    }
    const start = Math.round(cumS * fs);
    cumS += s.durationS;
    const end = Math.round(cumS * fs);
    segments.push({
      index: i,
      rhythm: s.rhythm,
      durationS: s.durationS,
      startSample: start,
      endSample: end,
      hr,
      hrTo,
      pvcPerMin: s.pvcPerMin ?? 0,
      pvcCoupletFraction: s.pvcCoupletFraction ?? 0,
      apcPerMin: s.apcPerMin ?? 0,
      hrvPct: s.hrvPct ?? 0,
      amplitude: s.amplitude ?? 1,
      leadOff: s.leadOff ?? false,
      noise: { ...baseNoise, ...definedNoise(s.noise) },
      spo2: s.spo2 ?? vit.spo2,
      respRate: s.respRate ?? vit.respRate,
      tempC: s.tempC ?? vit.tempC,
    });
  }
  for (const seg of segments) {
    if (seg.noise.mainsMv > 0 && seg.noise.mainsHz >= fs / 2) {
      const own = spec.segments[seg.index]?.noise;
      const where = own?.mainsHz !== undefined || own?.mainsMv !== undefined ? ['segments', seg.index, 'noise', 'mainsHz'] : ['noise', 'mainsHz'];
      throw invalid(where, `${seg.noise.mainsHz} Hz mains is at or above Nyquist at ${fs} Hz`);
    }
  }
  const last = segments[segments.length - 1];
  return {
    name: spec.name ?? 'custom',
    seed: spec.seed ?? 1,
    sampleRate: fs,
    loop: spec.loop ?? false,
    paceSpikeMv: spec.paceSpikeMv ?? DEFAULT_PACE_SPIKE_MV,
    segments,
    cycleSamples: last?.endSample ?? 0,
  };
}

function definedNoise(n: NoiseSpec | undefined): Partial<Noise> {
  const out: { -readonly [K in keyof Noise]?: number } = {};
  if (n === undefined) return out;
  if (n.baselineWanderMv !== undefined) out.baselineWanderMv = n.baselineWanderMv;
  if (n.mainsHz !== undefined) out.mainsHz = n.mainsHz;
  if (n.mainsMv !== undefined) out.mainsMv = n.mainsMv;
  if (n.emgMv !== undefined) out.emgMv = n.emgMv;
  return out;
}

/** Scenario length in seconds for one pass (Infinity when it loops). */
export function scenarioDurationS(s: Scenario): number {
  return s.loop ? Infinity : s.cycleSamples / s.sampleRate;
}
