/**
 * Heart rate as bedside monitors compute it, and time-domain HRV.
 *
 * HR (IEC 60601-2-27 201.7.9.2.9.101 b) 3), AAMI EC13 4.1.2.1 e)): the mean of the last 12
 * RR intervals; when each of the last 3 RR intervals exceeds 1.2 s, the mean of the last 4,
 * so a sudden bradycardia shows within a few beats.
 * HRV (Task Force of the ESC/NASPE 1996): SDNN = sample standard deviation of NN intervals;
 * RMSSD = root mean square of successive NN differences; pNN50 = fraction of successive
 * differences > 50 ms. Successive differences only pair intervals that are adjacent in the
 * beat sequence.
 */
import type { HrvStats } from './types.ts';

/**
 * Monitor HR (bpm) from the most recent RR intervals (seconds), oldest first in
 * rr[0..count). Null when there is none.
 */
export function monitorHeartRate(rr: ArrayLike<number>, count: number): number | null {
  if (count <= 0) return null;
  let use = Math.min(12, count);
  if (count >= 3 && (rr[count - 1] as number) > 1.2 && (rr[count - 2] as number) > 1.2 && (rr[count - 3] as number) > 1.2) {
    use = Math.min(4, count);
  }
  let s = 0;
  for (let i = count - use; i < count; i++) s += rr[i] as number;
  return 60 / (s / use);
}

/**
 * HRV from NN intervals (seconds) rr[0..count), with `adjacent[i]` true when rr[i] directly
 * follows rr[i-1] in the beat sequence (no excluded beat or gap between them).
 */
export function hrvStats(rr: ArrayLike<number>, adjacent: ArrayLike<number>, count: number): HrvStats | null {
  if (count < 2) return null;
  let mean = 0;
  for (let i = 0; i < count; i++) mean += rr[i] as number;
  mean /= count;
  let ss = 0;
  for (let i = 0; i < count; i++) {
    const d = (rr[i] as number) - mean;
    ss += d * d;
  }
  let sd2 = 0;
  let nd = 0;
  let over50 = 0;
  for (let i = 1; i < count; i++) {
    if (!(adjacent[i] as number)) continue;
    const d = (rr[i] as number) - (rr[i - 1] as number);
    sd2 += d * d;
    nd++;
    if (Math.abs(d) > 0.05) over50++;
  }
  return {
    sdnnMs: 1000 * Math.sqrt(ss / (count - 1)),
    rmssdMs: nd > 0 ? 1000 * Math.sqrt(sd2 / nd) : 0,
    pnn50: nd > 0 ? over50 / nd : 0,
    nnCount: count,
  };
}

/**
 * Bounded history of RR intervals with their end sample, for HR and windowed HRV. Capacity
 * is fixed at construction (window at 300 bpm), so memory never grows with the record.
 */
export class RrHistory {
  private readonly end: Float64Array;
  private readonly rr: Float64Array;
  private readonly nn: Uint8Array;
  private readonly adj: Uint8Array;
  private readonly cap: number;
  private head = 0;
  private count = 0;
  private readonly scratchRr: Float64Array;
  private readonly scratchAdj: Uint8Array;

  constructor(capacity: number) {
    this.cap = capacity;
    this.end = new Float64Array(capacity);
    this.rr = new Float64Array(capacity);
    this.nn = new Uint8Array(capacity);
    this.adj = new Uint8Array(capacity);
    this.scratchRr = new Float64Array(capacity);
    this.scratchAdj = new Uint8Array(capacity);
  }

  /** Add an RR interval ending at `endSample`; `nn` when both beats are normal-to-normal; `adjacent` when the previous interval shares its start beat. */
  push(endSample: number, rrS: number, nn: boolean, adjacent: boolean): void {
    const i = (this.head + this.count) % this.cap;
    this.end[i] = endSample;
    this.rr[i] = rrS;
    this.nn[i] = nn ? 1 : 0;
    this.adj[i] = adjacent ? 1 : 0;
    if (this.count < this.cap) this.count++;
    else this.head = (this.head + 1) % this.cap;
  }

  get size(): number {
    return this.count;
  }

  /** Monitor HR over the last (up to 12) intervals. */
  heartRate(): number | null {
    const n = Math.min(12, this.count);
    for (let k = 0; k < n; k++) this.scratchRr[k] = this.rr[(this.head + this.count - n + k) % this.cap] as number;
    return monitorHeartRate(this.scratchRr, n);
  }

  /** HRV over NN intervals ending in (fromSample, toSample]; null with fewer than minNn. */
  hrv(fromSample: number, toSample: number, minNn = 10): HrvStats | null {
    let n = 0;
    let prevTaken = false;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % this.cap;
      const e = this.end[i] as number;
      if (e <= fromSample || e > toSample || !this.nn[i]) {
        prevTaken = false;
        continue;
      }
      this.scratchRr[n] = this.rr[i] as number;
      this.scratchAdj[n] = prevTaken && this.adj[i] ? 1 : 0;
      n++;
      prevTaken = true;
    }
    if (n < minNn) return null;
    return hrvStats(this.scratchRr, this.scratchAdj, n);
  }
}
