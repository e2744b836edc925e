/**
 * Conditions from beat timing alone: asystole, pause, and heart-rate limits.
 *
 * - Asystole: no QRS for asystoleS (IEC 60601-2-27: 4 s). Beats reach us beatLatencyS after
 *   their R peak, so the decision is made at lastR + asystoleS + latency. It is withheld while
 *   the signal is absent (lead off: that is a technical alarm) or fibrillatory (VF decides).
 * - Pause: RR > pauseS (Philips default 2.5 s), decided the same way; ends at the next beat.
 *   A beat can close a gap longer than either threshold before the decision falls due (it
 *   arrived sooner than the latency allowed for): the condition is then raised from the gap's
 *   start and ended at that beat, so the alarm depends on the gap, not on when its closing
 *   beat happened to arrive.
 * - HR: the monitor average (IEC 60601-2-27 / EC13: last 12 RR, last 4 when 3 RR > 1.2 s,
 *   monitorHeartRate in src/ecg/rate.ts). An isolated interval longer than pauseS, and any
 *   longer than asystoleS, is left out and restarts the average: it is the pause/asystole
 *   condition, and would otherwise drag the average into a false extreme bradycardia for 12
 *   beats after the rhythm is back. Long intervals in a row are a slow rhythm, not a pause:
 *   they count (from the second), so a rate below 60/pauseS still raises extreme bradycardia
 *   (20/min at the default 2.5 s, or any rate a bed's shorter pause setting would hide).
 *   Limits switch off with 2 bpm of hysteresis so a rate hovering at a limit does not chatter.
 */
import { monitorHeartRate } from '../../ecg/rate.ts';
import type { RhythmConfig } from './config.ts';
import type { ConditionTracker } from './events.ts';

const HYSTERESIS_BPM = 2;
/** RR intervals needed before the HR conditions are judged (the first beats after a gap are not a rate). */
const MIN_RR = 4;

export class BeatTimingDetector {
  private readonly fs: number;
  private readonly cfg: RhythmConfig;
  private readonly t: ConditionTracker;
  private readonly rr = new Float64Array(12);
  private rrCount = 0;
  /** The previous interval was longer than pauseS. */
  private prevLong = false;
  /** R peak of the last beat; the stream start before the first one (no QRS since the start counts). */
  lastBeat = 0;
  /** Last sample at which analysis was impossible: no-QRS time counts from here at the earliest. */
  private quietFrom = 0;
  hr: number | null = null;
  /** Whether the last advance() allowed a no-QRS decision (not lead-off, unanalyzable or fibrillatory). */
  private allowed = false;

  constructor(fs: number, cfg: RhythmConfig, tracker: ConditionTracker) {
    this.fs = fs;
    this.cfg = cfg;
    this.t = tracker;
  }

  /** Forget the RR average (after a gap in analysis). */
  resetRate(sample: number, now: number): void {
    this.rrCount = 0;
    this.prevLong = false;
    this.hr = null;
    for (const id of ['extreme-brady', 'extreme-tachy', 'hr-low', 'hr-high'] as const) this.t.offset(id, sample, now, { reason: 'interrupted' });
  }

  onBeat(sample: number, rrPrevS: number | null, now: number, rateAllowed: boolean): void {
    if (this.allowed) this.noQrs(sample - Math.max(this.lastBeat, this.quietFrom), now);
    this.t.offset('asystole', sample, now);
    this.t.offset('pause', sample, now);
    this.lastBeat = sample;
    // Not a rate (VF: the "beats" are fibrillation waves): keep none of these intervals, or the
    // first beats after VF would average them into a false tachycardia alarm.
    const long = rrPrevS !== null && rrPrevS > this.cfg.pauseS;
    const isolatedLong = long && !this.prevLong;
    this.prevLong = long;
    if (rrPrevS === null || isolatedLong || rrPrevS > this.cfg.asystoleS || !rateAllowed) {
      this.rrCount = 0;
      this.hr = null;
      return;
    }
    if (this.rrCount === this.rr.length) this.rr.copyWithin(0, 1);
    else this.rrCount++;
    this.rr[this.rrCount - 1] = rrPrevS;
    this.hr = this.rrCount >= MIN_RR ? monitorHeartRate(this.rr, this.rrCount) : null;
    if (this.hr === null || !rateAllowed) return;
    this.limits(this.hr, sample, now);
  }

  private limits(hr: number, sample: number, now: number): void {
    const c = this.cfg;
    const d = { hrBpm: Math.round(hr) };
    const rule = (id: 'extreme-brady' | 'hr-low' | 'hr-high' | 'extreme-tachy', on: boolean, off: boolean): void => {
      if (on) this.t.onset(id, sample, now, d);
      else if (off) this.t.offset(id, sample, now, d);
    };
    rule('extreme-brady', hr < c.extremeBradyBpm, hr >= c.extremeBradyBpm + HYSTERESIS_BPM);
    rule('hr-low', hr < c.hrLowBpm, hr >= c.hrLowBpm + HYSTERESIS_BPM);
    rule('hr-high', hr > c.hrHighBpm, hr <= c.hrHighBpm - HYSTERESIS_BPM);
    rule('extreme-tachy', hr > c.extremeTachyBpm, hr <= c.extremeTachyBpm - HYSTERESIS_BPM);
  }

  /**
   * Evidence of a QRS at `sample` that is not a beat (one lead showed a clear complex the
   * detector could not accept): the no-QRS clock counts from there at the earliest. It defers
   * an asystole or pause that has not begun; it does not end one.
   */
  evidence(sample: number): void {
    if (sample > this.quietFrom) this.quietFrom = sample;
  }

  /**
   * Time passes: `known` is the latest sample up to which every beat has been delivered.
   * `allowed` is false while the signal is absent or fibrillatory (no pause/asystole then).
   */
  advance(known: number, now: number, allowed: boolean, technicalUntil = 0, unreadable = false): void {
    // While the ECG cannot be read (leads off, unanalyzable, VF) the "no QRS" clock cannot
    // run: it restarts when analysis does, or the first moment after a lead-off would be
    // called asystole for the whole time the electrode was off. A stretch the window reports
    // flag as unanalyzable arrives late: it counts the same. (A merely flat signal only
    // withholds the decision: it may be a true asystole on a quiet front end.)
    if (technicalUntil > this.quietFrom) this.quietFrom = Math.min(technicalUntil, known);
    if (unreadable) this.quietFrom = Math.max(this.quietFrom, known);
    this.allowed = allowed;
    if (!allowed) return;
    this.noQrs(known - Math.max(this.lastBeat, this.quietFrom), now);
  }

  /** No QRS for `gap` samples since max(lastBeat, quietFrom): pause and asystole onsets. */
  private noQrs(gap: number, now: number): void {
    const from = Math.max(this.lastBeat, this.quietFrom);
    if (gap > this.cfg.pauseS * this.fs) this.t.onset('pause', from, now, { thresholdS: this.cfg.pauseS });
    if (gap > this.cfg.asystoleS * this.fs) {
      if (this.t.onset('asystole', from, now, { thresholdS: this.cfg.asystoleS })) this.resetRate(from, now);
    }
  }
}
