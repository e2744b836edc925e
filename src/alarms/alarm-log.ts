/**
 * The persistent alarm log (IEC 60601-1-8 6.12: the log keeps time, identity, priority,
 * limits and silencing of alarm conditions). One LevelDB sublevel of the hub's store:
 *   log/<seq, 12 digits>  -> AlarmLogEntry
 *   state                 -> { seq, inForce: PersistedAlarm[] }
 * Each entry is written in one atomic batch with the alarms in force, with `sync: true`, so a
 * power cut loses at most the entry being written (LevelDB's journal is fsync'ed before the
 * write is reported done), and a restart finds the latched alarms to restore.
 *
 * On power loss: entries whose write completed are kept; the one in flight may be lost.
 * Writes are queued in order and never block the alarm manager (alarms are raised first,
 * logged right after); a failing write is reported through onError, and the first write that
 * succeeds after failures through onRecovered (the 'alarm-log-failed' alarm, src/pipeline/bedside.ts).
 */
import type { AbstractBatchOptions } from 'abstract-level';
import type { AlarmLogEntry } from '../api/live.ts';
import { errorMessage, VigilError } from '../core/errors.ts';
import type { OwnSublevel } from '../store/store.ts';
import type { AlarmSink, PersistedAlarm } from './manager.ts';

/** LevelDB fsyncs its journal before reporting the write done. */
const SYNC = { sync: true } as unknown as AbstractBatchOptions<string, unknown>;

const pad = (seq: number): string => String(seq).padStart(12, '0');

export interface AlarmLogState {
  readonly lastSeq: number;
  readonly inForce: readonly PersistedAlarm[];
  /** Why the alarms in force could not be read back, or null. */
  readonly unreadable: string | null;
}

export class AlarmLogStore implements AlarmSink {
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  /** The last write failed (cleared by the next one that succeeds). */
  private failing = false;
  written = 0;

  constructor(
    private readonly db: OwnSublevel,
    private readonly onError: (err: VigilError) => void = () => undefined,
    private readonly onRecovered: () => void = () => undefined,
  ) {}

  /** What a previous run left: the last sequence number and the alarms then in force. */
  async load(): Promise<AlarmLogState> {
    // An unreadable state record (a damaged value after a power cut) must not keep the bed
    // from being monitored: the hub starts without the alarms it would have restored, and
    // says so (`unreadable`; the composition root raises a storage alarm).
    let state: { seq?: unknown; inForce?: unknown } | undefined;
    let unreadable: string | null = null;
    try {
      state = (await this.db.get('state')) as { seq?: unknown; inForce?: unknown } | undefined;
    } catch (e: unknown) {
      unreadable = `alarm state record unreadable: ${errorMessage(e)}`;
    }
    let lastSeq = typeof state?.seq === 'number' && Number.isSafeInteger(state.seq) ? state.seq : 0;
    // The newest log key wins if the state record lags (it never should: same batch).
    for await (const key of this.db.keys({ gte: 'log/', lt: 'log/~', reverse: true, limit: 1 })) {
      const seq = Number(key.slice(4));
      if (Number.isSafeInteger(seq)) lastSeq = Math.max(lastSeq, seq);
    }
    const inForce = Array.isArray(state?.inForce) ? (state.inForce as PersistedAlarm[]).filter(isPersisted) : [];
    return { lastSeq, inForce, unreadable };
  }

  record(entry: AlarmLogEntry, inForce: readonly PersistedAlarm[]): void {
    const ops: { type: 'put'; key: string; value: unknown }[] = [
      { type: 'put', key: `log/${pad(entry.seq)}`, value: entry },
      { type: 'put', key: 'state', value: { seq: entry.seq, inForce } },
    ];
    this.chain = this.chain.then(async () => {
      try {
        // Sublevels hand their options to the root LevelDB (abstract-level's sublevel _batch), which
        // honours `sync`; the sublevel's types just don't list it.
        await this.db.batch(ops, SYNC);
        this.written++;
      } catch (e: unknown) {
        this.failures++;
        this.failing = true;
        notify(() => this.onError(new VigilError('VIGIL_STORE_IO', `alarm log entry ${entry.seq} not written: ${errorMessage(e)}`, { cause: e })));
        return;
      }
      if (this.failing) {
        this.failing = false;
        notify(this.onRecovered);
      }
    });
  }

  /** Resolves when every entry recorded so far has been written (or failed). */
  idle(): Promise<void> {
    return this.chain;
  }

  get failed(): number {
    return this.failures;
  }

  /** Newest first; `beforeSeq` pages back. */
  async read(opts: { limit: number; beforeSeq?: number }): Promise<AlarmLogEntry[]> {
    await this.chain;
    const out: AlarmLogEntry[] = [];
    const lt = opts.beforeSeq === undefined ? 'log/~' : `log/${pad(opts.beforeSeq)}`;
    for await (const value of this.db.values({ gte: 'log/', lt, reverse: true, limit: Math.max(0, Math.min(opts.limit, 10_000)) })) {
      out.push(value as AlarmLogEntry);
    }
    return out;
  }
}

/** A callback that throws must not reject the write chain (every later write would be skipped). */
function notify(f: () => void): void {
  try {
    f();
  } catch {
    // the callbacks log for themselves; nothing to add here
  }
}

function isPersisted(p: unknown): p is PersistedAlarm {
  if (typeof p !== 'object' || p === null) return false;
  const o = p as Record<string, unknown>;
  return typeof o.id === 'string' && typeof o.condition === 'string' && typeof o.onsetMs === 'number' && (o.state === 'active' || o.state === 'latched');
}
