// Types for patterns.js (browser JS, also imported by the Node tests).
export interface BurstPattern {
  readonly priority: 'high' | 'medium' | 'low';
  readonly pulses: readonly { readonly startMs: number; readonly durMs: number }[];
  readonly repeatMs: number;
  readonly f0Hz: number;
  readonly harmonics: readonly number[];
  readonly riseMs: number;
}
export declare const HARMONICS: readonly number[];
export declare function burstPattern(priority: 'high' | 'medium' | 'low'): BurstPattern;
export declare const PRIORITY_RANK: Readonly<Record<'high' | 'medium' | 'low', number>>;
