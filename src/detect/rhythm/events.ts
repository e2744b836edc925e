/**
 * Onset/offset events of the rhythm conditions, and the small state holder every detector
 * writes through so that onsets and offsets always pair up (one open episode per condition).
 */
import { CONDITIONS, CONDITION_IDS, type ConditionId } from '../conditions.ts';

export interface RhythmEvent {
  condition: ConditionId;
  phase: 'onset' | 'offset';
  /** Stream sample index where the condition starts / ends (best estimate, may lie in the past). */
  sample: number;
  /** Stream sample index at which the detector decided (>= sample): alarm latency = this - true onset. */
  detectedAtSample: number;
  detail?: Record<string, number | string>;
}

const INDEX: ReadonlyMap<ConditionId, number> = new Map(CONDITION_IDS.map((id, i) => [id, i] as const));

/**
 * Arrhythmia conditions whose onsets are suspended while the ECG cannot be analysed (the
 * "noise" technical condition): every medium and low priority one of the condition table (Run
 * PVCs, AF, pause, HR limits, PVCs/min, couplets, bigeminy, trigeminy), judged from beat labels
 * and intervals that noise makes up or hides. The high-priority ones (asystole, VF, VTach,
 * extreme brady/tachy) are not: missing one costs more than a false one, and the asystole clock
 * has its own noise guard (credible.ts). Bedside monitors do the same ("Cannot analyze ECG":
 * arrhythmia analysis suspended, a technical alarm instead).
 */
export const SUSPENDED_IN_NOISE: ReadonlySet<ConditionId> = new Set<ConditionId>(CONDITIONS.filter((c) => !c.technical && c.priority !== 'high').map((c) => c.id));

export class ConditionTracker {
  private readonly activeSince = new Float64Array(CONDITION_IDS.length).fill(-1);
  private readonly off = new Uint8Array(CONDITION_IDS.length);
  /** Sample of the last offset per condition (-1: none): a new episode never starts before it. */
  private readonly lastEnd = new Float64Array(CONDITION_IDS.length).fill(-1);
  private events: RhythmEvent[] = [];
  /** While true, onsets of SUSPENDED_IN_NOISE conditions are dropped (set by the monitor while "noise" holds). */
  suspended = false;

  constructor(disabled: readonly ConditionId[] = []) {
    for (const id of disabled) this.off[INDEX.get(id) as number] = 1;
  }

  isActive(id: ConditionId): boolean {
    return (this.activeSince[INDEX.get(id) as number] as number) >= 0;
  }

  /** Onset sample of the open episode, or -1. */
  since(id: ConditionId): number {
    return this.activeSince[INDEX.get(id) as number] as number;
  }

  /** Open an episode (no-op when already open or switched off). Returns true when it opened. */
  onset(id: ConditionId, sample: number, detectedAt: number, detail?: Record<string, number | string>): boolean {
    const i = INDEX.get(id) as number;
    if (this.off[i] === 1 || (this.activeSince[i] as number) >= 0) return false;
    if (this.suspended && SUSPENDED_IN_NOISE.has(id)) return false;
    // Onsets never precede the previous event of this condition (monotone per condition).
    // (An onset can be dated back, e.g. to the start of an unanalyzable window, past the end of
    // an episode of the same condition that another source closed: the episodes would overlap.)
    const s = Math.max(0, this.lastEnd[i] as number, Math.min(sample, detectedAt));
    this.activeSince[i] = s;
    this.events.push(detail === undefined ? { condition: id, phase: 'onset', sample: s, detectedAtSample: detectedAt } : { condition: id, phase: 'onset', sample: s, detectedAtSample: detectedAt, detail });
    return true;
  }

  /** Close the open episode (no-op when none). The end never precedes the start. */
  offset(id: ConditionId, sample: number, detectedAt: number, detail?: Record<string, number | string>): boolean {
    const i = INDEX.get(id) as number;
    const since = this.activeSince[i] as number;
    if (since < 0) return false;
    this.activeSince[i] = -1;
    const s = Math.max(since + 1, Math.min(sample, detectedAt));
    this.lastEnd[i] = s;
    this.events.push(detail === undefined ? { condition: id, phase: 'offset', sample: s, detectedAtSample: Math.max(detectedAt, s) } : { condition: id, phase: 'offset', sample: s, detectedAtSample: Math.max(detectedAt, s), detail });
    return true;
  }

  /** Close every open episode (end of stream). */
  closeAll(sample: number): void {
    for (const id of CONDITION_IDS) this.offset(id, sample, sample, { reason: 'end' });
  }

  drain(): RhythmEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }
}
