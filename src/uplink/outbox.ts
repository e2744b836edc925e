/**
 * The durable outbox: encoded batches waiting for the upstream's acknowledgement, in the
 * store's LevelDB (sublevels `outbox` and `outboxIdx`, see src/store/db.ts).
 *
 * Crash safety: a batch enters the outbox in ONE synced LevelDB batch together with the
 * deletion of the feed entries it was cut from and the next sequence number, so after a crash
 * or power cut the batch is either there (and will be sent) or not cut at all (its records are
 * still in the feed and will be cut again, under the same sequence number). A batch leaves
 * only when the upstream acknowledged it (`ack`), or is set aside when the upstream rejected
 * it as permanently bad (`park`: kept for inspection, never retried in a loop).
 *
 * Quota (`maxBytes`): above it, the waveform of the oldest queued batches is dropped, one batch
 * at a time, until the outbox fits: the batch is re-encoded without its `waves` and with a
 * `dropped` entry describing what went (so the receiver sees the hole, and the sequence stays
 * contiguous). Beats, vitals, events and alarms are never dropped: if only they are left the
 * outbox grows beyond its quota, and says so in the log. Every drop is counted, logged and
 * reported through `onDrop` (the hub raises the `outbox-drop` technical alarm).
 */
import { SystemClock, type Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import type { UplinkAccess } from '../store/store.ts';
import { batchSampleCount, decodeBatch, encodeBatch, type Batch } from './batch.ts';

/** Width of the zero-padded sequence in outbox keys: key order is sequence order. */
const SEQ_DIGITS = 12;
const NEXT_SEQ_KEY = 'uplinkNextSeq';

export const seqKey = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0');

export interface OutboxEntry {
  readonly seq: number;
  readonly bytes: number;
  /** Waveform samples still in the batch (0 once dropped). */
  readonly waveSamples: number;
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly createdMs: number;
  readonly parked: boolean;
}

export interface OutboxDrop {
  readonly seq: number;
  readonly samples: number;
  readonly bytesFreed: number;
  readonly fromMs: number | null;
  readonly toMs: number | null;
}

export interface OutboxStats {
  readonly queuedBatches: number;
  readonly queuedBytes: number;
  readonly parkedBatches: number;
  readonly totalBytes: number;
  readonly maxBytes: number;
  readonly oldestCreatedMs: number | null;
  readonly nextSeq: number;
  readonly droppedBatches: number;
  readonly droppedSamples: number;
  readonly droppedBytes: number;
  readonly overQuota: boolean;
}

export interface OutboxOptions {
  readonly maxBytes: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** A batch being sent right now: its waveform is not dropped under it. */
  readonly isBusy?: (seq: number) => boolean;
  readonly onDrop?: (drop: OutboxDrop) => void;
  /** A batch entered the outbox (wakes an idle sender). */
  readonly onAdded?: (seq: number) => void;
}

type Op =
  | { type: 'put'; key: string; value: unknown; sublevel: UplinkAccess['subs'][keyof UplinkAccess['subs']] }
  | { type: 'del'; key: string; sublevel: UplinkAccess['subs'][keyof UplinkAccess['subs']] };

interface IdxRecord {
  b: number;
  w: number;
  f: number | null;
  t: number | null;
  c: number;
  p: boolean;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function toEntry(seq: number, raw: unknown): OutboxEntry | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Partial<IdxRecord>;
  if (!isNum(r.b) || !isNum(r.w) || !isNum(r.c)) return null;
  return { seq, bytes: r.b, waveSamples: r.w, fromMs: isNum(r.f) ? r.f : null, toMs: isNum(r.t) ? r.t : null, createdMs: r.c, parked: r.p === true };
}

function toIdx(e: OutboxEntry): IdxRecord {
  return { b: e.bytes, w: e.waveSamples, f: e.fromMs, t: e.toMs, c: e.createdMs, p: e.parked };
}

/** Wall-time span of a batch's waveform, null when it has none. */
export function waveSpan(b: Batch): { fromMs: number | null; toMs: number | null } {
  let from = Infinity;
  let to = -Infinity;
  for (const w of b.waves) {
    from = Math.min(from, w.wallTimeMs);
    to = Math.max(to, w.wallTimeMs + (w.samples.length * 1000) / w.sampleRate);
  }
  return Number.isFinite(from) ? { fromMs: from, toMs: to } : { fromMs: null, toMs: null };
}

export class Outbox {
  private readonly entries = new Map<number, OutboxEntry>();
  /** Queued (not parked) sequence numbers, ascending. */
  private queue: number[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private next: number;
  private totalBytes = 0;
  private dropped = { batches: 0, samples: 0, bytes: 0 };
  private warnedOverQuota = false;
  private readonly logger: Logger;
  private readonly clock: Clock;

  private constructor(
    private readonly access: UplinkAccess,
    private readonly opts: OutboxOptions,
    nextSeq: number,
  ) {
    this.next = nextSeq;
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? new SystemClock();
  }

  /** Loads the index (small: a few numbers per batch), never the batches themselves. */
  static async open(access: UplinkAccess, opts: OutboxOptions): Promise<Outbox> {
    const stored = await access.subs.meta.get(NEXT_SEQ_KEY);
    const outbox = new Outbox(access, opts, isNum(stored) && stored >= 1 ? stored : 1);
    for await (const [key, raw] of access.subs.outboxIdx.iterator()) {
      const seq = Number(key);
      const e = toEntry(seq, raw);
      if (e === null || !Number.isSafeInteger(seq)) {
        outbox.logger.error('outbox index entry unreadable; ignored', { key });
        continue;
      }
      outbox.entries.set(seq, e);
      outbox.totalBytes += e.bytes;
      if (!e.parked) outbox.queue.push(seq);
      // A sequence number is never reused, whatever the meta key says.
      if (seq >= outbox.next) outbox.next = seq + 1;
    }
    return outbox;
  }

  get nextSeq(): number {
    return this.next;
  }

  /** Queued sequence numbers in order (a copy). */
  queued(): number[] {
    return this.queue.slice();
  }

  /** The first `n` queued sequence numbers (no copy of the whole queue). */
  head(n: number): number[] {
    return this.queue.slice(0, n);
  }

  entry(seq: number): OutboxEntry | undefined {
    return this.entries.get(seq);
  }

  /** Serializes every mutation: the in-memory index stays equal to what is committed. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async commit(ops: Op[]): Promise<void> {
    await this.access.db.batch<string, unknown>(ops, { sync: true });
  }

  /**
   * Stores a batch under `batch.seq` (which must be `nextSeq`), deleting the consumed feed
   * entries in the same synced LevelDB batch; then applies the quota.
   */
  append(batch: Batch, feedKeys: readonly string[]): Promise<OutboxEntry> {
    return this.serial(async () => {
      if (batch.seq !== this.next) throw new Error(`outbox: batch seq ${batch.seq} is not the next sequence ${this.next}`);
      const bytes = encodeBatch(batch);
      const span = waveSpan(batch);
      const e: OutboxEntry = { seq: batch.seq, bytes: bytes.length, waveSamples: batchSampleCount(batch), ...span, createdMs: batch.createdMs, parked: false };
      const { subs } = this.access;
      const ops: Op[] = [
        { type: 'put', key: seqKey(e.seq), value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), sublevel: subs.outbox },
        { type: 'put', key: seqKey(e.seq), value: toIdx(e), sublevel: subs.outboxIdx },
        { type: 'put', key: NEXT_SEQ_KEY, value: e.seq + 1, sublevel: subs.meta },
      ];
      for (const k of feedKeys) ops.push({ type: 'del', key: k, sublevel: subs.feed });
      await this.commit(ops);
      this.entries.set(e.seq, e);
      this.queue.push(e.seq);
      this.totalBytes += e.bytes;
      this.next = e.seq + 1;
      await this.applyQuota();
      this.opts.onAdded?.(e.seq);
      return this.entries.get(e.seq) ?? e;
    });
  }

  /** The encoded batch, or null when it is no longer in the outbox. */
  async read(seq: number): Promise<Uint8Array | null> {
    const v = await this.access.subs.outbox.get(seqKey(seq));
    return v instanceof Uint8Array ? v : null;
  }

  /** The upstream acknowledged the batch: delete it. Idempotent. */
  ack(seq: number): Promise<void> {
    return this.serial(async () => {
      const e = this.entries.get(seq);
      if (e === undefined) return;
      await this.commit([
        { type: 'del', key: seqKey(seq), sublevel: this.access.subs.outbox },
        { type: 'del', key: seqKey(seq), sublevel: this.access.subs.outboxIdx },
      ]);
      this.forget(e);
    });
  }

  /** The upstream rejected the batch as permanently bad: keep it aside, stop sending it. */
  park(seq: number): Promise<void> {
    return this.serial(async () => {
      const e = this.entries.get(seq);
      if (e === undefined || e.parked) return;
      const parked: OutboxEntry = { ...e, parked: true };
      await this.commit([{ type: 'put', key: seqKey(seq), value: toIdx(parked), sublevel: this.access.subs.outboxIdx }]);
      this.entries.set(seq, parked);
      this.queue = this.queue.filter((s) => s !== seq);
    });
  }

  private forget(e: OutboxEntry): void {
    this.entries.delete(e.seq);
    this.totalBytes -= e.bytes;
    if (!e.parked) {
      // Acks come mostly for the head of the queue.
      if (this.queue[0] === e.seq) this.queue.shift();
      else this.queue = this.queue.filter((s) => s !== e.seq);
    }
  }

  /** Drops the waveform of the oldest queued batches until the outbox fits its quota. */
  private async applyQuota(): Promise<void> {
    const max = this.opts.maxBytes;
    if (this.totalBytes <= max) {
      this.warnedOverQuota = false;
      return;
    }
    for (const seq of this.queue) {
      if (this.totalBytes <= max) return;
      const e = this.entries.get(seq);
      if (e === undefined || e.waveSamples === 0 || this.opts.isBusy?.(seq) === true) continue;
      await this.dropWave(e);
    }
    if (this.totalBytes > max && !this.warnedOverQuota) {
      this.warnedOverQuota = true;
      this.logger.error('outbox above its quota with no waveform left to drop: beats, vitals, events and alarms are kept', {
        totalBytes: this.totalBytes, maxBytes: max, batches: this.entries.size,
      });
    }
  }

  private async dropWave(e: OutboxEntry): Promise<void> {
    const raw = await this.read(e.seq);
    const decoded = raw === null ? null : decodeBatch(raw, { maxBytes: Number.MAX_SAFE_INTEGER });
    if (decoded === null || !decoded.ok) {
      this.logger.error('outbox batch unreadable; its waveform cannot be dropped', { seq: e.seq, err: decoded?.ok === false ? decoded.message : 'missing' });
      return;
    }
    const b = decoded.batch;
    const samples = batchSampleCount(b);
    const stripped: Batch = { ...b, waves: [], dropped: [...b.dropped, { fromSeq: b.seq, toSeq: b.seq, samples, fromMs: e.fromMs, toMs: e.toMs }] };
    const bytes = encodeBatch(stripped);
    const after: OutboxEntry = { ...e, bytes: bytes.length, waveSamples: 0 };
    await this.commit([
      { type: 'put', key: seqKey(e.seq), value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), sublevel: this.access.subs.outbox },
      { type: 'put', key: seqKey(e.seq), value: toIdx(after), sublevel: this.access.subs.outboxIdx },
    ]);
    this.entries.set(e.seq, after);
    const freed = e.bytes - after.bytes;
    this.totalBytes -= freed;
    this.dropped.batches++;
    this.dropped.samples += samples;
    this.dropped.bytes += freed;
    const drop: OutboxDrop = { seq: e.seq, samples, bytesFreed: freed, fromMs: e.fromMs, toMs: e.toMs };
    this.logger.warn('outbox quota: dropped the waveform of the oldest batch', {
      ...drop, totalBytes: this.totalBytes, maxBytes: this.opts.maxBytes, droppedBatchesTotal: this.dropped.batches, droppedSamplesTotal: this.dropped.samples,
    });
    try {
      this.opts.onDrop?.(drop);
    } catch (err: unknown) {
      this.logger.error('outbox drop listener failed', { err: errorMessage(err) });
    }
  }

  /** Waits for the mutations queued so far. */
  async idle(): Promise<void> {
    let c: Promise<unknown>;
    do {
      c = this.chain;
      await c;
    } while (c !== this.chain);
  }

  stats(): OutboxStats {
    let queuedBytes = 0;
    let oldest: number | null = null;
    for (const seq of this.queue) {
      const e = this.entries.get(seq);
      if (e === undefined) continue;
      queuedBytes += e.bytes;
      if (oldest === null || e.createdMs < oldest) oldest = e.createdMs;
    }
    return {
      queuedBatches: this.queue.length,
      queuedBytes,
      parkedBatches: this.entries.size - this.queue.length,
      totalBytes: this.totalBytes,
      maxBytes: this.opts.maxBytes,
      oldestCreatedMs: oldest,
      nextSeq: this.next,
      droppedBatches: this.dropped.batches,
      droppedSamples: this.dropped.samples,
      droppedBytes: this.dropped.bytes,
      overQuota: this.totalBytes > this.opts.maxBytes,
    };
  }

  /** Age of the oldest queued batch, by the hub clock. */
  oldestAgeMs(): number | null {
    const first = this.queue[0];
    const e = first === undefined ? undefined : this.entries.get(first);
    return e === undefined ? null : Math.max(0, this.clock.wallMs() - e.createdMs);
  }
}
