/**
 * The ECG alarm conditions the hub detects, as one declarative table (ARCHITECTURE.md: data
 * tables over code). The rhythm detectors (src/detect/rhythm) take their default thresholds
 * from here, `vigil analyze` writes each condition's MIT aux label as a rhythm annotation,
 * and the alarm manager (src/alarms) reads priority, latching and whether a condition may be
 * switched off. `validateConditionTable` runs at start (and over every entry in the tests).
 *
 * Sources for the defaults:
 * - IEC 60601-2-27 / AAMI EC13 (as vendors state them, DOMAIN.md): asystole = no QRS for 4 s
 *   (3-10 s configurable), VF = 4 s of fibrillatory wave, both high priority, latching, and
 *   never switched off; HR range 30-200 bpm at least.
 * - Philips IntelliVue arrhythmia (ST/AR) alarm list, the de-facto bedside vocabulary: VTach =
 *   run of >= 5 PVCs at >= 100 bpm (both adjustable), Run PVCs (>= 3 PVCs, not VTach), Pause
 *   (RR > 2.5 s adjustable), PVCs/min high (default 10), Pair PVCs (couplet), Vent Bigeminy /
 *   Trigeminy, Extreme Brady / Tachy (red), HR limits (yellow), Irregular HR / AFib (yellow).
 * - MIT-BIH rhythm labels (aux of '+' annotations; PhysioNet mitdb documentation): "(ASYS"
 *   is not in mitdb but is the label the synthetic patient and other PhysioNet databases use.
 */
import { VigilError } from '../core/errors.ts';

export const CONDITION_IDS = [
  'asystole',
  'vfib',
  'vtach',
  'extreme-brady',
  'extreme-tachy',
  'vrun',
  'afib',
  'pause',
  'hr-low',
  'hr-high',
  'pvc-high',
  'couplet',
  'bigeminy',
  'trigeminy',
  'lead-off',
  'noise',
] as const;
export type ConditionId = (typeof CONDITION_IDS)[number];

export type Priority = 'high' | 'medium' | 'low';

export interface ConditionParam {
  /** Key in RhythmConfig (unique across the table). */
  readonly key: string;
  readonly unit: 's' | 'bpm' | 'beats' | 'per-min' | 'cycles';
  readonly default: number;
  /** Allowed range (inclusive); configuration outside it is rejected at start. */
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  readonly describe: string;
}

export interface ConditionDef {
  readonly id: ConditionId;
  /** Short text for the bedside / alarm log. */
  readonly name: string;
  /** Technical (equipment) condition rather than physiological (IEC 60601-1-8). */
  readonly technical: boolean;
  readonly priority: Priority;
  /** Alarm stays indicated after the condition ends until acknowledged (IEC 60601-1-8 6.5.2). */
  readonly latching: boolean;
  /** Whether a user may switch this alarm off (asystole, VF and VT never). */
  readonly canDisable: boolean;
  /** MIT aux of the '+' rhythm annotation written while the condition lasts, or null. */
  readonly mitAux: string | null;
  /** Thresholds and delays the detector takes, with defaults and allowed ranges. */
  readonly params: readonly ConditionParam[];
  /**
   * Alarm-condition delay (IEC 60601-1-8 6.1.2), seconds: the alarm manager sounds only when
   * the condition has held this long (per bed: config `alarms.delaysS`). Absent: 0, for the
   * conditions whose detector already has its own delay (4 s of no QRS, the 5th V beat ...).
   */
  readonly alarmDelayS?: number;
  readonly describe: string;
}

const p = (key: string, unit: ConditionParam['unit'], def: number, min: number, max: number, describe: string, integer = false): ConditionParam => ({
  key, unit, default: def, min, max, describe, ...(integer ? { integer } : {}),
});

/** The table. Order is precedence for the rhythm annotation timeline (first wins). */
export const CONDITIONS: readonly ConditionDef[] = [
  {
    id: 'asystole', name: 'Asystole', technical: false, priority: 'high', latching: true, canDisable: false, mitAux: '(ASYS',
    params: [p('asystoleS', 's', 4, 3, 10, 'no QRS for this long (IEC 60601-2-27: 4 s; 3-10 s on some monitors)')],
    describe: 'no QRS complex detected while the signal is analyzable and not fibrillatory',
  },
  {
    id: 'vfib', name: 'VFib/VFlutter', technical: false, priority: 'high', latching: true, canDisable: false, mitAux: '(VFL',
    // At least 4 s: the detector's windows (2 s back-dating, 4 strict 0.5-s windows) cannot
    // decide sooner than 3.5 s, so a shorter setting would be accepted and not honoured.
    params: [p('vfDurationS', 's', 4, 4, 10, 'fibrillatory wave for this long (IEC 60601-2-27: 4 s)')],
    describe: 'fibrillatory or flutter wave (signal analysis, not QRS counting) without regular QRS complexes',
  },
  {
    id: 'vtach', name: 'VTach', technical: false, priority: 'high', latching: true, canDisable: false, mitAux: '(VT',
    params: [
      p('vtMinBeats', 'beats', 5, 3, 12, 'consecutive ventricular beats (Philips default 5)', true),
      p('vtMinRateBpm', 'bpm', 100, 80, 200, 'rate of the run at least this (Philips default 100)'),
    ],
    describe: 'run of ventricular beats at or above the VT rate, starting suddenly (rate jump over the rhythm before it)',
  },
  {
    id: 'extreme-brady', name: 'Extreme Brady', technical: false, priority: 'high', latching: true, canDisable: true, mitAux: null,
    params: [p('extremeBradyBpm', 'bpm', 35, 15, 80, 'monitor HR below this')],
    describe: 'heart rate (12-RR monitor average) below the extreme bradycardia limit',
  },
  {
    id: 'extreme-tachy', name: 'Extreme Tachy', technical: false, priority: 'high', latching: true, canDisable: true, mitAux: null,
    params: [p('extremeTachyBpm', 'bpm', 200, 120, 300, 'monitor HR above this')],
    describe: 'heart rate above the extreme tachycardia limit',
  },
  {
    id: 'vrun', name: 'Run PVCs', technical: false, priority: 'medium', latching: false, canDisable: true, mitAux: '(VT',
    params: [p('vrunMinBeats', 'beats', 3, 3, 12, 'consecutive ventricular beats that are not (yet) VTach', true)],
    // MIT-BIH labels any run of 3+ PVCs "(VT" (mitdb 203, 205, 215 ...): the annotation keeps
    // that vocabulary while the alarm stays medium priority.
    describe: 'run of ventricular beats shorter or slower than VTach, or without its sudden onset',
  },
  {
    id: 'afib', name: 'AFib', technical: false, priority: 'medium', latching: false, canDisable: true, mitAux: '(AFIB',
    params: [p('afWindowBeats', 'beats', 40, 16, 128, 'RR intervals in the irregularity window', true)],
    describe: 'irregularly irregular RR intervals (RR irregularity; ectopic-adjacent intervals excluded)',
  },
  {
    id: 'pause', name: 'Pause', technical: false, priority: 'medium', latching: false, canDisable: true, mitAux: null,
    params: [p('pauseS', 's', 2.5, 1.5, 5, 'RR longer than this (Philips default 2.5 s)')],
    describe: 'no QRS for longer than the pause threshold',
  },
  {
    id: 'hr-low', name: 'HR Low', technical: false, priority: 'medium', latching: false, canDisable: true, mitAux: null,
    params: [p('hrLowBpm', 'bpm', 50, 15, 250, 'monitor HR below this')],
    // A rate hovering at a limit (mitdb 203's AF at ~120/min: 54 HR High conditions in 30 min,
    // most 0.5-6 s long) should not sound every few seconds. 5 s, not the 10 s of the pulse-rate
    // limits: with the 12-RR average (3-6.5 s to cross a limit after a step) the alarm still
    // comes within the 11 s IEC 60601-2-27 allows for a HR step or a tachycardia. Extreme
    // brady/tachy (high priority) have no delay.
    alarmDelayS: 5,
    describe: 'heart rate below the low limit',
  },
  {
    id: 'hr-high', name: 'HR High', technical: false, priority: 'medium', latching: false, canDisable: true, mitAux: null,
    params: [p('hrHighBpm', 'bpm', 120, 20, 300, 'monitor HR above this')],
    alarmDelayS: 5,
    describe: 'heart rate above the high limit',
  },
  {
    id: 'pvc-high', name: 'PVCs/min High', technical: false, priority: 'low', latching: false, canDisable: true, mitAux: null,
    params: [p('pvcPerMinLimit', 'per-min', 10, 1, 100, 'ventricular beats in the last 60 s above this')],
    describe: 'too many premature ventricular complexes per minute',
  },
  {
    id: 'couplet', name: 'Pair PVCs', technical: false, priority: 'low', latching: false, canDisable: true, mitAux: null,
    params: [],
    describe: 'two consecutive ventricular beats between non-ventricular beats',
  },
  {
    id: 'bigeminy', name: 'Vent Bigeminy', technical: false, priority: 'low', latching: false, canDisable: true, mitAux: '(B',
    params: [p('bigeminyCycles', 'cycles', 4, 2, 10, 'consecutive N-V cycles', true)],
    describe: 'ventricular bigeminy: N V N V ...',
  },
  {
    id: 'trigeminy', name: 'Vent Trigeminy', technical: false, priority: 'low', latching: false, canDisable: true, mitAux: '(T',
    params: [p('trigeminyCycles', 'cycles', 3, 2, 10, 'consecutive N-N-V cycles', true)],
    describe: 'ventricular trigeminy: N N V N N V ...',
  },
  {
    id: 'lead-off', name: 'ECG Leads Off', technical: true, priority: 'medium', latching: false, canDisable: false, mitAux: null,
    params: [],
    describe: 'an electrode is off (the engine flags the lead at the ADC rail / flat)',
  },
  {
    id: 'noise', name: 'ECG Noisy / Cannot Analyze', technical: true, priority: 'low', latching: false, canDisable: false, mitAux: null,
    params: [],
    describe: 'no lead analyzable for at least half a window report (5 s), or most recent QRS detections not credible (5 of the last 8: noise detected as beats)',
  },
];

const PRIORITIES: ReadonlySet<string> = new Set(['high', 'medium', 'low']);
const UNITS: ReadonlySet<string> = new Set(['s', 'bpm', 'beats', 'per-min', 'cycles']);

function bad(path: string, message: string): VigilError {
  return new VigilError('VIGIL_CONDITION_TABLE_INVALID', `condition table ${path}: ${message}`, { details: { path } });
}

/**
 * Check a condition table; throws VIGIL_CONDITION_TABLE_INVALID naming the first bad field
 * (`details.path`, e.g. `[2].params[0].default`). Returns the table indexed by id.
 */
export function validateConditionTable(table: readonly ConditionDef[]): ReadonlyMap<ConditionId, ConditionDef> {
  const byId = new Map<ConditionId, ConditionDef>();
  const keys = new Set<string>();
  const known: ReadonlySet<string> = new Set(CONDITION_IDS);
  table.forEach((c, i) => {
    const at = `[${i}]`;
    if (!known.has(c.id)) throw bad(`${at}.id`, `unknown id "${String(c.id)}"`);
    if (byId.has(c.id)) throw bad(`${at}.id`, `duplicate id "${c.id}"`);
    if (typeof c.name !== 'string' || c.name.trim() === '' || c.name.length > 40) throw bad(`${at}.name`, 'name must be 1-40 characters');
    if (!PRIORITIES.has(c.priority)) throw bad(`${at}.priority`, `unknown priority "${String(c.priority)}"`);
    // IEC 60601-2-27: conditions that cannot be switched off are the life-threatening ones.
    if (!c.canDisable && !c.technical && c.priority !== 'high') throw bad(`${at}.canDisable`, 'only high-priority physiological conditions may be non-disableable');
    if (c.technical && c.priority === 'high') throw bad(`${at}.priority`, 'technical conditions are medium or low priority here');
    if (c.technical && c.mitAux !== null) throw bad(`${at}.mitAux`, 'technical conditions are not rhythms');
    if (c.mitAux !== null && !/^\([A-Z]{1,6}$/.test(c.mitAux)) throw bad(`${at}.mitAux`, `"${c.mitAux}" is not an MIT rhythm label like "(AFIB"`);
    if (c.alarmDelayS !== undefined && !(c.alarmDelayS >= 0 && c.alarmDelayS <= 120)) throw bad(`${at}.alarmDelayS`, 'must be 0..120 s');
    // A life-threatening condition is never held back by the alarm manager.
    if (c.priority === 'high' && (c.alarmDelayS ?? 0) > 0) throw bad(`${at}.alarmDelayS`, 'high-priority conditions have no alarm delay here');
    c.params.forEach((q, j) => {
      const pa = `${at}.params[${j}]`;
      if (!/^[a-z][A-Za-z0-9]*$/.test(q.key)) throw bad(`${pa}.key`, `bad key "${q.key}"`);
      if (keys.has(q.key)) throw bad(`${pa}.key`, `duplicate key "${q.key}"`);
      keys.add(q.key);
      if (!UNITS.has(q.unit)) throw bad(`${pa}.unit`, `unknown unit "${String(q.unit)}"`);
      if (!(Number.isFinite(q.min) && Number.isFinite(q.max) && q.min < q.max)) throw bad(`${pa}.min`, 'need finite min < max');
      if (!(q.default >= q.min && q.default <= q.max)) throw bad(`${pa}.default`, `${q.default} outside ${q.min}..${q.max}`);
      if (q.integer === true && !Number.isInteger(q.default)) throw bad(`${pa}.default`, 'must be an integer');
    });
    byId.set(c.id, c);
  });
  for (const id of CONDITION_IDS) if (!byId.has(id)) throw bad('(table)', `missing condition "${id}"`);
  return byId;
}

/** Precedence index (table order) of each condition, for annotation timelines. */
export function conditionRank(table: readonly ConditionDef[]): ReadonlyMap<ConditionId, number> {
  return new Map(table.map((c, i) => [c.id, i] as const));
}
