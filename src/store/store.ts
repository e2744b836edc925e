/**
 * The hub's local store on LevelDB (classic-level via `level`): waveform segments,
 * measurements and events, written in batches, with retention by age and disk quota.
 *
 * Durability contract: appends are buffered in memory; `flush()` resolves once everything
 * appended before the call is in LevelDB ("acknowledged"). Without `sync` an acknowledged
 * write survives a crash of the process (it is in LevelDB's log, in the OS page cache) but a
 * power cut may lose the last few seconds; `sync: true` fsyncs every batch so acknowledged
 * data also survives power loss, at the price of one fsync per batch (5-50 ms on SD cards,
 * and extra flash wear) - the 250-ms batching keeps that to a few fsyncs per second.
 * Unacknowledged data at risk in a crash: at most `maxSegmentOpenMs` + `flushIntervalMs`
 * of waveform (default ~4.25 s) and `flushIntervalMs` of measurements/events.
 */
import type { Measurement, MetricName, SampleBlock } from '../../drivers/contract.ts';
import { SystemClock, type Clock, type TimerHandle } from '../core/clock.ts';
import { VigilError, errorMessage } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import {
  measurementToRecord, recordToEvent, recordToMeasurement, recordToSegment, segmentEndMs, segmentToRecord,
  type CborEncoding, type StoreEventInput, type StoredEvent, type WaveSegment,
} from './codec.ts';
import { WaveCoalescer } from './coalescer.ts';
import { STORE_SCHEMA_VERSION, openDatabase, repairDatabase, type RootDb, type SublevelName, type Subs } from './db.ts';
import { eventKeyTime, padTime, seqSuffix, seriesPrefix } from './keys.ts';
import { classifyOpError, corruptError } from './open-errors.ts';
import { applyRetention, type RetentionOps, type RetentionPolicy, type RetentionReport, type RetentionTarget } from './prune.ts';
import { dirBytes, listSeries, rangeOps, type SeriesInfo } from './ranges.ts';
import { BatchWriter, type WriteStats } from './writer.ts';

export { STORE_SCHEMA_VERSION, type SublevelName };

export interface UplinkAccess {
  readonly dir: string;
  readonly db: RootDb;
  readonly subs: Subs;
  readonly cbor: CborEncoding;
  isOpen(): boolean;
}

/** A JSON-valued sublevel handed to another part of the hub (same type as the store's meta sublevel). */
export type OwnSublevel = Subs['meta'];

export interface StoreOptions {
  dir: string;
  logger?: Logger;
  clock?: Clock;
  /** fsync every batch (see the durability note above). Default false. */
  sync?: boolean;
  /** Batch interval. Default 250 ms. */
  flushIntervalMs?: number;
  /** Write at once when this many encoded bytes are buffered. Default 256 KiB. */
  flushThresholdBytes?: number;
  /** Target waveform segment duration. Default 2000 ms. */
  segmentMs?: number;
  /** A partly filled segment is written after this long (device went quiet). Default 2 x segmentMs. */
  maxSegmentOpenMs?: number;
  /** Buffer bound while writes keep failing; see writer.ts. Default 32 MiB. */
  maxBufferedBytes?: number;
  /** File every record in the uplink feed (db.ts) for src/uplink to batch. Default false. */
  feed?: boolean;
}

export interface SublevelStats {
  readonly keys: number;
  /** LevelDB's estimate of table bytes for the range; null when the backend has no estimate. */
  readonly approxBytes: number | null;
  /** Key times (epoch ms) of the oldest and newest record; null when empty. */
  readonly oldestMs: number | null;
  readonly newestMs: number | null;
}

export interface StoreStats {
  readonly dir: string;
  readonly schemaVersion: number;
  /** Bytes of all files in the store directory. */
  readonly diskBytes: number;
  readonly wave: SublevelStats;
  readonly meas: SublevelStats;
  readonly events: SublevelStats;
  readonly buffered: { readonly ops: number; readonly bytes: number; readonly openSegments: number };
  readonly writes: WriteStats;
}

/** Keys deleted per retention batch: bounded memory and short write stalls. */
const DELETE_CHUNK = 1000;

export class Store implements RetentionTarget {
  readonly dir: string;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private counter = 0;
  private timer: TimerHandle | null = null;
  private retentionChain: Promise<unknown> = Promise.resolve();
  private closePromise: Promise<void> | null = null;
  private readonly db: RootDb;
  private readonly subs: Subs;
  private readonly cbor: CborEncoding;
  private readonly session: number;
  private readonly writer: BatchWriter;
  private readonly coalescer: WaveCoalescer;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly flushIntervalMs: number;
  private readonly flushThresholdBytes: number;
  private readonly maxSegmentOpenMs: number;

  private constructor(opened: Awaited<ReturnType<typeof openDatabase>>, opts: StoreOptions) {
    this.dir = opened.dir;
    this.db = opened.db;
    this.subs = opened.subs;
    this.cbor = opened.cbor;
    this.session = opened.session;
    this.clock = opts.clock ?? new SystemClock();
    this.logger = opts.logger ?? silentLogger;
    this.flushIntervalMs = opts.flushIntervalMs ?? 250;
    this.flushThresholdBytes = opts.flushThresholdBytes ?? 256 * 1024;
    const segmentMs = opts.segmentMs ?? 2000;
    this.maxSegmentOpenMs = opts.maxSegmentOpenMs ?? 2 * segmentMs;
    this.writer = new BatchWriter(this.db, this.subs, opened.counts, {
      dir: this.dir, sync: opts.sync ?? false, maxBufferedBytes: opts.maxBufferedBytes ?? 32 * 1024 * 1024, logger: this.logger,
      feed: opts.feed ?? false,
    });
    this.coalescer = new WaveCoalescer(segmentMs, (prefix, seg) => this.pushSegment(prefix, seg), () => this.clock.monotonicMs());
  }

  /**
   * Opens (creating if needed) the store in `opts.dir`. Fails with VIGIL_STORE_LOCKED,
   * VIGIL_STORE_CORRUPT, VIGIL_STORE_IO or VIGIL_STORE_SCHEMA_UNSUPPORTED.
   */
  static async open(opts: StoreOptions): Promise<Store> {
    const opened = await openDatabase(opts.dir);
    const store = new Store(opened, opts);
    store.logger.info('store opened', { dir: store.dir, session: opened.session, ...opened.counts });
    return store;
  }

  /** Rebuilds a damaged database (`vigil store repair`). The store must not be open anywhere. */
  static repair(dir: string): Promise<void> {
    return repairDatabase(dir);
  }

  // ---- appends -------------------------------------------------------------------------

  private notOpen(): VigilError {
    return new VigilError('VIGIL_STORE_NOT_OPEN', `store ${this.dir} is not open`, { details: { dir: this.dir } });
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw this.notOpen();
  }

  private encode(value: unknown, what: string): Buffer {
    try {
      return this.cbor.encode(value);
    } catch (e) {
      throw new VigilError('VIGIL_STORE_INVALID_RECORD', `cannot encode ${what}: ${errorMessage(e)}`, { cause: e });
    }
  }

  private push(sub: SublevelName, keyHead: string, value: Buffer): void {
    this.writer.push({ sub, key: keyHead + '/' + seqSuffix(this.session, this.counter++), value });
  }

  private pushSegment(prefix: string, seg: WaveSegment): void {
    this.push('wave', prefix + padTime(seg.startMs), this.encode(segmentToRecord(seg), 'segment'));
  }

  /** Buffers a block; samples are coalesced per device/channel into segments. */
  appendBlock(block: SampleBlock): void {
    this.assertOpen();
    if (!Number.isFinite(block.wallTimeMs) || !Number.isFinite(block.hubTimeMs)) {
      throw new VigilError('VIGIL_STORE_INVALID_RECORD', `sample block ${block.seq} of ${block.deviceId} has no finite time`);
    }
    this.coalescer.append(block);
    this.afterAppend();
  }

  appendMeasurement(m: Measurement): void {
    this.assertOpen();
    if (!Number.isFinite(m.wallTimeMs)) {
      throw new VigilError('VIGIL_STORE_INVALID_RECORD', `measurement ${m.metric} of ${m.deviceId} has no finite time`);
    }
    this.push('meas', seriesPrefix(m.deviceId, m.metric) + padTime(m.wallTimeMs), this.encode(measurementToRecord(m), 'measurement'));
    this.afterAppend();
  }

  /** Status events now, alarm/rhythm events later; filed under `wallTimeMs` (or the clock's now). */
  appendEvent(e: StoreEventInput): void {
    this.assertOpen();
    const t = typeof e.wallTimeMs === 'number' && Number.isFinite(e.wallTimeMs) ? e.wallTimeMs : this.clock.wallMs();
    this.push('events', padTime(t), this.encode(e, `event ${e.kind}`));
    // A closed device sends no more blocks: write out and forget its partial segments.
    if (e.kind === 'status' && 'state' in e && e.state === 'closed' && typeof e.deviceId === 'string') this.coalescer.forgetDevice(e.deviceId);
    this.afterAppend();
  }

  private afterAppend(): void {
    if (this.writer.bufferedBytes >= this.flushThresholdBytes) this.writer.scheduleWrite();
    this.arm();
  }

  private arm(): void {
    if (this.timer !== null || this.state !== 'open') return;
    this.timer = this.clock.setTimeout(() => this.onTimer(), this.flushIntervalMs);
  }

  private onTimer(): void {
    this.timer = null;
    if (this.state !== 'open') return;
    this.coalescer.sealOlderThan(this.maxSegmentOpenMs);
    if (this.writer.bufferedOps > 0) this.writer.scheduleWrite();
    if (this.writer.bufferedOps > 0 || this.coalescer.openSegments() > 0) this.arm();
  }

  /**
   * Resolves when everything appended before this call (including partly filled waveform
   * segments, which are cut here) is in LevelDB. Rejects with the write error otherwise;
   * the data then stays buffered and the next flush retries it.
   */
  flush(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(this.notOpen());
    this.coalescer.sealAll();
    return this.writer.write();
  }

  /**
   * The database handle and sublevels for src/uplink (feed, outbox): the uplink owns those
   * keys and writes them in its own atomic batches; it must be stopped before close().
   */
  uplinkAccess(): UplinkAccess {
    this.assertOpen();
    return { dir: this.dir, db: this.db, subs: this.subs, cbor: this.cbor, isOpen: () => this.state === 'open' };
  }

  /** Resolves when no write is in progress or queued (does not cut open segments). */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /** Flushes, then closes the database. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= this.doClose();
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    this.state = 'closing';
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.retentionChain.catch(() => undefined); // it stops at its next batch
    this.coalescer.sealAll();
    let failure: unknown = null;
    try {
      await this.writer.write();
    } catch (e) {
      failure = e;
      this.logger.error('store closed with unwritten data', { dir: this.dir, lostRecords: this.writer.bufferedOps, err: e });
    }
    try {
      await this.db.close();
    } catch (e) {
      failure ??= classifyOpError(this.dir, e, 'close the database');
    }
    this.state = 'closed';
    if (failure !== null) throw failure;
    this.logger.info('store closed', { dir: this.dir });
  }

  /**
   * A JSON sublevel of this database for a part of the hub that keeps its own records with its
   * own write discipline (the alarm log writes every entry with sync: true). The store's own
   * sublevel names are refused. Retention and stats() do not touch these.
   */
  ownSublevel(name: string): OwnSublevel {
    if (['wave', 'meas', 'events', 'meta'].includes(name) || !/^[a-z][a-z0-9-]{1,31}$/.test(name)) {
      throw new VigilError('VIGIL_STORE_INVALID_RECORD', `"${name}" cannot be used as a sublevel name`);
    }
    this.assertOpen();
    return this.db.sublevel<string, unknown>(name, { keyEncoding: 'utf8', valueEncoding: 'json' });
  }

  // ---- queries -------------------------------------------------------------------------

  private async guardRead<T>(fn: () => Promise<T>, action: string): Promise<T> {
    if (this.state === 'closed') throw this.notOpen();
    try {
      return await fn();
    } catch (e) {
      throw classifyOpError(this.dir, e, action);
    }
  }

  /**
   * Waveform segments of one channel overlapping [fromMs, toMs), in time order. Sees only
   * written data: call flush() first to include what is still buffered.
   */
  async *iterateWave(deviceId: string, channel: string, fromMs: number, toMs: number): AsyncGenerator<WaveSegment> {
    if (this.state === 'closed') throw this.notOpen();
    const prefix = seriesPrefix(deviceId, channel);
    const decode = (key: string, raw: unknown): WaveSegment => {
      const seg = recordToSegment(deviceId, channel, raw);
      if (seg === null) throw corruptError(this.dir, new Error(`bad segment at ${key}`), `unreadable waveform segment ${key}`);
      return seg;
    };
    try {
      // The segment starting just before fromMs may reach into the range.
      const [before] = await this.subs.wave.iterator({ gte: prefix, lt: prefix + padTime(fromMs), reverse: true, limit: 1 }).all();
      if (before !== undefined) {
        const seg = decode(before[0], before[1]);
        if (segmentEndMs(seg) > fromMs && seg.startMs < toMs) yield seg;
      }
      for await (const [key, raw] of this.subs.wave.iterator({ gte: prefix + padTime(fromMs), lt: prefix + padTime(Math.ceil(toMs)) })) {
        const seg = decode(key, raw);
        if (seg.startMs < toMs && segmentEndMs(seg) > fromMs) yield seg;
      }
    } catch (e) {
      throw classifyOpError(this.dir, e, 'read waveform');
    }
  }

  async readWave(deviceId: string, channel: string, fromMs: number, toMs: number): Promise<WaveSegment[]> {
    const out: WaveSegment[] = [];
    for await (const seg of this.iterateWave(deviceId, channel, fromMs, toMs)) out.push(seg);
    return out;
  }

  /** Measurements of one device/metric with wallTimeMs in [fromMs, toMs), in time order. */
  readMeasurements(deviceId: string, metric: MetricName, fromMs: number, toMs: number): Promise<Measurement[]> {
    const prefix = seriesPrefix(deviceId, metric);
    return this.guardRead(async () => {
      const out: Measurement[] = [];
      for await (const [key, raw] of this.subs.meas.iterator({ gte: prefix + padTime(fromMs), lt: prefix + padTime(Math.ceil(toMs)) })) {
        const m = recordToMeasurement(deviceId, metric, raw);
        if (m === null) throw corruptError(this.dir, new Error(`bad measurement at ${key}`), `unreadable measurement ${key}`);
        if (m.wallTimeMs >= fromMs && m.wallTimeMs < toMs) out.push(m);
      }
      return out;
    }, 'read measurements');
  }

  /** Events filed in [fromMs, toMs), in time order (append order within one millisecond). */
  readEvents(fromMs: number, toMs: number): Promise<StoredEvent[]> {
    return this.guardRead(async () => {
      const out: StoredEvent[] = [];
      for await (const [key, raw] of this.subs.events.iterator({ gte: padTime(fromMs), lt: padTime(Math.ceil(toMs)) })) {
        const event = recordToEvent(raw);
        if (event === null) throw corruptError(this.dir, new Error(`bad event at ${key}`), `unreadable event ${key}`);
        const t = typeof event.wallTimeMs === 'number' ? event.wallTimeMs : eventKeyTime(key);
        if (t >= fromMs && t < toMs) out.push({ timeMs: t, event });
      }
      return out;
    }, 'read events');
  }

  /** Every waveform (device, channel) series with its oldest/newest segment start. */
  waveSeries(): Promise<SeriesInfo[]> {
    return this.guardRead(() => listSeries(this.subs.wave), 'list waveform series');
  }

  /** Every measurement (device, metric) series. */
  measurementSeries(): Promise<SeriesInfo[]> {
    return this.guardRead(() => listSeries(this.subs.meas), 'list measurement series');
  }

  private async approxBytes(s: SublevelName): Promise<number | null> {
    const ops = rangeOps(this.db);
    if (ops === null) return null;
    // Sublevel keys are "!name!<key>"; '"' is the character after the '!' separator.
    const p = this.subs[s].prefix;
    return ops.approximateSize(p, p.slice(0, -1) + '"');
  }

  stats(): Promise<StoreStats> {
    const counts = this.writer.keyCounts;
    const seriesStats = async (s: 'wave' | 'meas'): Promise<SublevelStats> => {
      const series = await listSeries(this.subs[s]);
      return {
        keys: counts[s],
        approxBytes: await this.approxBytes(s),
        oldestMs: series.length === 0 ? null : Math.min(...series.map((x) => x.oldestMs)),
        newestMs: series.length === 0 ? null : Math.max(...series.map((x) => x.newestMs)),
      };
    };
    return this.guardRead(async () => {
      const [first] = await this.subs.events.keys({ limit: 1 }).all();
      const [last] = await this.subs.events.keys({ limit: 1, reverse: true }).all();
      return {
        dir: this.dir,
        schemaVersion: STORE_SCHEMA_VERSION,
        diskBytes: await dirBytes(this.dir),
        wave: await seriesStats('wave'),
        meas: await seriesStats('meas'),
        events: {
          keys: counts.events,
          approxBytes: await this.approxBytes('events'),
          oldestMs: first === undefined ? null : eventKeyTime(first),
          newestMs: last === undefined ? null : eventKeyTime(last),
        },
        buffered: { ops: this.writer.bufferedOps, bytes: this.writer.bufferedBytes, openSegments: this.coalescer.openSegments() },
        writes: this.writer.writeStats(),
      };
    }, 'compute statistics');
  }

  // ---- retention -----------------------------------------------------------------------

  /**
   * Deletes records older than the per-sublevel ages, then, while the directory exceeds
   * `maxBytes`, the oldest waveform (see prune.ts). Runs are serialized.
   */
  applyRetention(policy: RetentionPolicy): Promise<RetentionReport> {
    this.assertOpen();
    const run = this.retentionChain.catch(() => undefined).then(() => applyRetention(this.retentionOps(), policy));
    this.retentionChain = run;
    return run;
  }

  private retentionOps(): RetentionOps {
    const ops = rangeOps(this.db);
    return {
      dir: this.dir,
      clock: this.clock,
      logger: this.logger,
      isOpen: () => this.state === 'open',
      listSeries: (s) => this.guardRead(() => listSeries(this.subs[s]), 'list series'),
      deleteRange: (s, gte, lt) => this.deleteRange(s, gte, lt),
      compact: async (s, gte, lt) => {
        if (ops === null) return;
        const sub = this.subs[s];
        await this.guardRead(() => ops.compactRange(sub.prefixKey(gte, 'utf8'), sub.prefixKey(lt, 'utf8')), 'compact');
      },
      approxBytes: (s) => this.guardRead(() => this.approxBytes(s), 'estimate size'),
      diskBytes: () => dirBytes(this.dir),
    };
  }

  /**
   * Deletes [gte, lt) of a sublevel in batches (rather than db.clear(), so the number
   * deleted is known for the counters and the log); returns how many keys went.
   */
  private async deleteRange(s: SublevelName, gte: string, lt: string): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.state !== 'open') throw this.notOpen();
      const keys = await this.guardRead(() => this.subs[s].keys({ gte, lt, limit: DELETE_CHUNK }).all(), 'list keys to delete');
      if (keys.length === 0) break;
      await this.writer.deleteKeys(s, keys);
      total += keys.length;
      if (keys.length < DELETE_CHUNK) break;
    }
    return total;
  }
}
