/** Streaming rhythm detectors and the monitor that composes them (see README.md). */
export { RhythmMonitor, type RhythmMonitorOptions } from './monitor.ts';
export { resolveRhythmConfig, type RhythmConfig } from './config.ts';
export { ConditionTracker, type RhythmEvent } from './events.ts';
export { rhythmAnnotations, type RhythmAnnotationOptions } from './annotations.ts';
export { VfDetector, VF_TUNING, type VfFeatures } from './vf.ts';
export { AfDetector, AF_TUNING, type AfFeatures } from './af.ts';
export { VentricularDetector } from './ventricular.ts';
export { BeatTimingDetector } from './rate.ts';
