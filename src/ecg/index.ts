/** Streaming ECG analysis: filtering, multi-lead QRS detection, beat features, HR/HRV, signal quality. */
export type { Beat, EcgEngineOptions, EcgLeadInfo, HrvStats, StageTimes, WindowReport } from './types.ts';
export { EcgEngine, analyzeSignals, preferredLead, DETECTOR_DEFAULTS } from './engine.ts';
export { MORPHOLOGY_PRE_S, MORPHOLOGY_POST_S } from './features.ts';
export { monitorHeartRate, hrvStats, RrHistory } from './rate.ts';
export { butterworth2, LeadFrontEnd, type Biquad } from './filters.ts';
export { QrsDetector } from './detector.ts';
export { LeadQuality, TICK_S } from './quality.ts';
