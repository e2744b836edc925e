/**
 * Built-in scenarios. Each call returns a fresh plain object (nothing shared or mutable at
 * module level); `resolveScenario` validates and resolves it like any user scenario.
 *
 * A reference is a name, optionally with a heart rate: 'sinus', 'sinus:50', 'af:140'.
 */
import { VigilError } from '../../src/core/errors.ts';
import { parseScenario, type NoiseSpec, type Scenario, type ScenarioOverrides, type ScenarioSpec } from './scenario.ts';

export interface BuiltinParams {
  /** Heart rate for the single-rhythm scenarios (sinus, af, paced, pvc). */
  hr?: number;
}

/** Light, realistic bedside noise: some wander, a little muscle noise and mains pickup. */
const BEDSIDE: NoiseSpec = { baselineWanderMv: 0.08, mainsHz: 50, mainsMv: 0.01, emgMv: 0.012 };

const BUILTINS: Readonly<Record<string, { describe: string; make: (p: BuiltinParams) => ScenarioSpec }>> = {
  demo: {
    describe: 'looping ~10 min bed: mostly sinus ~75 with occasional PVCs; a VT run, a desaturation, AF, lead-off, a sinus pause and bradycardia every few minutes',
    make: () => ({
      name: 'demo',
      loop: true,
      noise: BEDSIDE,
      segments: [
        { durationS: 150, rhythm: 'sinus', hr: 75, hrvPct: 3, pvcPerMin: 2 },
        { durationS: 12, rhythm: 'vt', hr: 170, note: 'non-sustained VT run' },
        { durationS: 100, rhythm: 'sinus', hr: 82, hrTo: 76, hrvPct: 3, pvcPerMin: 2 },
        { durationS: 60, rhythm: 'sinus', hr: 78, hrvPct: 3, spo2: 86, note: 'desaturation' },
        { durationS: 40, rhythm: 'sinus', hr: 76, hrvPct: 3, note: 'recovery' },
        { durationS: 75, rhythm: 'af', hr: 118, note: 'paroxysmal AF' },
        { durationS: 60, rhythm: 'sinus', hr: 74, hrvPct: 3, pvcPerMin: 1 },
        { durationS: 12, rhythm: 'sinus', hr: 74, leadOff: true, note: 'electrode off' },
        { durationS: 60, rhythm: 'sinus', hr: 73, hrvPct: 3 },
        { durationS: 4.5, rhythm: 'pause', note: 'sinus pause: asystole alarm at 4 s' },
        { durationS: 40, rhythm: 'sinus', hr: 44, note: 'bradycardia' },
        { durationS: 50, rhythm: 'sinus', hr: 72, hrvPct: 3, pvcPerMin: 1 },
      ],
    }),
  },
  sinus: {
    describe: 'clean sinus rhythm at hr (default 72), looping',
    make: (p) => ({ name: 'sinus', loop: true, segments: [{ durationS: 300, rhythm: 'sinus', hr: p.hr ?? 72 }] }),
  },
  mixed: {
    describe: '10 minutes, not looping: sinus, PVCs, AF, VT, asystole, APCs, VF, lead-off, heavy noise, brady, tachy, a pause',
    make: () => ({
      name: 'mixed',
      loop: false,
      noise: { baselineWanderMv: 0.05, mainsHz: 50, mainsMv: 0.005, emgMv: 0.01 },
      segments: [
        { durationS: 60, rhythm: 'sinus', hr: 72 },
        { durationS: 60, rhythm: 'sinus', hr: 80, pvcPerMin: 6, pvcCoupletFraction: 0.2 },
        { durationS: 60, rhythm: 'af', hr: 110 },
        { durationS: 30, rhythm: 'sinus', hr: 75 },
        { durationS: 20, rhythm: 'vt', hr: 180 },
        { durationS: 40, rhythm: 'sinus', hr: 90, hrTo: 75 },
        { durationS: 10, rhythm: 'asystole' },
        { durationS: 40, rhythm: 'sinus', hr: 70, apcPerMin: 4 },
        { durationS: 20, rhythm: 'vf', spo2: 80 },
        { durationS: 40, rhythm: 'sinus', hr: 80, note: 'after defibrillation' },
        { durationS: 20, rhythm: 'sinus', hr: 80, leadOff: true },
        { durationS: 60, rhythm: 'sinus', hr: 72, noise: { baselineWanderMv: 0.3, mainsMv: 0.1, emgMv: 0.05 }, note: 'noisy' },
        { durationS: 40, rhythm: 'sinus', hr: 45 },
        { durationS: 40, rhythm: 'sinus', hr: 130 },
        { durationS: 3, rhythm: 'pause' },
        { durationS: 57, rhythm: 'sinus', hr: 72, pvcPerMin: 2 },
      ],
    }),
  },
  'alarm-drill': {
    describe: '2.5 minutes, not looping: sinus 72, 20 s of VT at 180, sinus, 10 s of asystole, sinus, 15 s with the electrodes off, sinus (the bedside alarm walk-through)',
    make: () => ({
      name: 'alarm-drill',
      loop: false,
      noise: BEDSIDE,
      segments: [
        { durationS: 30, rhythm: 'sinus', hr: 72 },
        { durationS: 20, rhythm: 'vt', hr: 180, note: 'VTach: high priority, latching' },
        { durationS: 25, rhythm: 'sinus', hr: 76 },
        { durationS: 10, rhythm: 'asystole', note: 'asystole: high priority, latching' },
        { durationS: 25, rhythm: 'sinus', hr: 70 },
        { durationS: 15, rhythm: 'sinus', hr: 70, leadOff: true, note: 'ECG leads off: technical' },
        { durationS: 25, rhythm: 'sinus', hr: 72 },
      ],
    }),
  },
  'vt-run': {
    describe: 'sinus 75, 20 s of VT at 190, sinus 80; looping',
    make: () => ({
      name: 'vt-run',
      loop: true,
      noise: BEDSIDE,
      segments: [
        { durationS: 30, rhythm: 'sinus', hr: 75 },
        { durationS: 20, rhythm: 'vt', hr: 190 },
        { durationS: 30, rhythm: 'sinus', hr: 80 },
      ],
    }),
  },
  asystole: {
    describe: 'sinus 70, 15 s of asystole, sinus 65; looping',
    make: () => ({
      name: 'asystole',
      loop: true,
      noise: BEDSIDE,
      segments: [
        { durationS: 30, rhythm: 'sinus', hr: 70 },
        { durationS: 15, rhythm: 'asystole' },
        { durationS: 30, rhythm: 'sinus', hr: 65 },
      ],
    }),
  },
  af: {
    describe: 'atrial fibrillation at mean hr (default 110); looping',
    make: (p) => ({ name: 'af', loop: true, noise: BEDSIDE, segments: [{ durationS: 300, rhythm: 'af', hr: p.hr ?? 110 }] }),
  },
  vf: {
    describe: 'sinus 80, 30 s of VF, sinus 90; looping',
    make: () => ({
      name: 'vf',
      loop: true,
      noise: BEDSIDE,
      segments: [
        { durationS: 20, rhythm: 'sinus', hr: 80 },
        { durationS: 30, rhythm: 'vf' },
        { durationS: 30, rhythm: 'sinus', hr: 90 },
      ],
    }),
  },
  'lead-off': {
    describe: 'sinus 72 with the electrodes off for 15 s; looping',
    make: () => ({
      name: 'lead-off',
      loop: true,
      noise: BEDSIDE,
      segments: [
        { durationS: 30, rhythm: 'sinus', hr: 72 },
        { durationS: 15, rhythm: 'sinus', hr: 72, leadOff: true },
        { durationS: 30, rhythm: 'sinus', hr: 72 },
      ],
    }),
  },
  pvc: {
    describe: 'sinus (default 72) with 8 PVCs/min, a quarter of them couplets; looping',
    make: (p) => ({
      name: 'pvc',
      loop: true,
      noise: BEDSIDE,
      segments: [{ durationS: 300, rhythm: 'sinus', hr: p.hr ?? 72, pvcPerMin: 8, pvcCoupletFraction: 0.25 }],
    }),
  },
  paced: {
    describe: 'ventricular pacing at hr (default 70) with pacing spikes (visible at >= 1000 Hz); looping',
    make: (p) => ({ name: 'paced', loop: true, noise: BEDSIDE, segments: [{ durationS: 300, rhythm: 'paced', hr: p.hr ?? 70 }] }),
  },
};

/** Names of the built-in scenarios with a one-line description each. */
export function builtinScenarios(): { name: string; describe: string }[] {
  return Object.entries(BUILTINS).map(([name, b]) => ({ name, describe: b.describe }));
}

/** The authoring form of a built-in scenario. Unknown name: VIGIL_SCENARIO_INVALID. */
export function builtinScenario(name: string, params: BuiltinParams = {}): ScenarioSpec {
  const b = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
  if (b === undefined) {
    throw new VigilError('VIGIL_SCENARIO_INVALID', `unknown scenario "${name}" (known: ${Object.keys(BUILTINS).join(', ')})`, {
      details: { path: '(name)', name },
    });
  }
  return b.make(params);
}

/**
 * Resolve a scenario reference: a built-in name ('demo', 'sinus:50') or a scenario object
 * (e.g. read from YAML). Overrides (seed, sampleRate, loop) come from config or the CLI.
 */
export function resolveScenario(ref: string | unknown, overrides: ScenarioOverrides = {}): Scenario {
  if (typeof ref !== 'string') return parseScenario(ref, overrides);
  const m = /^([a-z][a-z0-9-]*)(?::(\d+(?:\.\d+)?))?$/.exec(ref.trim());
  if (m === null) {
    throw new VigilError('VIGIL_SCENARIO_INVALID', `bad scenario reference "${ref}" (expected name or name:hr)`, { details: { path: '(name)', name: ref } });
  }
  const params: BuiltinParams = m[2] === undefined ? {} : { hr: Number(m[2]) };
  return parseScenario(builtinScenario(m[1] ?? '', params), overrides);
}
