/**
 * Buffered, serialized writes: every write to the database (batched appends and retention
 * deletes) goes through one promise queue, so the key counters committed with each batch
 * are exact and batches land in append order.
 *
 * A failed batch loses nothing: its records go back to the head of the buffer, in order,
 * and the next write retries them. The buffer is bounded only while writes keep failing:
 * beyond `maxBufferedBytes` the oldest unwritten waveform is dropped (counted and logged);
 * measurements and events are never dropped.
 */
import type { Logger } from '../core/log.ts';
import type { Counts, RootDb, SublevelName, Subs } from './db.ts';
import { classifyOpError } from './open-errors.ts';

export interface PendingOp {
  readonly sub: SublevelName;
  readonly key: string;
  /** CBOR-encoded at append time: a value that cannot be encoded fails its append, not a later batch. */
  readonly value: Buffer;
}

export interface WriteStats {
  readonly batches: number;
  readonly records: number;
  readonly failures: number;
  readonly droppedSegments: number;
  readonly lastError: string | null;
}

export interface BatchWriterOptions {
  readonly dir: string;
  readonly sync: boolean;
  readonly maxBufferedBytes: number;
  readonly logger: Logger;
  /** Also file every record in the uplink `feed` (see db.ts), in the same atomic batch. */
  readonly feed: boolean;
}

/** Length of the `<session:6>/<counter:10>` suffix every data key ends with (keys.ts). */
const SEQ_SUFFIX_LENGTH = 17;

type BatchOp =
  | { type: 'put'; key: string; value: unknown; sublevel: Subs[keyof Subs]; valueEncoding?: string }
  | { type: 'del'; key: string; sublevel: Subs[keyof Subs] };

export class BatchWriter {
  private pending: PendingOp[] = [];
  private pendingBytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private autoWriteQueued = false;
  private droppedSinceLog = 0;
  private readonly stats = { batches: 0, records: 0, failures: 0, droppedSegments: 0, lastError: null as string | null };

  constructor(
    private readonly db: RootDb,
    private readonly subs: Subs,
    private counts: Counts,
    private readonly opts: BatchWriterOptions,
  ) {}

  get bufferedOps(): number {
    return this.pending.length;
  }

  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  get keyCounts(): Readonly<Counts> {
    return this.counts;
  }

  writeStats(): WriteStats {
    return { ...this.stats };
  }

  push(op: PendingOp): void {
    this.pending.push(op);
    this.pendingBytes += op.value.length + op.key.length;
    if (this.pendingBytes > this.opts.maxBufferedBytes) this.dropOldestWave();
  }

  private dropOldestWave(): void {
    let dropped = 0;
    const kept: PendingOp[] = [];
    for (const op of this.pending) {
      if (op.sub === 'wave' && this.pendingBytes > this.opts.maxBufferedBytes) {
        this.pendingBytes -= op.value.length + op.key.length;
        dropped++;
      } else kept.push(op);
    }
    if (dropped === 0) return;
    this.pending = kept;
    this.stats.droppedSegments += dropped;
    // Once per burst, not once per segment, while the disk is failing.
    if (this.droppedSinceLog === 0) {
      this.opts.logger.error('store buffer full while writes fail: dropping oldest unwritten waveform', {
        dir: this.opts.dir, dropped, droppedTotal: this.stats.droppedSegments, lastError: this.stats.lastError,
      });
    }
    this.droppedSinceLog += dropped;
  }

  /** Serializes every write so counters stay exact. */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  /** Writes everything buffered now (after the writes already queued). */
  write(): Promise<void> {
    return this.enqueue(() => this.writePending());
  }

  /** Queues one background write unless one is already queued; failures are logged. */
  scheduleWrite(): void {
    if (this.autoWriteQueued) return;
    this.autoWriteQueued = true;
    this.enqueue(async () => {
      this.autoWriteQueued = false;
      await this.writePending();
    }).catch((e: unknown) => {
      this.opts.logger.error('store write failed; data stays buffered and is retried', { dir: this.opts.dir, err: e, bufferedOps: this.pending.length });
    });
  }

  /** Resolves when no write is in progress or queued. */
  async idle(): Promise<void> {
    let q: Promise<void>;
    do {
      q = this.queue;
      await q;
    } while (q !== this.queue);
  }

  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const ops = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const next: Counts = { ...this.counts };
    const batch: BatchOp[] = [];
    for (const op of ops) {
      next[op.sub]++;
      batch.push({ type: 'put', key: op.key, value: op.value, sublevel: this.subs[op.sub], valueEncoding: 'buffer' });
      if (this.opts.feed) batch.push({ type: 'put', key: op.key.slice(-SEQ_SUFFIX_LENGTH), value: op.sub + '|' + op.key, sublevel: this.subs.feed });
    }
    try {
      await this.commit(batch, next);
    } catch (e) {
      // Keep the data, in order, ahead of anything appended meanwhile; the next write retries.
      this.pending = ops.concat(this.pending);
      this.pendingBytes += bytes;
      this.stats.failures++;
      const err = classifyOpError(this.opts.dir, e, 'write a batch');
      this.stats.lastError = `${err.code}: ${err.message}`;
      throw err;
    }
    this.stats.batches++;
    this.stats.records += ops.length;
    if (this.droppedSinceLog > 0) {
      this.opts.logger.warn('store writes recovered', { dir: this.opts.dir, droppedSegments: this.droppedSinceLog });
      this.droppedSinceLog = 0;
    }
  }

  /** Deletes keys of one sublevel in one batch, after the writes already queued. */
  deleteKeys(sub: SublevelName, keys: readonly string[]): Promise<void> {
    return this.enqueue(async () => {
      const next: Counts = { ...this.counts, [sub]: Math.max(0, this.counts[sub] - keys.length) };
      const sublevel = this.subs[sub];
      try {
        await this.commit(keys.map((key) => ({ type: 'del' as const, key, sublevel })), next);
      } catch (e) {
        throw classifyOpError(this.opts.dir, e, 'delete old records');
      }
    });
  }

  /** Counters commit atomically with the data they count. */
  private async commit(batch: BatchOp[], next: Counts): Promise<void> {
    batch.push({ type: 'put', key: 'counts', value: next, sublevel: this.subs.meta });
    await this.db.batch<string, unknown>(batch, { sync: this.opts.sync });
    this.counts = next;
  }
}
