/**
 * Retention: delete by age per sublevel, then enforce a disk quota by deleting the oldest
 * waveform. Measurements and events are small and clinically more important (trends,
 * alarm history), so the quota never touches them: they go only by age.
 *
 * Deleted LevelDB records keep using disk until compaction rewrites the tables that hold
 * them, so each deleted range is compacted right away; because keys are time-ordered per
 * series, the tables covering an old range hold mostly old data and are simply dropped.
 */
import type { Clock } from '../core/clock.ts';
import { VigilError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { padTime } from './keys.ts';
import type { SeriesInfo } from './ranges.ts';

type Sub = 'wave' | 'meas' | 'events';

export interface RetentionPolicy {
  /** Maximum age (ms before the clock's wall time); one number for all, or per sublevel. Absent = keep. */
  maxAgeMs?: number | { readonly wave?: number; readonly meas?: number; readonly events?: number };
  /** Quota for the whole store directory, in bytes. */
  maxBytes?: number;
  /**
   * When over quota, trim to this fraction below maxBytes so the next run does not trim
   * again straight away. Default 0.1.
   */
  quotaHeadroom?: number;
}

export interface RetentionReport {
  /** Wall time the run used as "now". */
  readonly nowMs: number;
  readonly cutoffMs: Readonly<Record<Sub, number | null>>;
  /** Keys deleted by age, per sublevel (one waveform key = one segment). */
  readonly deletedByAge: Readonly<Record<Sub, number>>;
  /** Waveform segments deleted to meet the quota, and the segment-start time they were cut below. */
  readonly deletedByQuota: number;
  readonly quotaCutoffMs: number | null;
  readonly diskBytesBefore: number;
  readonly diskBytesAfter: number;
  /** Still above maxBytes after deleting all the waveform the quota may delete. */
  readonly overQuota: boolean;
}

export interface RetentionTarget {
  applyRetention(policy: RetentionPolicy): Promise<RetentionReport>;
}

/** What the store lends the retention pass. */
export interface RetentionOps {
  readonly dir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  isOpen(): boolean;
  listSeries(sub: 'wave' | 'meas'): Promise<SeriesInfo[]>;
  deleteRange(sub: Sub, gte: string, lt: string): Promise<number>;
  compact(sub: Sub, gte: string, lt: string): Promise<void>;
  approxBytes(sub: Sub): Promise<number | null>;
  diskBytes(): Promise<number>;
}

const MAX_QUOTA_PASSES = 8;

function checkAge(v: number | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < 0) throw new VigilError('VIGIL_CONFIG_INVALID', `retention ${what} must be a non-negative number of ms, got ${v}`);
  return v;
}

function agesOf(policy: RetentionPolicy): Record<Sub, number | undefined> {
  const a = policy.maxAgeMs;
  if (typeof a === 'number' || a === undefined) {
    const v = checkAge(a, 'maxAgeMs');
    return { wave: v, meas: v, events: v };
  }
  return { wave: checkAge(a.wave, 'maxAgeMs.wave'), meas: checkAge(a.meas, 'maxAgeMs.meas'), events: checkAge(a.events, 'maxAgeMs.events') };
}

/** Deletes [series start, cutoff) in each series; returns keys deleted. */
async function cutSeries(ops: RetentionOps, sub: 'wave' | 'meas', series: readonly SeriesInfo[], cutoffMs: number): Promise<number> {
  let n = 0;
  for (const s of series) {
    if (s.oldestMs >= cutoffMs) continue;
    const lt = s.prefix + padTime(cutoffMs);
    const k = await ops.deleteRange(sub, s.prefix, lt);
    if (k > 0) await ops.compact(sub, s.prefix, lt);
    n += k;
  }
  return n;
}

export async function applyRetention(ops: RetentionOps, policy: RetentionPolicy): Promise<RetentionReport> {
  const ages = agesOf(policy);
  const maxBytes = policy.maxBytes;
  if (maxBytes !== undefined && !(Number.isFinite(maxBytes) && maxBytes > 0)) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `retention maxBytes must be a positive number, got ${maxBytes}`);
  }
  const headroom = Math.min(0.9, Math.max(0, policy.quotaHeadroom ?? 0.1));
  if (!ops.isOpen()) throw new VigilError('VIGIL_STORE_NOT_OPEN', `store ${ops.dir} is not open`, { details: { dir: ops.dir } });

  const nowMs = ops.clock.wallMs();
  const diskBytesBefore = await ops.diskBytes();
  const cutoffMs: Record<Sub, number | null> = { wave: null, meas: null, events: null };
  const deletedByAge: Record<Sub, number> = { wave: 0, meas: 0, events: 0 };
  for (const sub of ['wave', 'meas', 'events'] as const) {
    const age = ages[sub];
    if (age === undefined) continue;
    const cutoff = nowMs - age;
    cutoffMs[sub] = cutoff;
    if (sub === 'events') {
      // Events are keyed by time first: one range for all of them.
      const lt = padTime(cutoff);
      deletedByAge.events = await ops.deleteRange('events', '', lt);
      if (deletedByAge.events > 0) await ops.compact('events', '', lt);
    } else {
      deletedByAge[sub] = await cutSeries(ops, sub, await ops.listSeries(sub), cutoff);
    }
  }

  const anyAged = deletedByAge.wave + deletedByAge.meas + deletedByAge.events > 0;
  let after = anyAged ? await ops.diskBytes() : diskBytesBefore;
  let deletedByQuota = 0;
  let quotaCutoffMs: number | null = null;
  if (maxBytes !== undefined && after > maxBytes) {
    const target = maxBytes * (1 - headroom);
    for (let pass = 0; pass < MAX_QUOTA_PASSES && after > target; pass++) {
      const series = await ops.listSeries('wave');
      if (series.length === 0) break;
      const oldest = Math.min(...series.map((s) => s.oldestMs));
      const newest = Math.max(...series.map((s) => s.newestMs));
      // Assume waveform bytes are spread evenly over time (a steady sample rate): delete the
      // oldest fraction of the time span that matches the excess. Repeat if the estimate fell short.
      const waveBytes = (await ops.approxBytes('wave')) || after;
      const fraction = Math.min(1, (after - target) / Math.max(1, waveBytes));
      const cutoff = oldest + Math.max(1, Math.ceil(fraction * (newest - oldest + 1)));
      deletedByQuota += await cutSeries(ops, 'wave', series, cutoff);
      quotaCutoffMs = cutoff;
      after = await ops.diskBytes();
    }
  }
  const overQuota = maxBytes !== undefined && after > maxBytes;
  if (overQuota) {
    ops.logger.warn('store still over its quota after deleting the oldest waveform; measurements and events are kept until they age out', {
      dir: ops.dir, diskBytes: after, maxBytes,
    });
  }
  return { nowMs, cutoffMs, deletedByAge, deletedByQuota, quotaCutoffMs, diskBytesBefore, diskBytesAfter: after, overQuota };
}
