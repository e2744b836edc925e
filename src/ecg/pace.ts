/**
 * Pacemaker pulses at a beat, for a patient set as paced (config `analysis.paced`,
 * `vigil analyze --paced`).
 *
 * IEC 60601-2-27 requires a monitor to tell paced beats from the patient's own and to
 * reject pacing pulses, and has the operator state whether the patient is paced. Two kinds
 * of pulse reach the hub:
 *  - steep ones (2-700 mV over 0.1-2 ms, a front end that passes them): the front end holds
 *    its input for 8 ms over them (spike blanking, filters.ts), so they never reach the QRS
 *    filters, and they are also the sharpest event of the raw signal;
 *  - pulses smeared over a few samples by a recorder's band limit (the MIT-BIH paced records
 *    102 and 104 at 360 Hz): too slow for the blanker, but still far sharper than any QRS of
 *    the same patient.
 * Both show in the front end's `pace` ring (|second difference| of the raw input) against the
 * lead's `roughness` (its running 90th percentile). A beat's score is, over the leads that carry signal,
 * the smallest of each lead's largest ratio from PACE_PRE_S before to PACE_POST_S after its
 * fiducial (a pacing pulse is one electrical event seen by every lead; a sharp QRS edge or a
 * noise spike is rarely the sharpest thing on all leads at once).
 *
 * Measured with the engine on the records here (beats matched to the reference): paced beats
 * ('/' and 'f') of 102 score 8.4 at the 1st percentile, those of 104 7.9 at the 10th (its noisy
 * first minutes raise the leads' roughness); the same patients' own beats at most 4.0 (102) and
 * 9.0 at the 99th percentile (104, 4 of 192 above the threshold); the 51,438 beats of the 22
 * unpaced DS1 records 6.2 at the 99.9th percentile (15 above). PACE_SCORE_MIN sits between.
 * Only two paced records exist here, so the threshold is chosen on the records it is measured
 * on: a known limit (README, notes for maintainers).
 *
 * Sample rate: a 0.5-ms pulse is 1/8 of a sample period at 250 Hz and lands on one sample or
 * splits over two; on the synthetic patient (5-mV pulse in II, 3 mV in V1) the engine marks
 * ~80 % of paced beats at 360-500 Hz and all at 1 kHz, and the adaptive stage's paced family
 * (adapt.ts: a non-premature beat of a shape cluster >= 30 % of whose beats carried a pulse)
 * marks the rest; at 250 Hz about half the pulses score below the threshold and some beats stay
 * unpaced. Monitors detect pace pulses in hardware at kHz rates for this reason.
 *
 * Not handled: loss of capture (a pulse with no QRS after it): the QRS detector may take the
 * smeared pulse itself for a beat. Hubs whose ECG board reports pace pulses should pass them
 * in as such (not implemented: none of the supported boards reports them).
 */
import type { LeadFrontEnd } from './filters.ts';

/** Window around the fiducial searched for a pacing pulse: atrial pulses lead the R peak by up to ~250 ms. */
export const PACE_PRE_S = 0.25;
export const PACE_POST_S = 0.08;
/** Pace score from which a beat of a paced patient is paced. */
export const PACE_SCORE_MIN = 7.5;

/**
 * The pace score of the beat at `fid`: min over leads with weight > 0 of the lead's largest
 * |second difference| in [fid - PACE_PRE_S, fid + PACE_POST_S] over its current roughness.
 * 0 when no lead carries signal. The front ends must track pacing (paceTracking).
 */
export function paceScore(fe: readonly LeadFrontEnd[], weight: ArrayLike<number>, fid: number, fs: number): number {
  const a = fid - Math.round(PACE_PRE_S * fs);
  const b = fid + Math.round(PACE_POST_S * fs);
  let score = Infinity;
  for (let i = 0; i < fe.length; i++) {
    if (!((weight[i] as number) > 0)) continue;
    const f = fe[i] as LeadFrontEnd;
    const ring = f.pace;
    const mask = f.mask;
    let mx = 0;
    for (let n = a; n <= b; n++) {
      const v = ring[n & mask] as number;
      if (v > mx) mx = v;
    }
    mx /= f.roughness;
    if (mx < score) score = mx;
  }
  return score === Infinity ? 0 : score;
}
