/**
 * Asystole in noise: is a true asystole still alarmed when the flat line carries real noise?
 *
 * No annotated database holds asystoles with a measured noise level, so they are made: at
 * fixed times a record's ECG is replaced by a flat line (the last sample before it) plus a
 * stretch of a real noise recording (MIT-BIH Noise Stress Test Database: 'ma' muscle
 * artefact, 'bw' baseline wander, 'em' electrode motion), scaled to a chosen RMS in mV on
 * every lead. The record then goes through the hub's own analysis chain (engine + rhythm
 * monitor, no classifier: asystole does not depend on beat classes) and each made asystole
 * is scored:
 *  - alarmed: an asystole onset dated inside it and decided by start + asystoleS + ALARM_SLACK_S
 *    (the alarm latches: the nurse sees it until acknowledged);
 *  - held: alarmed, and no offset before its end minus one second (no noise detection ended it);
 *  - technical instead: not alarmed, but a noise or lead-off technical alarm began inside it
 *    (the hub said it could not read the ECG, which is what it should say under heavy noise);
 *  - other onsets: asystole onsets outside the made asystoles (false ones, or the real data's).
 * The original signals are not modified (copies) and nothing is written.
 */
import { AnalysisChain } from '../analysis/chain.ts';
import { resolveRhythmConfig } from '../detect/rhythm/config.ts';
import { effectiveGain } from '../wfdb/header.ts';
import type { WfdbRecord } from '../wfdb/record.ts';
import { PACED_RECORDS } from './stats.ts';

/** Decision slack after start + asystoleS: beat latency (~0.5 s) and one 1-s block, with margin. */
export const ALARM_SLACK_S = 2.5;

export interface AsystoleTrialOptions {
  /** Start times of the made asystoles, s. */
  atS: readonly number[];
  /** Length of each made asystole, s (default 12). */
  durationS?: number;
  /** Noise RMS on every lead, mV. */
  rmsMv: number;
  /** The patient is paced (its hub set as paced: analysis.paced); default: one of PACED_RECORDS. */
  paced?: boolean;
}

export interface AsystoleTrial {
  record: string;
  made: number;
  alarmed: number;
  /** Alarmed and not ended before the made asystole's end (minus 1 s). */
  held: number;
  /** Start times (s) of the made asystoles that were not alarmed. */
  missed: number[];
  /** Of the missed ones, those during which a technical alarm (noise, lead-off) was raised instead. */
  technical: number[];
  /** Asystole onsets (s) outside the made asystoles. */
  otherOnsets: number[];
  /**
   * Window reports ending inside a made asystole once its alarm is due (asystole delay + slack
   * after its start): how many, and how many still carry a heart rate (counted from noise).
   */
  rateWindows: { total: number; withRate: number };
}

/**
 * `n` samples of the noise recording from sample `from` (lead `lead` modulo its leads), mean
 * removed and scaled to `rmsMv` RMS, in ADC units of a signal of `gainPerMv`; null when the
 * noise recording is too short.
 */
export function scaledNoise(noise: WfdbRecord, lead: number, from: number, n: number, rmsMv: number, gainPerMv: number): Float64Array | null {
  const nz = noise.signals[lead % noise.signals.length] as Int32Array;
  if (from < 0 || from + n > nz.length) return null;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += nz[from + i] as number;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += ((nz[from + i] as number) - mean) ** 2;
  const k = (rmsMv * gainPerMv) / (Math.sqrt(v / n) || 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((nz[from + i] as number) - mean) * k;
  return out;
}

/** Splice the asystoles into copies of `rec`'s signals and score them. */
export function asystoleTrial(name: string, rec: WfdbRecord, noise: WfdbRecord, opts: AsystoleTrialOptions): AsystoleTrial {
  const fs = rec.header.samplingFrequency;
  const dur = opts.durationS ?? 12;
  const gains = rec.header.signals.map((s) => effectiveGain(s));
  const sig = rec.signals.map((s) => Int32Array.from(s));
  const n = Math.round(dur * fs);
  for (const at of opts.atS) {
    const a = Math.round(at * fs);
    if (a < 1 || a + n > rec.length) throw new RangeError(`asystole at ${at} s does not fit in ${name}`);
    for (let l = 0; l < sig.length; l++) {
      const seg = scaledNoise(noise, l, a, n, opts.rmsMv, gains[l] as number);
      if (seg === null) throw new RangeError(`noise record shorter than ${at + dur} s`);
      const dst = sig[l] as Int32Array;
      const base = dst[a - 1] as number;
      for (let i = 0; i < n; i++) dst[a + i] = Math.round(base + (seg[i] as number));
    }
  }
  const chain = new AnalysisChain({
    sampleRate: fs,
    leads: rec.header.signals.map((s, i) => ({ name: s.description, gain: gains[i] as number, baseline: s.baseline })),
    paced: opts.paced ?? PACED_RECORDS.includes(name),
  });
  const events: Array<{ s: number; detected: number; onset: boolean }> = [];
  const tech: Array<{ s: number; onset: boolean }> = [];
  const asystoleS = resolveRhythmConfig().asystoleS;
  const rateWindows = { total: 0, withRate: 0 };
  const take = (out: ReturnType<AnalysisChain['pushSync']>): void => {
    for (const w of out.windows) {
      const end = w.endSample / fs;
      if (!opts.atS.some((at) => end >= at + asystoleS + ALARM_SLACK_S && end <= at + dur)) continue;
      rateWindows.total++;
      if (w.hrBpm !== null) rateWindows.withRate++;
    }
    for (const e of out.rhythm) {
      if (e.condition === 'asystole') events.push({ s: e.sample / fs, detected: e.detectedAtSample / fs, onset: e.phase === 'onset' });
      else if (e.condition === 'noise' || e.condition === 'lead-off') tech.push({ s: e.sample / fs, onset: e.phase === 'onset' });
    }
  };
  for (let off = 0; off < rec.length; off += fs) {
    const k = Math.min(fs, rec.length - off);
    take(chain.pushSync(sig.map((s) => s.subarray(off, off + k)), k));
  }
  take(chain.finishSync());
  const inside = (t: number): boolean => opts.atS.some((at) => t >= at - 1 && t < at + dur);
  const missed: number[] = [];
  let held = 0;
  for (const at of opts.atS) {
    const on = events.find((e) => e.onset && e.s >= at - 1 && e.s < at + dur && e.detected <= at + asystoleS + ALARM_SLACK_S);
    const off = on ? events.find((e) => !e.onset && e.s > on.s) : undefined;
    if (!on) missed.push(at);
    else if (!off || off.s >= at + dur - 1) held++;
  }
  return {
    record: name,
    made: opts.atS.length,
    alarmed: opts.atS.length - missed.length,
    held,
    missed,
    technical: missed.filter((at) => tech.some((e) => e.onset && e.s >= at - 1 && e.s < at + dur)),
    otherOnsets: events.filter((e) => e.onset && !inside(e.s)).map((e) => Math.round(e.s * 10) / 10),
    rateWindows,
  };
}
