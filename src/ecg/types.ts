/**
 * Public types of the streaming ECG analysis engine (src/ecg). The engine takes raw ADC
 * sample blocks and returns beats and window reports; it knows nothing about devices,
 * storage or the network (ARCHITECTURE.md), so `vigil analyze` and `vigil run` share it.
 */

export interface EcgLeadInfo {
  /** Lead name from the device or the WFDB header ("MLII", "V1", "II", "ECG" ...). */
  name: string;
  /** ADC units per mV (WFDB gain). */
  gain: number;
  /** ADC value of 0 mV. */
  baseline: number;
}

export interface EcgEngineOptions {
  sampleRate: number;
  leads: readonly EcgLeadInfo[];
  /** Mains frequency, Hz: the morphology filter nulls it with a moving average (default 60). */
  mainsHz?: number;
  /** Window report period, seconds (default 5). */
  windowS?: number;
  /** HRV window (trailing, over NN intervals), seconds (default 60; use 300 for 5-min HRV). */
  hrvWindowS?: number;
  /** Running RR average time constant, seconds (default 300, i.e. ~5 min). */
  rrRunningS?: number;
  /**
   * Start the running RR average at this value, s (default: from the first interval): a restart
   * after a short hole in the stream of the same patient (EcgEngine.rrRunningNowS of the engine
   * before it), so the long average does not take ~5 min to settle again.
   */
  rrRunningInitS?: number;
  /** Number of beats in the local RR average (default 10). */
  rrLocalBeats?: number;
  /** Morphology points per lead (default 90), spanning -0.25 s .. +0.4 s around the R peak. */
  morphologyPoints?: number;
  /** Learning period before the first decision, seconds (default 2). */
  learningS?: number;
  /** Record per-stage CPU time (filter / detect / features); costs a few hrtime calls per block. */
  profile?: boolean;
  /** Which lead is preferred for the fiducial / primary features (default: MLII, II, ECG, else lead 0). */
  primaryLead?: number;
  /** Suppress beats inside stretches flagged unanalyzable (default true). */
  suppressUnanalyzable?: boolean;
  /**
   * The patient is paced (set by the operator, IEC 60601-2-27): beats with a pacing pulse
   * (pace score >= PACE_SCORE_MIN, src/ecg/pace.ts) are labelled 'P'. Default false.
   */
  paced?: boolean;
  /** Detector tuning overrides (defaults: DETECTOR_DEFAULTS in engine.ts). For experiments. */
  detector?: Partial<Record<DetectorKnob, number>>;
}

export type DetectorKnob =
  | 'bandLowHz' | 'bandHighHz' | 'mwiS' | 'refractoryS' | 'holdS' | 'decideS' | 'thCoef' | 'sbCoef'
  | 'tWaveS' | 'tSlopeRatio' | 'weakMinRr' | 'weakNextRr' | 'maxRrS'
  | 'presenceMin' | 'absentRatio' | 'singlePremature' | 'pWaveS' | 'pWaveRatio' | 'pSlopeRatio'
  | 'earlyNoiseRatio' | 'earlyMinRel';

export interface Beat {
  /** Absolute sample index of the R peak (fiducial) in the stream. */
  sample: number;
  /** Lead index used for the fiducial. */
  lead: number;
  /** RR before this beat, seconds (null for the first beat or after a gap/unanalyzable stretch). */
  rrPrevS: number | null;
  /**
   * RR after this beat. Always null at emission: beats are emitted ~0.45 s after their R
   * peak, before the next beat is known. The next beat's rrPrevS is this beat's RR after.
   */
  rrNextS: number | null;
  /** Mean of the last `rrLocalBeats` RR intervals (including rrPrevS), seconds. */
  rrLocalS: number;
  /** Exponential running mean RR (time constant `rrRunningS`), seconds. */
  rrRunningS: number;
  /** QRS width estimate (onset to offset on the primary lead), seconds. */
  qrsWidthS: number;
  /** Peak-to-peak QRS amplitude on the fiducial lead, mV. */
  amplitudeMv: number;
  /** 0..1: detection strength × lead agreement × local signal quality. */
  quality: number;
  /** leads × morphologyPoints, lead-major, mV, baseline-corrected; see MORPHOLOGY_PRE_S/POST_S. */
  morphology: Float32Array;
  /**
   * 'N' by default; 'Q' when the beat lies in a noisy (but analyzable) stretch; 'P' (paced)
   * in a paced patient when a pacing pulse precedes it. The beat labeller replaces N/Q with
   * its class (N S V F Q); a paced beat stays 'P'.
   */
  label: string;
  /** Pacing-pulse score (src/ecg/pace.ts): the sharpest raw-signal event around the beat over the lead roughness; 0 unless the patient is set as paced. */
  paceScore?: number;
  /** A paced beat: the patient is set as paced and paceScore >= PACE_SCORE_MIN. */
  paced?: boolean;
}

export interface HrvStats {
  sdnnMs: number;
  rmssdMs: number;
  /** Fraction (0..1) of successive NN differences > 50 ms. */
  pnn50: number;
  nnCount: number;
}

export interface WindowReport {
  startSample: number;
  endSample: number;
  /**
   * Monitor-style HR at the window end (IEC 60601-2-27 / EC13 averaging), null when unknown or
   * asystole; the analysis chain also blanks it while the rhythm monitor holds asystole, VF,
   * noise or lead-off (RhythmMonitor.heartRateValid).
   */
  hrBpm: number | null;
  /** HRV over the trailing `hrvWindowS` of NN intervals at the window end; null with < 10 NN. */
  hrv: HrvStats | null;
  /** 0..1, mean over the window of the best lead's quality. */
  sqi: number;
  leadOff: boolean[];
  /** True when no lead was analyzable for at least half the window. */
  unanalyzable: boolean;
}

export interface StageTimes {
  filterNs: number;
  detectNs: number;
  featuresNs: number;
}
