/**
 * The beat schedule: decides when the next beat's R peak falls and what kind it is, one
 * beat ahead, from the scenario timeline. The renderer draws what this decides, and the
 * ground truth is exactly this schedule.
 *
 * Rules (Goldberger's Clinical Electrocardiography, ch. 14-16):
 * - PVC: coupling 55-65 % of the sinus cycle, then a full compensatory pause (the next
 *   sinus beat comes two sinus cycles after the beat before the PVC: the sinus node is not
 *   reset). Couplets: a second PVC at 50-60 % of the cycle.
 * - APC: coupling 65-75 %, and the sinus node is reset (next beat one cycle after the APC).
 * - AF: irregularly irregular RR, here log-normal with CV ~0.22 around the mean rate.
 * - VT: regular wide beats (1.5 % RR jitter). Paced: metronomic.
 * A beat belongs to the segment holding its R peak; on entering a new segment the first
 * beat comes one new cycle after the last one (or at the segment start, whichever is
 * later), or 0.3 s in after a segment without beats.
 */
import { BeatKind } from './morphology.ts';
import type { Prng } from './prng.ts';
import { BEAT_RHYTHMS, type Scenario, type Segment } from './scenario.ts';
import { TimelineCursor } from './timeline.ts';

const AF_LOG_SD = 0.22;
const FIRST_BEAT_S = 0.3;

export class BeatPlanner {
  /** The planned beat: R peak (absolute samples, fractional). */
  r = 0;
  kind: BeatKind = BeatKind.Normal;
  /** Cycle length governing wave timing, seconds. */
  rrS = 1;
  /** Amplitude factor. */
  amp = 1;
  /** The segment the planned beat belongs to. */
  segment: Segment;
  /** False once a non-looping scenario has no more beats. */
  has = false;

  private readonly cursor: TimelineCursor;
  private readonly fs: number;
  private anchor = 0;
  private inEctopy = false;
  private coupletPending = false;

  constructor(
    scenario: Scenario,
    private readonly rng: Prng,
  ) {
    this.fs = scenario.sampleRate;
    this.cursor = new TimelineCursor(scenario);
    this.segment = this.cursor.segment;
    this.enterFrom(null);
  }

  /** Plan the beat after the current one. */
  advance(): void {
    if (!this.has) return;
    const prevR = this.r;
    const c = this.cursor;
    const seg = c.segment;
    // Only beat rhythms reach here: the current beat was planned inside its segment.
    const r = this.propose(seg, prevR);
    if (r < c.end) {
      this.set(r, seg);
      return;
    }
    if (!c.step()) {
      this.has = false;
      return;
    }
    this.enterFrom(prevR);
  }

  /** Plan the first beat in the cursor's segment or a later one. */
  private enterFrom(prevR: number | null): void {
    const c = this.cursor;
    let adjacent = prevR !== null;
    for (;;) {
      const s = c.segment;
      if (BEAT_RHYTHMS.has(s.rhythm)) {
        this.inEctopy = false;
        this.coupletPending = false;
        const rr = this.rrAt(s, c.start);
        const r = adjacent && prevR !== null ? Math.max(c.start, prevR + rr) : c.start + Math.min(FIRST_BEAT_S * this.fs, 0.5 * rr);
        if (r < c.end) {
          this.kind = firstKind(s);
          this.rrS = rr / this.fs;
          this.set(r, s);
          return;
        }
      }
      adjacent = false;
      if (!c.step()) {
        this.has = false;
        return;
      }
    }
  }

  private set(r: number, seg: Segment): void {
    this.r = r;
    this.segment = seg;
    this.has = true;
    const jitter = this.kind === BeatKind.Ventricular ? 0.05 : 0.02;
    this.amp = seg.amplitude * (1 + jitter * this.rng.gauss());
  }

  /** Heart rate of a segment at absolute time t (linear hr -> hrTo ramp), as RR in samples. */
  private rrAt(seg: Segment, t: number): number {
    const c = this.cursor;
    const span = c.end - c.start;
    const f = span > 0 ? Math.min(1, Math.max(0, (t - c.start) / span)) : 0;
    const hr = seg.hr + (seg.hrTo - seg.hr) * f;
    return (60 / hr) * this.fs;
  }

  /** Next R peak within a beat rhythm; sets kind and rrS. */
  private propose(seg: Segment, prevR: number): number {
    const rng = this.rng;
    const rr = this.rrAt(seg, prevR);
    this.rrS = rr / this.fs;
    const prevKind = this.kind;
    switch (seg.rhythm) {
      case 'vt':
        this.kind = BeatKind.Ventricular;
        return prevR + rr * (1 + 0.015 * rng.gauss());
      case 'paced':
        this.kind = BeatKind.Paced;
        return prevR + rr;
      case 'af': {
        if (prevKind !== BeatKind.Ventricular || !this.inEctopy) {
          const { pV } = ectopicOdds(seg, this.rrS);
          if (rng.next() < pV) {
            this.inEctopy = true;
            this.kind = BeatKind.Ventricular;
            return prevR + rng.uniform(0.5, 0.65) * rr;
          }
        }
        this.inEctopy = false;
        this.kind = BeatKind.AfConducted;
        const m = Math.exp(AF_LOG_SD * rng.gauss() - (AF_LOG_SD * AF_LOG_SD) / 2);
        return prevR + rr * Math.min(2.2, Math.max(0.45, m));
      }
      default:
        return this.proposeSinus(seg, prevR, rr, prevKind);
    }
  }

  private proposeSinus(seg: Segment, prevR: number, rr: number, prevKind: BeatKind): number {
    const rng = this.rng;
    if (prevKind === BeatKind.Ventricular && this.inEctopy) {
      if (this.coupletPending) {
        this.coupletPending = false;
        this.kind = BeatKind.Ventricular;
        return prevR + rng.uniform(0.5, 0.6) * rr;
      }
      // Full compensatory pause: back on the sinus grid, two or more cycles after the anchor.
      this.inEctopy = false;
      this.kind = BeatKind.Normal;
      let k = 2;
      while (this.anchor + k * rr < prevR + 0.6 * rr) k++;
      return this.anchor + k * rr;
    }
    if (prevKind === BeatKind.Normal) {
      const { pV, pA } = ectopicOdds(seg, this.rrS);
      const u = rng.next();
      if (u < pV) {
        this.inEctopy = true;
        this.anchor = prevR;
        this.coupletPending = rng.next() < seg.pvcCoupletFraction;
        this.kind = BeatKind.Ventricular;
        return prevR + rng.uniform(0.55, 0.65) * rr;
      }
      if (u < pV + pA) {
        this.kind = BeatKind.Apc;
        return prevR + rng.uniform(0.65, 0.75) * rr;
      }
    }
    this.kind = BeatKind.Normal;
    if (seg.hrvPct === 0) return prevR + rr;
    // Respiratory sinus arrhythmia at the breathing rate plus a little randomness.
    const h = seg.hrvPct / 100;
    const tS = prevR / this.fs;
    const rsa = Math.sin((2 * Math.PI * seg.respRate * tS) / 60);
    return prevR + rr * (1 + h * rsa + 0.25 * h * rng.gauss());
  }
}

/**
 * Per-normal-beat probabilities of a PVC / APC that give the requested rates per minute.
 * A PVC cycle lasts 2 RR (compensatory pause) and an APC cycle ~1.7 RR, so with
 * x = pvcPerMin*RR/60 and y = apcPerMin*RR/60: pV = x / (1 - x - 0.7 y), pA = y / (1 - x - 0.7 y).
 */
function ectopicOdds(seg: Segment, rrS: number): { pV: number; pA: number } {
  const x = (seg.pvcPerMin * rrS) / 60;
  const y = (seg.apcPerMin * rrS) / 60;
  const d = Math.max(1e-6, 1 - x - 0.7 * y);
  return { pV: Math.min(1, x / d), pA: Math.min(1, y / d) };
}

function firstKind(s: Segment): BeatKind {
  switch (s.rhythm) {
    case 'af':
      return BeatKind.AfConducted;
    case 'vt':
      return BeatKind.Ventricular;
    case 'paced':
      return BeatKind.Paced;
    default:
      return BeatKind.Normal;
  }
}
