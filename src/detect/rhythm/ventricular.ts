/**
 * Ventricular ectopy from beat labels (AAMI classes from the classifier: V = ventricular):
 * VT runs, shorter PVC runs, couplets, bigeminy, trigeminy and PVCs per minute.
 *
 * Definitions (Philips IntelliVue ST/AR arrhythmia alarms, the usual bedside vocabulary):
 * - VTach: >= vtMinBeats consecutive V at a run rate >= vtMinRateBpm (defaults 5 and 100),
 *   starting suddenly (below). A run that does not is reported as Run PVCs (medium).
 * - Run PVCs: >= vrunMinBeats consecutive V that do not (yet) meet VTach.
 * - Pair PVCs (couplet): exactly two consecutive V between non-V beats.
 * - Bigeminy: N V N V ... for bigeminyCycles cycles; trigeminy: N N V ... likewise.
 * - PVCs/min: V beats in the trailing 60 s above pvcPerMinLimit.
 * A Q beat (unclassifiable, noisy) breaks every pattern: ectopy is not claimed from noise.
 *
 * Sudden onset (the "Onset" discriminator of ICDs, which tells VT from sinus tachycardia by
 * the jump in rate: Medtronic nominal 81 %): the run's mean RR must be at most ONSET_RATIO of
 * the mean RR of the ONSET_RR beats before it. A "run" at the rate of the rhythm before it
 * (sinus tachycardia whose beats look unlike the slow-rate template, fusion beats mislabelled
 * V; mitdb 208) is not a VTach alarm. Not judged (VTach allowed) when the RR before the run
 * is unknown, or when the run is at least ONSET_BYPASS_BPM fast (a safety limit, as ICDs stop
 * applying SVT discriminators above a rate). A run that follows
 * another run within REDETECT_BEATS beats continues that episode and takes its verdict (ICDs
 * likewise apply Onset only at the start of an episode): the beats before it are the
 * tachycardia itself.
 * State is a handful of counters and one bounded ring of PVC times.
 */
import type { RhythmConfig } from './config.ts';
import type { ConditionTracker } from './events.ts';

/** At most 300 bpm for 60 s. */
const PVC_RING = 320;
/** Run mean RR / mean of the RR before the run, at most (ICD Onset, nominal 81 %). */
export const ONSET_RATIO = 0.81;
/** Runs at least this fast are VTach without the onset test. */
export const ONSET_BYPASS_BPM = 150;
/**
 * Stability (the ICD discriminator that tells VT, regular, from conducted AF and from
 * artefact, irregular): the median absolute difference of successive RR in the run over their
 * mean RR must be at most STABILITY_MAX. Over the last STABILITY_RR intervals of the run.
 */
export const STABILITY_MAX = 0.5;
const STABILITY_RR = 8;
/** RR before the run averaged for the onset test. */
const ONSET_RR = 4;
/** A run starting within this many non-ventricular beats of another run continues it (no onset test). */
const REDETECT_BEATS = 3;

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
  /** Non-V beats since the last V or since the patterns were broken (a Q beat, a gap). */
  private nonVRun = 0;
  private bigCycles = 0;
  private bigStart = -1;
  private triCycles = 0;
  private triStart = -1;
  private lastNonVSample = -1;
  private prevNonVSample = -1;
  private readonly pvc = new Float64Array(PVC_RING);
  private pvcHead = 0;
  private pvcCount = 0;
  private readonly rrRing = new Float64Array(ONSET_RR);
  private rrN = 0;
  private rrHead = 0;
  /** Non-V beats since the last run of >= vrunMinBeats ended (large: none recent). */
  private sinceRun = Number.MAX_SAFE_INTEGER;
  /** Mean RR of the ONSET_RR beats before the run (NaN: unknown). */
  private runPreRr = Number.NaN;
  /** Onset verdict inherited from the run this one continues (-1: none, 0/1). */
  private runInherit = -1;
  /** Onset verdict of the last run of >= vrunMinBeats. */
  private lastRunSudden = true;
  /** The run's last STABILITY_RR intervals (ring) and scratch for the stability test. */
  private readonly runRr = new Float64Array(STABILITY_RR);
  private readonly stabTmp = new Float64Array(STABILITY_RR);

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
    this.nonVRun = 0;
    this.bigCycles = 0;
    this.triCycles = 0;
    this.rrN = 0;
    this.sinceRun = Number.MAX_SAFE_INTEGER;
  }

  /**
   * Analysis interrupted (VF, an unanalyzable stretch): PVCs/min restarts from zero. It stayed
   * open into a VF, counted from the PVCs before it, for up to a minute. (A single Q beat only
   * breaks the patterns: reset().)
   */
  resetPvcRate(sample: number, now: number): void {
    this.pvcCount = 0;
    this.pvcHead = 0;
    this.t.offset('pvc-high', sample, now, { reason: 'interrupted' });
  }

  onBeat(sample: number, rrPrevS: number | null, label: string, now: number): void {
    if (label === 'V') this.onV(sample, rrPrevS, now);
    else if (label === 'Q') {
      this.endRun(sample, now);
      this.reset(sample, now);
    } else this.onNonV(sample, now);
    this.updatePvcRate(sample, now);
    if (label !== 'Q') this.pushRr(rrPrevS);
  }

  private pushRr(rr: number | null): void {
    if (rr === null) {
      this.rrN = 0;
      return;
    }
    this.rrRing[this.rrHead] = rr;
    this.rrHead = (this.rrHead + 1) % ONSET_RR;
    if (this.rrN < ONSET_RR) this.rrN++;
  }

  /** At a run's first beat: what its onset is judged against. */
  private startOnset(rr: number | null): void {
    this.runInherit = this.sinceRun <= REDETECT_BEATS ? (this.lastRunSudden ? 1 : 0) : -1;
    let sum = 0;
    for (let i = 0; i < ONSET_RR; i++) sum += this.rrRing[i] as number;
    this.runPreRr = rr !== null && this.rrN >= ONSET_RR ? sum / ONSET_RR : Number.NaN;
  }

  /** Whether the current run started suddenly (or continues a run that did). */
  private runSudden(): boolean {
    if (this.runInherit >= 0) return this.runInherit === 1;
    if (Number.isNaN(this.runPreRr) || this.runRrN === 0) return true;
    const rr = this.runRrSum / this.runRrN;
    // A fast run is VTach whatever came before (ICDs likewise stop applying SVT
    // discriminators above a rate limit): sinus tachycardia rarely exceeds it at rest.
    if (60 / rr >= ONSET_BYPASS_BPM) return true;
    return rr <= ONSET_RATIO * this.runPreRr;
  }

  /**
   * Whether the run's intervals are regular enough for VT (Stability). Runs at
   * ONSET_BYPASS_BPM or faster, and runs with fewer than 3 intervals, are not judged.
   */
  private runStable(): boolean {
    const n = Math.min(this.runRrN, STABILITY_RR);
    if (n < 3 || 60 / (this.runRrSum / this.runRrN) >= ONSET_BYPASS_BPM) return true;
    const first = this.runRrN - n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.runRr[(first + i) % STABILITY_RR] as number;
    // Successive differences, insertion-sorted in place (at most 7: no allocation per beat).
    const d = this.stabTmp;
    const m = n - 1;
    for (let i = 0; i < m; i++) {
      const v = Math.abs((this.runRr[(first + i + 1) % STABILITY_RR] as number) - (this.runRr[(first + i) % STABILITY_RR] as number));
      let j = i;
      while (j > 0 && (d[j - 1] as number) > v) {
        d[j] = d[j - 1] as number;
        j--;
      }
      d[j] = v;
    }
    const med = m % 2 ? (d[m >> 1] as number) : ((d[m / 2 - 1] as number) + (d[m / 2] as number)) / 2;
    return med <= STABILITY_MAX * (sum / n);
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
      this.startOnset(rrPrevS);
    } else {
      this.runLen++;
      this.runRr[this.runRrN % STABILITY_RR] = rrPrevS;
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
    if (this.runLen >= c.vtMinBeats && rate >= c.vtMinRateBpm && !this.t.isActive('vtach') && this.runSudden() && this.runStable()) {
      if (this.t.onset('vtach', this.runStart, now, { beats: this.runLen, rateBpm: Math.round(rate) })) this.t.offset('vrun', this.runStart, now, { reason: 'became vtach' });
    } else if (this.runLen >= c.vrunMinBeats && !this.t.isActive('vtach')) {
      this.t.onset('vrun', this.runStart, now, { beats: this.runLen, rateBpm: Math.round(rate) });
    }
    // Patterns: a V after exactly one (two) non-V beat(s) continues bigeminy (trigeminy); a V
    // after more starts a new one, its first N-V (N-N-V) cycle being this one.
    if (this.sinceV === 1 && this.bigCycles > 0) this.bigCycles++;
    else if (this.nonVRun >= 1) {
      this.bigCycles = 1;
      this.bigStart = this.lastNonVSample;
    } else this.bigCycles = 0;
    if (this.sinceV === 2 && this.triCycles > 0) this.triCycles++;
    else if (this.nonVRun >= 2) {
      this.triCycles = 1;
      this.triStart = this.prevNonVSample;
    } else this.triCycles = 0;
    this.nonVRun = 0;
    if (this.sinceV !== 1) this.t.offset('bigeminy', sample, now);
    if (this.sinceV !== 2) this.t.offset('trigeminy', sample, now);
    if (this.bigCycles >= c.bigeminyCycles) this.t.onset('bigeminy', this.bigStart, now, { cycles: this.bigCycles });
    if (this.triCycles >= c.trigeminyCycles) this.t.onset('trigeminy', this.triStart, now, { cycles: this.triCycles });
    this.sinceV = 0;
  }

  private onNonV(sample: number, now: number): void {
    this.endRun(sample, now);
    if (this.sinceRun < Number.MAX_SAFE_INTEGER) this.sinceRun++;
    if (this.sinceV >= 0) this.sinceV++;
    this.nonVRun++;
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
    if (this.runLen >= this.cfg.vrunMinBeats) {
      this.sinceRun = 0;
      this.lastRunSudden = this.runSudden();
    }
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
