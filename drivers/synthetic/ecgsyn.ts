/**
 * The synthetic patient: a realistic ECG (lead II, optionally V1) generated block by block
 * from a scenario, with the ground truth of every beat, rhythm change and lead-off it
 * produces.
 *
 * Signal = beats (Gaussian-wave templates, see morphology.ts, on the schedule of
 * rhythm.ts) + fibrillatory wave (VF, AF f-waves) + baseline wander + mains + EMG-like
 * noise, converted to raw ADC units: raw = baseline + round(gain * mV), saturating at the
 * rails. With the electrodes off the output sits at the positive rail.
 *
 * Determinism: the rhythm, the fibrillation, the noise and the vitals each draw from their
 * own stream seeded from the scenario seed, and every periodic term is computed from the
 * absolute sample index, so output depends only on (scenario, options), never on how the
 * caller splits it into blocks.
 */
import { VigilError } from '../../src/core/errors.ts';
import type { ChannelInfo } from '../contract.ts';
import { AF_RANGE, VF_RANGE, WanderingOscillator } from './fibrillation.ts';
import { BEAT_CODE, BeatBank, BeatKind } from './morphology.ts';
import { Prng, deriveSeed } from './prng.ts';
import { BeatPlanner } from './rhythm.ts';
import { RHYTHM_LABEL, type Rhythm, type Scenario } from './scenario.ts';
import { TimelineCursor } from './timeline.ts';
import { VitalsModel } from './vitals.ts';

export const DEFAULT_SAMPLE_RATE = 250;
/** 1000 units per mV = 1 uV per unit, the resolution of a 24-bit ECG front end. */
export const DEFAULT_GAIN = 1000;
export const DEFAULT_BASELINE = 0;
/** Positive full scale of a 24-bit ADC: what an ADS129x-class front end reads with an electrode off. */
export const DEFAULT_RAIL_RAW = 8_388_607;
export const DEFAULT_TRUTH_CAPACITY = 65_536;

export type LeadName = 'II' | 'V1';
export const DEFAULT_LEADS: readonly LeadName[] = ['II'];

/**
 * One ground-truth annotation, MIT-BIH style. `code`: beat 'N' | 'V' | 'A' | '/';
 * '+' rhythm change (aux '(N', '(AFIB', '(VT', '(VFL', '(ASYS', '(P');
 * '[' / ']' VF onset / end; '~' technical (aux 'lead-off' | 'lead-on').
 * `sample` is the absolute sample index (R peak for beats, centre of the main deflection for wide beats).
 */
export interface TruthEvent {
  readonly sample: number;
  readonly code: string;
  readonly aux: string;
}

export interface VitalsSnapshot {
  /** Heart rate from the last <= 8 RR intervals, null with no recent beat, in VF, asystole or lead-off. */
  readonly hr: number | null;
  /** null in rhythms without a pulse (VF, asystole). */
  readonly spo2: number | null;
  readonly respRate: number | null;
  readonly tempC: number | null;
}

export interface GeneratorOptions {
  /** ADC units per mV (default 1000). */
  gain?: number;
  /** ADC value of 0 mV (default 0). */
  baseline?: number;
  /** Leads to produce, one channel each (default ['II']). */
  leads?: readonly LeadName[];
  /** Raw value of the positive rail (lead-off, saturation); the negative rail is -rail - 1. */
  railRaw?: number;
  /** Bound of the undrained truth buffer; the oldest events are dropped beyond it. */
  truthCapacity?: number;
}

const HR_WINDOW = 8;
const HR_STALE_S = 6;
/** Lead V1 sees the baseline wander and mains with a different projection. */
const V1_WANDER = 0.7;
const V1_MAINS = 0.8;
const VF_ONSET_S = 0.4;
const NO_PULSE: ReadonlySet<Rhythm> = new Set<Rhythm>(['vf', 'asystole']);

export class EcgSynth {
  readonly sampleRate: number;
  readonly gain: number;
  readonly baseline: number;
  readonly leads: readonly LeadName[];
  readonly railRaw: number;
  /** Samples in the whole scenario (Infinity when it loops). */
  readonly totalSamples: number;
  /** Truth events dropped because nobody drained them. */
  truthOverflow = 0;

  private readonly leadIdx: Int32Array;
  private readonly bank: BeatBank;
  private readonly planner: BeatPlanner;
  private readonly render: TimelineCursor;
  private readonly vitCursor: TimelineCursor;
  private readonly noiseRng: Prng;
  private readonly fibRng: Prng;
  private readonly vitRng: Prng;
  private readonly vf1: WanderingOscillator;
  private readonly vf2: WanderingOscillator;
  private readonly afw: WanderingOscillator;
  private readonly vitals: VitalsModel;
  private readonly acc = new Float64Array(2);
  private readonly truthCap: number;
  private pending: TruthEvent[] = [];
  private truth: TruthEvent[] = [];
  private readonly rTimes = new Float64Array(16);
  private rCount = 0;
  private pos = 0;
  private vitSecond = 0;
  private nextActivate = Infinity;

  // Render state of the current segment.
  private renderEnd = -1;
  /** Where the current rhythm started (consecutive segments of one rhythm continue it). */
  private segStart = 0;
  private rhythm: Rhythm = 'sinus';
  private label: string | null = null;
  private isLeadOff = false;
  private amp = 1;
  private wanderMv = 0;
  private mainsHz = 50;
  private mainsMv = 0;
  private emgMv = 0;
  // Baseline wander: two sinusoids in the respiratory band, frequencies fixed per seed.
  private readonly w1: number;
  private readonly w2: number;
  private readonly w1Phase: number;
  private readonly w2Phase: number;
  private readonly mainsPhase: number;

  constructor(
    readonly scenario: Scenario,
    opts: GeneratorOptions = {},
  ) {
    this.sampleRate = scenario.sampleRate;
    this.gain = opts.gain ?? DEFAULT_GAIN;
    this.baseline = opts.baseline ?? DEFAULT_BASELINE;
    this.leads = [...(opts.leads ?? DEFAULT_LEADS)];
    this.railRaw = opts.railRaw ?? DEFAULT_RAIL_RAW;
    this.truthCap = opts.truthCapacity ?? DEFAULT_TRUTH_CAPACITY;
    if (this.leads.length === 0 || this.leads.some((l) => l !== 'II' && l !== 'V1')) {
      throw new VigilError('VIGIL_USAGE', `leads must be a non-empty list of 'II' / 'V1', got ${JSON.stringify(this.leads)}`);
    }
    if (!(this.gain > 0 && Number.isFinite(this.gain))) throw new VigilError('VIGIL_USAGE', `gain must be > 0, got ${this.gain}`);
    if (!(Number.isInteger(this.railRaw) && this.railRaw > 0)) throw new VigilError('VIGIL_USAGE', `railRaw must be a positive integer, got ${this.railRaw}`);
    this.leadIdx = Int32Array.from(this.leads, (l) => (l === 'V1' ? 1 : 0));
    this.totalSamples = scenario.loop ? Infinity : scenario.cycleSamples;

    const seed = scenario.seed;
    this.noiseRng = new Prng(deriveSeed(seed, 1));
    this.fibRng = new Prng(deriveSeed(seed, 2));
    this.vitRng = new Prng(deriveSeed(seed, 3));
    const setup = new Prng(deriveSeed(seed, 4));
    const fs = this.sampleRate;
    this.w1 = (2 * Math.PI * setup.uniform(0.15, 0.3)) / fs;
    this.w2 = (2 * Math.PI * setup.uniform(0.15, 0.3)) / fs;
    this.w1Phase = setup.uniform(0, 2 * Math.PI);
    this.w2Phase = setup.uniform(0, 2 * Math.PI);
    this.mainsPhase = setup.uniform(0, 2 * Math.PI);

    this.bank = new BeatBank(fs);
    this.planner = new BeatPlanner(scenario, new Prng(deriveSeed(seed, 0)));
    this.render = new TimelineCursor(scenario);
    this.vitCursor = new TimelineCursor(scenario);
    this.vf1 = new WanderingOscillator(fs, VF_RANGE);
    this.vf2 = new WanderingOscillator(fs, { ...VF_RANGE, fLo: 5, fHi: 7, aLo: 0.05, aHi: 0.25 });
    this.afw = new WanderingOscillator(fs, AF_RANGE);
    this.vitals = new VitalsModel(this.render.segment);
    this.updateActivation();
  }

  /** Samples generated so far (= absolute index of the next sample). */
  get position(): number {
    return this.pos;
  }

  /** True when a non-looping scenario has been produced entirely. */
  get done(): boolean {
    return this.pos >= this.totalSamples;
  }

  /** Electrodes off at the last generated sample. */
  get leadOff(): boolean {
    return this.isLeadOff;
  }

  /** Rhythm at the last generated sample. */
  get currentRhythm(): Rhythm {
    return this.rhythm;
  }

  /** Channel descriptions matching the arrays `generate` fills. Lead II is named 'ECG', as the boards call it. */
  channels(): ChannelInfo[] {
    return this.leads.map((l) => ({
      name: l === 'II' ? 'ECG' : l,
      units: 'mV',
      gain: this.gain,
      baseline: this.baseline,
      sampleRate: this.sampleRate,
    }));
  }

  /**
   * Fill out[c][offset .. offset+n) with the next n samples of every lead (raw ADC units).
   * Returns how many were written: n, fewer at the end of a non-looping scenario, 0 after it.
   */
  generate(out: readonly Int32Array[], n: number, offset = 0): number {
    const count = Math.max(0, Math.min(n, this.totalSamples - this.pos));
    const nCh = this.leads.length;
    for (let c = 0; c < nCh; c++) {
      const arr = out[c];
      if (arr === undefined || arr.length < offset + count) {
        throw new VigilError('VIGIL_USAGE', `generate: need ${nCh} arrays of at least ${offset + count} samples (channel ${c})`);
      }
    }
    const acc = this.acc;
    const rail = this.railRaw;
    const lo = -rail - 1;
    for (let i = 0; i < count; i++) {
      const t = this.pos + i;
      if (t >= this.renderEnd) this.enterSegment(t);
      while (t >= this.nextActivate) this.activate();
      acc[0] = 0;
      acc[1] = 0;
      this.bank.render(t, acc);
      this.addContinuous(t, acc);
      if (this.isLeadOff) {
        for (let c = 0; c < nCh; c++) out[c]![offset + i] = rail;
        continue;
      }
      for (let c = 0; c < nCh; c++) {
        let mv = acc[this.leadIdx[c]!]!;
        if (this.emgMv > 0) mv += this.emgMv * this.noiseRng.gauss();
        const raw = this.baseline + Math.round(this.gain * mv);
        out[c]![offset + i] = raw > rail ? rail : raw < lo ? lo : raw;
      }
    }
    this.pos += count;
    this.release();
    return count;
  }

  /** Ground-truth events for samples generated so far and not yet drained, in sample order. */
  drainTruth(): TruthEvent[] {
    const out = this.truth;
    this.truth = [];
    return out;
  }

  /** Vital signs at the current position (drift advanced in whole seconds of signal time). */
  vitalsNow(): VitalsSnapshot {
    const fs = this.sampleRate;
    const second = Math.floor(this.pos / fs);
    while (this.vitSecond < second) {
      this.vitSecond++;
      this.vitCursor.seek(this.vitSecond * fs);
      this.vitals.step(this.vitCursor.segment, this.vitRng);
    }
    const noPulse = NO_PULSE.has(this.rhythm);
    return {
      hr: this.isLeadOff || noPulse ? null : this.heartRate(),
      spo2: noPulse ? null : Math.round(this.vitals.spo2),
      respRate: Math.round(this.vitals.respRate),
      tempC: Math.round(this.vitals.tempC * 10) / 10,
    };
  }

  private heartRate(): number | null {
    const fs = this.sampleRate;
    let last = -1;
    let first = -1;
    let k = 0;
    const n = Math.min(this.rCount, this.rTimes.length);
    for (let j = 0; j < n; j++) {
      const r = this.rTimes[(this.rCount - 1 - j) % this.rTimes.length]!;
      if (r > this.pos) continue;
      if (last < 0) last = r;
      else k++;
      first = r;
      if (k >= HR_WINDOW) break;
    }
    if (last < 0 || k === 0 || this.pos - last > HR_STALE_S * fs) return null;
    return Math.round((60 * fs * k) / (last - first));
  }

  private addContinuous(t: number, acc: Float64Array): void {
    if (this.rhythm === 'vf') {
      const a = this.vf1;
      const b = this.vf2;
      a.step(this.fibRng);
      b.step(this.fibRng);
      const p = a.phase;
      const q = b.phase;
      // Fade in over VF_ONSET_S: the wave grows out of the last beat instead of stepping.
      const g = this.amp * Math.min(1, (t - this.segStart) / (VF_ONSET_S * this.sampleRate));
      acc[0] = acc[0]! + g * (a.amp * (Math.sin(p) + 0.3 * Math.sin(2 * p + 0.7)) + b.amp * Math.sin(q));
      acc[1] = acc[1]! + g * 0.8 * (a.amp * (Math.sin(p + 1.1) + 0.15 * Math.sin(2 * p)) - b.amp * Math.sin(q + 0.4));
    } else if (this.rhythm === 'af') {
      const f = this.afw;
      f.step(this.fibRng);
      // f-waves are largest in V1.
      const s = f.amp * Math.sin(f.phase) + 0.3 * f.amp * Math.sin(2 * f.phase + 1.3);
      acc[0] = acc[0]! + this.amp * s;
      acc[1] = acc[1]! + this.amp * 1.8 * s;
    }
    if (this.wanderMv > 0) {
      const w = this.wanderMv * (0.65 * Math.sin(this.w1 * t + this.w1Phase) + 0.35 * Math.sin(this.w2 * t + this.w2Phase));
      acc[0] = acc[0]! + w;
      acc[1] = acc[1]! + V1_WANDER * w;
    }
    if (this.mainsMv > 0) {
      const m = this.mainsMv * Math.sin((2 * Math.PI * this.mainsHz * t) / this.sampleRate + this.mainsPhase);
      acc[0] = acc[0]! + m;
      acc[1] = acc[1]! + V1_MAINS * m;
    }
  }

  private enterSegment(t: number): void {
    const c = this.render;
    c.seek(t);
    const seg = c.segment;
    this.renderEnd = c.end;
    const prevRhythm = this.rhythm;
    const first = t === 0;
    if (first || seg.rhythm !== prevRhythm) this.segStart = t;
    if (!first && prevRhythm === 'vf' && seg.rhythm !== 'vf') this.push({ sample: t, code: ']', aux: '' });
    const label = RHYTHM_LABEL[seg.rhythm];
    if (label !== null && label !== this.label) {
      this.push({ sample: t, code: '+', aux: label });
      this.label = label;
    }
    if (seg.rhythm === 'vf' && (first || prevRhythm !== 'vf')) {
      this.push({ sample: t, code: '[', aux: '' });
      this.vf1.reset(this.fibRng);
      this.vf2.reset(this.fibRng);
    }
    if (seg.rhythm === 'af' && (first || prevRhythm !== 'af')) this.afw.reset(this.fibRng);
    if (seg.leadOff !== this.isLeadOff) {
      this.push({ sample: t, code: '~', aux: seg.leadOff ? 'lead-off' : 'lead-on' });
      this.isLeadOff = seg.leadOff;
    }
    this.rhythm = seg.rhythm;
    this.amp = seg.amplitude;
    this.wanderMv = seg.noise.baselineWanderMv;
    this.mainsHz = seg.noise.mainsHz;
    this.mainsMv = seg.noise.mainsMv;
    this.emgMv = seg.noise.emgMv;
  }

  /** Start drawing the planned beat, record it, plan the next. */
  private activate(): void {
    const p = this.planner;
    this.bank.add({ kind: p.kind, r: p.r, rrS: p.rrS, amp: p.amp, spikeMv: this.scenario.paceSpikeMv });
    this.rTimes[this.rCount % this.rTimes.length] = p.r;
    this.rCount++;
    // Behind a lead-off the heart goes on beating but nothing can be annotated.
    if (!p.segment.leadOff) this.push({ sample: Math.round(p.r), code: BEAT_CODE[p.kind] ?? 'Q', aux: '' });
    p.advance();
    this.updateActivation();
  }

  private updateActivation(): void {
    const p = this.planner;
    this.nextActivate = p.has ? p.r + BeatBank.onsetOffsetS(p.kind, p.rrS) * this.sampleRate : Infinity;
  }

  /** Insert in sample order; at equal samples non-beat events (rhythm, lead) come first. */
  private push(ev: TruthEvent): void {
    const q = this.pending;
    const beat = isBeat(ev.code);
    let i = q.length;
    while (i > 0) {
      const prev = q[i - 1]!;
      if (prev.sample > ev.sample || (prev.sample === ev.sample && !beat && isBeat(prev.code))) i--;
      else break;
    }
    q.splice(i, 0, ev);
  }

  /** Move pending events whose sample has been generated to the drainable buffer. */
  private release(): void {
    const q = this.pending;
    let k = 0;
    while (k < q.length && q[k]!.sample < this.pos) k++;
    if (k === 0) return;
    for (let i = 0; i < k; i++) this.truth.push(q[i]!);
    q.splice(0, k);
    const over = this.truth.length - this.truthCap;
    if (over > 0) {
      this.truth.splice(0, over);
      this.truthOverflow += over;
    }
  }
}

function isBeat(code: string): boolean {
  return code === 'N' || code === 'V' || code === 'A' || code === '/';
}

/** Kinds exported for tests and tools that want to reason about morphology. */
export { BeatKind };
