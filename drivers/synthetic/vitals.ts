/**
 * Slowly drifting vital signs (SpO2, respiration rate, temperature) for the Measurement
 * events. Each is a mean-reverting random walk (discrete Ornstein-Uhlenbeck, one step per
 * second of signal time) pulled toward the current segment's target, so a scripted
 * desaturation falls over tens of seconds, as an oximeter with its averaging would show.
 */
import type { Prng } from './prng.ts';
import type { Segment } from './scenario.ts';

/** Time constants (s) and per-second noise (sd) of the drift. */
const SPO2 = { tau: 12, sd: 0.12, lo: 50, hi: 100 };
const RESP = { tau: 20, sd: 0.25, lo: 0, hi: 80 };
const TEMP = { tau: 120, sd: 0.004, lo: 30, hi: 43 };

export class VitalsModel {
  spo2: number;
  respRate: number;
  tempC: number;

  constructor(first: Segment) {
    this.spo2 = first.spo2;
    this.respRate = first.respRate;
    this.tempC = first.tempC;
  }

  /** One second of drift toward `seg`'s targets. */
  step(seg: Segment, rng: Prng): void {
    this.spo2 = ou(this.spo2, seg.spo2, SPO2, rng);
    this.respRate = ou(this.respRate, seg.respRate, RESP, rng);
    this.tempC = ou(this.tempC, seg.tempC, TEMP, rng);
  }
}

function ou(x: number, target: number, p: { tau: number; sd: number; lo: number; hi: number }, rng: Prng): number {
  const next = x + (target - x) * (1 - Math.exp(-1 / p.tau)) + p.sd * rng.gauss();
  return Math.min(p.hi, Math.max(p.lo, next));
}
