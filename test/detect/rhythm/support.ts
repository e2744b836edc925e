/** Synthetic patient -> EcgEngine -> RhythmMonitor, with beat labels taken from the truth. */
import { EcgEngine, type Beat, type WindowReport } from '../../../src/ecg/index.ts';
import { RhythmMonitor, type RhythmConfig, type RhythmEvent } from '../../../src/detect/rhythm/index.ts';
import { synthesize } from '../../../drivers/synthetic/index.ts';
import type { ScenarioSpec } from '../../../drivers/synthetic/scenario.ts';
import type { ConditionId } from '../../../src/detect/conditions.ts';
import type { BeatShape } from '../../../src/detect/adapt.ts';

export interface ScenarioRun {
  fs: number;
  length: number;
  events: RhythmEvent[];
  /** Truth rhythm changes: sample and aux. */
  rhythm: { sample: number; aux: string }[];
  beats: Beat[];
}

const TRUTH_LABEL: Readonly<Record<string, string>> = { N: 'N', V: 'V', A: 'S', '/': 'Q' };

/**
 * Run a scenario; engine beats are labelled from the synthetic truth (nearest truth beat
 * within 100 ms, else 'Q') so these tests do not depend on the beat classifier.
 */
export function runScenario(
  ref: string | ScenarioSpec,
  durationS: number,
  config: Partial<RhythmConfig> = {},
  fs = 250,
  seed = 3,
  /** Feed block length (the chain and `vigil analyze` use up to 1 s). */
  blockS = 0.25,
): ScenarioRun {
  const s = synthesize(ref, { durationS, sampleRate: fs, seed, leads: ['II', 'V1'] });
  const truthBeats = s.truth.filter((e) => e.code in TRUTH_LABEL);
  const rhythm = s.truth.filter((e) => e.code === '+').map((e) => ({ sample: e.sample, aux: e.aux }));
  const engine = new EcgEngine({ sampleRate: fs, leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })) });
  const mon = new RhythmMonitor({ sampleRate: fs, config });
  const tol = Math.round(0.1 * fs);
  let j = 0;
  const label = (b: Beat): void => {
    while (j < truthBeats.length && (truthBeats[j]?.sample ?? 0) < b.sample - tol) j++;
    const t = truthBeats[j];
    b.label = t !== undefined && Math.abs(t.sample - b.sample) <= tol ? (TRUTH_LABEL[t.code] ?? 'Q') : 'Q';
  };
  const events: RhythmEvent[] = [];
  const beats: Beat[] = [];
  const ch = s.channels[0];
  if (ch === undefined) throw new Error('no channel');
  const block = Math.round(fs * blockS);
  const feed = (bs: Beat[]): void => {
    for (const b of bs) label(b);
    beats.push(...bs);
    mon.onBeats(bs);
  };
  for (let off = 0; off < s.length; off += block) {
    const n = Math.min(block, s.length - off);
    engine.push(s.data, n, off);
    mon.onSamples(s.data[0] as Int32Array, n, ch.gain, ch.baseline, off);
    feed(engine.drainBeats());
    mon.onWindows(engine.drainWindows());
    mon.advance(off + n);
    events.push(...mon.drain());
  }
  engine.finish();
  feed(engine.drainBeats());
  mon.onWindows(engine.drainWindows());
  events.push(...mon.drain(), ...mon.finish(s.length));
  return { fs, length: s.length, events, rhythm, beats };
}

export interface Episode {
  start: number;
  end: number;
  detectedAt: number;
}

/** Onset/offset pairs of one condition. */
export function episodes(events: readonly RhythmEvent[], id: ConditionId): Episode[] {
  const out: Episode[] = [];
  let open: RhythmEvent | null = null;
  for (const e of events) {
    if (e.condition !== id) continue;
    if (e.phase === 'onset') open = e;
    else if (open !== null) {
      out.push({ start: open.sample, end: e.sample, detectedAt: open.detectedAtSample });
      open = null;
    }
  }
  return out;
}

export function conditionsSeen(events: readonly RhythmEvent[]): Set<ConditionId> {
  return new Set(events.map((e) => e.condition));
}

/** Hand-made beat sequences (250 Hz): a narrow upright complex or an inverted wide one (first lead). */
export const STEP_FS = 250;
const STEP_PTS = 90;

export function stepMorphology(wide: boolean): Float32Array {
  const m = new Float32Array(STEP_PTS);
  for (let i = 0; i < STEP_PTS; i++) {
    const t = (i - 30) / STEP_PTS;
    m[i] = wide ? -Math.exp(-(((t - 0.05) / 0.12) ** 2)) + 0.5 * Math.exp(-(((t - 0.3) / 0.1) ** 2)) : Math.exp(-((t / 0.04) ** 2));
  }
  return m;
}

export interface Step {
  /** RR before the beat, s (the first beat has none). */
  rr: number;
  label: string;
  /** Wide complex (default: label V). */
  wide?: boolean;
  shape?: BeatShape;
  /** Engine quality of the beat (default 1). */
  quality?: number;
}

export const steps = (n: number, rr: number, label: string, extra: Partial<Step> = {}): Step[] => Array.from({ length: n }, () => ({ rr, label, ...extra }));

/** Feed the steps to a RhythmMonitor at STEP_FS, one beat at a time, and return every event. */
export function feedSteps(list: readonly Step[]): RhythmEvent[] {
  const mon = new RhythmMonitor({ sampleRate: STEP_FS });
  const events: RhythmEvent[] = [];
  let t = STEP_FS;
  let first = true;
  for (const s of list) {
    t += Math.round(s.rr * STEP_FS);
    const b: Beat & { shape?: BeatShape } = {
      sample: t, lead: 0, rrPrevS: first ? null : s.rr, rrNextS: null, rrLocalS: 0.8, rrRunningS: 0.8, qrsWidthS: 0.1,
      amplitudeMv: 1, quality: s.quality ?? 1, morphology: stepMorphology(s.wide ?? s.label === 'V'), label: s.label,
    };
    if (s.shape) b.shape = s.shape;
    first = false;
    mon.onBeats([b]);
    mon.advance(t + STEP_FS / 2);
    events.push(...mon.drain());
  }
  events.push(...mon.finish(t + STEP_FS));
  return events;
}

/**
 * Hand-made beats (and window reports) into a real RhythmMonitor at STEP_FS, step by step, for
 * tests that interleave beats with windows or time passing.
 */
export class StepDriver {
  readonly mon: RhythmMonitor;
  /** Sample of the last beat. */
  t = STEP_FS;
  private first = true;
  readonly events: RhythmEvent[] = [];

  constructor(config: Partial<RhythmConfig> = {}) {
    this.mon = new RhythmMonitor({ sampleRate: STEP_FS, config });
  }

  beat(s: Step & { morphology?: Float32Array }): void {
    this.t += Math.round(s.rr * STEP_FS);
    const b: Beat = {
      sample: this.t, lead: 0, rrPrevS: this.first ? null : s.rr, rrNextS: null, rrLocalS: 0.8, rrRunningS: 0.8, qrsWidthS: 0.1,
      amplitudeMv: 1, quality: s.quality ?? 1, morphology: s.morphology ?? stepMorphology(s.wide ?? s.label === 'V'), label: s.label,
    };
    this.first = false;
    this.mon.onBeats([b]);
    this.advance(this.t + STEP_FS / 2);
  }

  beats(list: readonly Step[]): void {
    for (const s of list) this.beat(s);
  }

  /** A window report [start, end) with the given flags (2 leads). */
  window(start: number, end: number, o: { leadOff?: boolean[]; unanalyzable?: boolean; sqi?: number } = {}): void {
    this.mon.onWindows([{ startSample: start, endSample: end, hrBpm: null, hrv: null, sqi: o.sqi ?? 1, leadOff: o.leadOff ?? [false, false], unanalyzable: o.unanalyzable ?? false } as WindowReport]);
    this.events.push(...this.mon.drain());
  }

  advance(to: number): void {
    this.mon.advance(to);
    this.events.push(...this.mon.drain());
  }

  finish(): RhythmEvent[] {
    this.events.push(...this.mon.finish(this.t + STEP_FS));
    return this.events;
  }
}
