/**
 * Range helpers over one sublevel: listing series by skip-scan, directory size, and the
 * classic-level-only size/compaction calls (absent from `level`'s universal typings).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseSeriesKey, prefixEnd } from './keys.ts';

/** The part of a sublevel the helpers need (keeps them independent of abstract-level generics). */
export interface KeySource {
  keys(options: { gte?: string; gt?: string; lt?: string; reverse?: boolean; limit?: number }): { all(): Promise<string[]> };
}

export interface SeriesInfo {
  readonly deviceId: string;
  /** Channel name (wave) or metric (meas). */
  readonly name: string;
  readonly prefix: string;
  /** Key time of the oldest and newest record (segment start for waveforms). */
  readonly oldestMs: number;
  readonly newestMs: number;
}

/**
 * Every "<device>/<name>/" series in a sublevel, by skip-scan: two seeks per series
 * (first and last key) instead of reading every key, so it stays cheap on a week of data.
 */
export async function listSeries(sub: KeySource): Promise<SeriesInfo[]> {
  const out: SeriesInfo[] = [];
  let cursor = '';
  for (;;) {
    const [first] = await sub.keys({ gte: cursor, limit: 1 }).all();
    if (first === undefined) break;
    const p = parseSeriesKey(first);
    if (p === null) {
      // A key we did not write: step over it rather than loop forever.
      cursor = first + '\u0000';
      continue;
    }
    const end = prefixEnd(p.prefix);
    const [last] = await sub.keys({ gte: p.prefix, lt: end, reverse: true, limit: 1 }).all();
    const lp = last === undefined ? null : parseSeriesKey(last);
    out.push({ deviceId: p.deviceId, name: p.name, prefix: p.prefix, oldestMs: p.timeMs, newestMs: lp?.timeMs ?? p.timeMs });
    cursor = end;
  }
  return out;
}

/** Bytes used by the files in the store directory (what a disk quota is about). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    try {
      const st = await stat(path.join(dir, name));
      if (st.isFile()) total += st.size;
    } catch {
      // LevelDB deletes obsolete files concurrently; a vanished file uses no space.
    }
  }
  return total;
}

/** classic-level's approximateSize / compactRange on root-level (prefixed) string keys. */
export interface RangeOps {
  approximateSize(start: string, end: string): Promise<number>;
  compactRange(start: string, end: string): Promise<void>;
}

export function rangeOps(db: object): RangeOps | null {
  const d = db as Partial<Record<keyof RangeOps, unknown>>;
  if (typeof d.approximateSize !== 'function' || typeof d.compactRange !== 'function') return null;
  return db as RangeOps;
}
