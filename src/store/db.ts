/**
 * Opening, versioning and repairing the LevelDB database behind the Store.
 *
 * Sublevels: `wave`, `meas`, `events` (CBOR values, see codec.ts; keys, see keys.ts) and
 * `meta` (JSON): `schemaVersion`, `session` (incremented at every open, part of every key),
 * `counts` (keys per data sublevel, committed in the same batch as the data they count, so
 * stats() never has to scan).
 *
 * The uplink's part (src/uplink): `feed` (key `<session>/<counter>`, the suffix of a data key,
 * so key order is append order; value `<sublevel>|<data key>`): one entry per record not yet
 * cut into an uplink batch, written in the same LevelDB batch as the record itself when the
 * store is opened with `feed: true`; `outbox` (key `<seq:12>`, the encoded batch) and
 * `outboxIdx` (same key, JSON facts about the batch: size, waveform samples, state).
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Level } from 'level';
import { VigilError } from '../core/errors.ts';
import { createCborEncoding, type CborEncoding } from './codec.ts';
import { classifyOpError, classifyOpenError, corruptError, ioError } from './open-errors.ts';

/** Layout version written in `meta`; bump on any incompatible key or value change. */
export const STORE_SCHEMA_VERSION = 1;

export type SublevelName = 'wave' | 'meas' | 'events';
export const DATA_SUBS: readonly SublevelName[] = ['wave', 'meas', 'events'];
export type Counts = Record<SublevelName, number>;

export type RootDb = Level<string, string>;

export function makeSubs(db: RootDb, cbor: CborEncoding) {
  return {
    wave: db.sublevel<string, unknown>('wave', { keyEncoding: 'utf8', valueEncoding: cbor }),
    meas: db.sublevel<string, unknown>('meas', { keyEncoding: 'utf8', valueEncoding: cbor }),
    events: db.sublevel<string, unknown>('events', { keyEncoding: 'utf8', valueEncoding: cbor }),
    meta: db.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' }),
    feed: db.sublevel<string, unknown>('feed', { keyEncoding: 'utf8', valueEncoding: 'utf8' }),
    outbox: db.sublevel<string, unknown>('outbox', { keyEncoding: 'utf8', valueEncoding: 'buffer' }),
    outboxIdx: db.sublevel<string, unknown>('outboxIdx', { keyEncoding: 'utf8', valueEncoding: 'json' }),
  };
}
export type Subs = ReturnType<typeof makeSubs>;

export interface OpenedDb {
  readonly dir: string;
  readonly db: RootDb;
  readonly subs: Subs;
  readonly cbor: CborEncoding;
  readonly session: number;
  readonly counts: Counts;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Creates the directory if needed, opens LevelDB, checks the layout version, starts a session. */
export async function openDatabase(dirIn: string): Promise<OpenedDb> {
  const dir = path.resolve(dirIn);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw ioError(dir, e, 'create the directory');
  }
  const db: RootDb = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
  } catch (e) {
    throw await classifyOpenError(dir, e);
  }
  const cbor = createCborEncoding();
  const subs = makeSubs(db, cbor);
  try {
    const { session, counts } = await initMeta(dir, subs);
    return { dir, db, subs, cbor, session, counts };
  } catch (e) {
    await db.close().catch(() => undefined);
    throw classifyOpError(dir, e, 'read the store metadata');
  }
}

async function initMeta(dir: string, subs: Subs): Promise<{ session: number; counts: Counts }> {
  const version = await subs.meta.get('schemaVersion');
  if (version === undefined) {
    await subs.meta.put('schemaVersion', STORE_SCHEMA_VERSION);
  } else if (!isCount(version)) {
    throw corruptError(dir, new Error('invalid schemaVersion'), `schemaVersion ${JSON.stringify(version)} is not a version number`);
  } else if (version > STORE_SCHEMA_VERSION) {
    throw new VigilError(
      'VIGIL_STORE_SCHEMA_UNSUPPORTED',
      `store ${dir} has layout version ${version} but this vigil understands up to ${STORE_SCHEMA_VERSION}: it was written by a newer vigil; upgrade vigil or use another directory`,
      { details: { dir, version, supported: STORE_SCHEMA_VERSION } },
    );
  }
  const prev = await subs.meta.get('session');
  const session = (isCount(prev) ? prev : 0) + 1;
  await subs.meta.put('session', session);
  const stored = await subs.meta.get('counts');
  if (typeof stored === 'object' && stored !== null && DATA_SUBS.every((s) => isCount((stored as Record<string, unknown>)[s]))) {
    return { session, counts: stored as Counts };
  }
  // First open, or after a repair dropped the counters: count once, then keep them up to date.
  const counts: Counts = { wave: 0, meas: 0, events: 0 };
  for (const s of DATA_SUBS) for await (const _ of subs[s].keys()) counts[s]++;
  await subs.meta.put('counts', counts);
  return { session, counts };
}

/**
 * LevelDB RepairDB: rescans tables and logs, writes a new MANIFEST and CURRENT. Records in
 * damaged blocks are lost. Refuses a database another process has open.
 */
export async function repairDatabase(dirIn: string): Promise<void> {
  const dir = path.resolve(dirIn);
  const repairFn = (Level as unknown as { repair?: (location: string) => Promise<void> }).repair;
  if (typeof repairFn !== 'function') throw ioError(dir, new Error('backend has no repair'), 'repair');
  try {
    await stat(path.join(dir, 'LOCK'));
  } catch (e) {
    throw ioError(dir, e, 'repair: no LevelDB store there');
  }
  // RepairDB does not take the LOCK file, and repairing under a running vigil would wreck
  // its database: probe the lock first (the window until the repair starts is tiny).
  const probe: RootDb = new Level<string, string>(dir, { createIfMissing: false });
  try {
    await probe.open();
    await probe.close();
  } catch (e) {
    const err = await classifyOpenError(dir, e);
    if (err.code === 'VIGIL_STORE_LOCKED') throw err;
  }
  try {
    await repairFn.call(Level, dir);
  } catch (e) {
    throw await classifyOpenError(dir, e);
  }
  // Counters may no longer match what survived: drop them so the next open recounts.
  const db: RootDb = new Level<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open();
    await makeSubs(db, createCborEncoding()).meta.del('counts');
  } catch (e) {
    throw await classifyOpenError(dir, e);
  } finally {
    await db.close().catch(() => undefined);
  }
}
