/**
 * Ventricular ectopy from beat labels (AAMI classes from the classifier: V = ventricular):
 * VT runs, shorter PVC runs, couplets, bigeminy, trigeminy and PVCs per minute.
 *
 * Definitions (Philips IntelliVue ST/AR arrhythmia alarms, the usual bedside vocabulary):
 * - VTach: >= vtMinBeats consecutive V at a run rate >= vtMinRateBpm (defaults 5 and 100).
 * - Run PVCs: >= vrunMinBeats consecutive V that do not (yet) meet VTach.
 * - Pair PVCs (couplet): exactly two consecutive V between non-V beats.
 * - Bigeminy: N V N V ... for bigeminyCycles cycles; trigeminy: N N V ... likewise.
 * - PVCs/min: V beats in the trailing 60 s above pvcPerMinLimit.
 * A Q beat (unclassifiable, noisy) breaks every pattern: ectopy is not claimed from noise.
 * State is a handful of counters and one bounded ring of PVC times.
 */
import type { RhythmConfig } from './config.ts';
import type { ConditionTracker } from './events.ts';

/** At most 300 bpm for 60 s. */
const PVC_RING = 320;

export class VentricularDetector {
  private readonly fs: number;
  private readonly cfg: RhythmConfig;
  private readonly t: ConditionTracker;
  private runLen = 0;
  private runStart = -1;
  private runRrSum = 0;
  private runRrN = 0;
  private lastV = -1;
  /** Non-V beats since the last V (-1: no V yet / pattern broken). */
  private sinceV = -1;
  private bigCycles = 0;
  private bigStart = -1;
  private triCycles = 0;
  private triStart = -1;
  private lastNonVSample = -1;
  private prevNonVSample = -1;
  private readonly pvc = new Float64Array(PVC_RING);
  private pvcHead = 0;
  private pvcCount = 0;

  constructor(fs: number, cfg: RhythmConfig, tracker: ConditionTracker) {
    this.fs = fs;
    this.cfg = cfg;
    this.t = tracker;
  }

  /** Forget runs and patterns (gap, noise, VF). Open conditions are closed at `sample`. */
  reset(sample: number, now: number): void {
    for (const id of ['vtach', 'vrun', 'bigeminy', 'trigeminy'] as const) this.t.offset(id, sample, now, { reason: 'interrupted' });
    this.runLen = 0;
    this.sinceV = -1;
    this.bigCycles = 0;
    this.triCycles = 0;
  }

  onBeat(sample: number, rrPrevS: number | null, label: string, now: number): void {
    if (label === 'V') this.onV(sample, rrPrevS, now);
    else if (label === 'Q') {
      this.endRun(sample, now);
      this.reset(sample, now);
    } else this.onNonV(sample, now);
    this.updatePvcRate(sample, now);
  }

  /** Time passes without beats: a run ends when no beat follows within 2 RR (or 1.5 s). */
  advance(known: number, now: number): void {
    if (this.runLen > 0) {
      const rr = this.runRrN > 0 ? this.runRrSum / this.runRrN : 0.6;
      if (known - this.lastV > Math.max(1.5, 2 * rr) * this.fs) this.endRun(this.lastV + Math.round(rr * this.fs), now);
    }
    this.updatePvcRate(known, now);
  }

  private onV(sample: number, rrPrevS: number | null, now: number): void {
    if (this.runLen === 0 || rrPrevS === null) {
      if (this.runLen > 0) this.endRun(sample, now);
      this.runLen = 1;
      this.runStart = sample;
      this.runRrSum = 0;
      this.runRrN = 0;
    } else {
      this.runLen++;
      this.runRrSum += rrPrevS;
      this.runRrN++;
    }
    this.lastV = sample;
    const pj = (this.pvcHead + this.pvcCount) % PVC_RING;
    this.pvc[pj] = sample;
    if (this.pvcCount < PVC_RING) this.pvcCount++;
    else this.pvcHead = (this.pvcHead + 1) % PVC_RING;

    const rate = this.runRrN > 0 ? 60 / (this.runRrSum / this.runRrN) : 0;
    const c = this.cfg;
    if (this.runLen >= c.vtMinBeats && rate >= c.vtMinRateBpm) {
      if (this.t.onset('vtach', this.runStart, now, { beats: this.runLen, rateBpm: Math.round(rate) })) this.t.offset('vrun', this.runStart, now, { reason: 'became vtach' });
    } else if (this.runLen >= c.vrunMinBeats && !this.t.isActive('vtach')) {
      this.t.onset('vrun', this.runStart, now, { beats: this.runLen, rateBpm: Math.round(rate) });
    }
    // Patterns: a V after exactly one (two) non-V beat(s) continues bigeminy (trigeminy).
    if (this.sinceV === 1) {
      if (this.bigCycles === 0) this.bigStart = this.lastNonVSample;
      this.bigCycles++;
    } else this.bigCycles = 0;
    if (this.sinceV === 2) {
      if (this.triCycles === 0) this.triStart = this.prevNonVSample;
      this.triCycles++;
    } else this.triCycles = 0;
    if (this.sinceV !== 1) this.t.offset('bigeminy', sample, now);
    if (this.sinceV !== 2) this.t.offset('trigeminy', sample, now);
    if (this.bigCycles >= c.bigeminyCycles) this.t.onset('bigeminy', this.bigStart, now, { cycles: this.bigCycles });
    if (this.triCycles >= c.trigeminyCycles) this.t.onset('trigeminy', this.triStart, now, { cycles: this.triCycles });
    this.sinceV = 0;
  }

  private onNonV(sample: number, now: number): void {
    this.endRun(sample, now);
    if (this.sinceV >= 0) this.sinceV++;
    if (this.sinceV > 1) {
      if (this.bigCycles > 0) this.bigCycles = 0;
      this.t.offset('bigeminy', sample, now);
    }
    if (this.sinceV > 2) {
      this.triCycles = 0;
      this.t.offset('trigeminy', sample, now);
    }
    this.prevNonVSample = this.lastNonVSample;
    this.lastNonVSample = sample;
  }

  private endRun(sample: number, now: number): void {
    if (this.runLen === 0) return;
    if (this.runLen === 2 && this.sinceVBeforeRunWasNonV()) {
      this.t.onset('couplet', this.runStart, now, { beats: 2 });
      this.t.offset('couplet', sample, now);
    }
    this.t.offset('vtach', sample, now, { beats: this.runLen });
    this.t.offset('vrun', sample, now, { beats: this.runLen });
    this.runLen = 0;
  }

  /** A couplet sits between non-V beats; the run start follows a non-V beat when one exists. */
  private sinceVBeforeRunWasNonV(): boolean {
    return this.lastNonVSample >= 0 && this.lastNonVSample < this.runStart;
  }

  private updatePvcRate(known: number, now: number): void {
    const from = known - 60 * this.fs;
    while (this.pvcCount > 0 && (this.pvc[this.pvcHead] as number) < from) {
      this.pvcHead = (this.pvcHead + 1) % PVC_RING;
      this.pvcCount--;
    }
    if (this.pvcCount > this.cfg.pvcPerMinLimit) this.t.onset('pvc-high', known, now, { perMin: this.pvcCount });
    else this.t.offset('pvc-high', known, now, { perMin: this.pvcCount });
  }
}
