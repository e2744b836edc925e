/**
 * Cuts uplink batches from what the store has committed.
 *
 * Why a feed rather than a cursor per sublevel: waveform and measurement keys are ordered by
 * series then time, and events by their own wall time (a beat is filed up to 0.5 s in the past,
 * a VF onset is dated back), so "everything after a key" in any of them misses records that
 * are committed later with an earlier key. The store's writer therefore files every record it
 * commits in the `feed` sublevel under `<session>/<counter>` (append order), in the same
 * LevelDB batch as the record (src/store/writer.ts). The batcher reads the feed in key order;
 * a batch enters the outbox together with the deletion of the feed entries it consumed, in one
 * synced LevelDB batch (outbox.ts): nothing is cut twice or skipped, whatever the crash.
 *
 * When a batch is cut: as soon as one waveform series holds `maxWaveSeconds`, or the batch
 * would exceed `maxBatchBytes` (estimated), or an alarm log entry is waiting (alarms leave at
 * once), or the oldest waiting record has waited `maxDelayMs`.
 */
import type { AlarmLogEntry } from '../api/live.ts';
import type { MetricName } from '../../drivers/contract.ts';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { recordToEvent, recordToMeasurement, recordToSegment } from '../store/codec.ts';
import { eventKeyTime, parseSeriesKey } from '../store/keys.ts';
import type { UplinkAccess } from '../store/store.ts';
import type { Batch, BatchBeat, BatchEvent, BatchMeasurement, BatchWave, BeatLabel } from './batch.ts';
import type { Outbox } from './outbox.ts';

export interface BatcherOptions {
  readonly access: UplinkAccess;
  readonly outbox: Outbox;
  readonly hubId: string;
  readonly bed: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Waveform per series per batch. Default 60 s. */
  readonly maxWaveSeconds?: number;
  /** Estimated encoded size per batch. Default 2 MiB. */
  readonly maxBatchBytes?: number;
  /** Longest a record waits for its batch to fill. Default 60 s. */
  readonly maxDelayMs?: number;
  /** How often the feed is read. Default 1000 ms. */
  readonly pollMs?: number;
}

type Item =
  | { readonly t: 'wave'; readonly v: BatchWave }
  | { readonly t: 'beat'; readonly v: BatchBeat }
  | { readonly t: 'meas'; readonly v: BatchMeasurement }
  | { readonly t: 'event'; readonly v: BatchEvent }
  | { readonly t: 'alarm'; readonly v: AlarmLogEntry }
  | { readonly t: 'none' };

interface Pending {
  readonly feedKey: string;
  readonly item: Item;
  /** Estimated encoded bytes. */
  readonly bytes: number;
  /** Hub monotonic time it was first read. */
  readonly seenMs: number;
}

export interface BatcherStats {
  readonly cut: number;
  readonly waiting: number;
  /** Feed entries whose record was gone (deleted by retention before it was uplinked). */
  readonly expired: number;
  readonly unreadable: number;
  readonly lastError: string | null;
}

const FEED_READ_LIMIT = 2000;
const BEAT_LABELS: ReadonlySet<string> = new Set(['N', 'S', 'V', 'F', 'Q', 'P']);
const PRIORITIES: ReadonlySet<string> = new Set(['high', 'medium', 'low']);
const ALARM_EVENTS: ReadonlySet<string> = new Set(['onset', 'offset', 'latched', 'cleared', 'acknowledged', 'audio-paused', 'audio-resumed', 'escalated', 're-alarm', 'restored']);

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): number | null => (isNum(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A stored event as plain data for the batch (undefined fields left out). */
function plainEvent(ev: Record<string, unknown>, timeMs: number): BatchEvent {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) if (v !== undefined) out[k] = v;
  out['wallTimeMs'] = isNum(ev['wallTimeMs']) ? ev['wallTimeMs'] : timeMs;
  return out as BatchEvent;
}

/** 'beat' events become beats; an unknown label is AAMI Q (unclassifiable). */
function toBeat(ev: Record<string, unknown>, timeMs: number): BatchBeat | null {
  if (typeof ev['deviceId'] !== 'string' || !Number.isSafeInteger(ev['sample'])) return null;
  const label = typeof ev['label'] === 'string' && BEAT_LABELS.has(ev['label']) ? (ev['label'] as BeatLabel) : 'Q';
  return {
    deviceId: ev['deviceId'], sample: ev['sample'] as number, wallTimeMs: isNum(ev['wallTimeMs']) ? ev['wallTimeMs'] : timeMs, label,
    lead: numOrNull(ev['lead']), rrPrevS: numOrNull(ev['rrPrevS']), qrsWidthS: numOrNull(ev['qrsWidthS']),
    amplitudeMv: numOrNull(ev['amplitudeMv']), quality: numOrNull(ev['quality']),
  };
}

/** 'alarm' events (AlarmLogEntry fields) become alarm log entries; null when malformed. */
function toAlarm(ev: Record<string, unknown>): AlarmLogEntry | null {
  const { seq, atMs, alarmId, condition, priority, event } = ev;
  if (!Number.isSafeInteger(seq) || !isNum(atMs) || typeof alarmId !== 'string' || typeof condition !== 'string') return null;
  if (typeof priority !== 'string' || !PRIORITIES.has(priority) || typeof event !== 'string' || !ALARM_EVENTS.has(event)) return null;
  const lim = ev['limits'];
  let limits: AlarmLogEntry['limits'] = null;
  if (typeof lim === 'object' && lim !== null) {
    const l = lim as { low?: unknown; high?: unknown };
    limits = { low: numOrNull(l.low), high: numOrNull(l.high) };
  }
  return {
    seq: seq as number, atMs, alarmId, condition, priority: priority as AlarmLogEntry['priority'], event: event as AlarmLogEntry['event'],
    by: strOrNull(ev['by']), value: numOrNull(ev['value']), limits, detail: strOrNull(ev['detail']),
  };
}

/** Record of one feed entry -> batch item; 'none' when it cannot be read (counted by the caller). */
export function feedItem(sub: string, key: string, raw: unknown): Item {
  if (sub === 'wave' || sub === 'meas') {
    const p = parseSeriesKey(key);
    if (p === null) return { t: 'none' };
    if (sub === 'wave') {
      const seg = recordToSegment(p.deviceId, p.name, raw);
      if (seg === null) return { t: 'none' };
      return {
        t: 'wave',
        v: {
          deviceId: seg.deviceId, channel: seg.channel, units: seg.units, gain: seg.gain, baseline: seg.baseline,
          sampleRate: seg.sampleRate, firstSample: seg.firstSample, wallTimeMs: seg.startMs, samples: Int32Array.from(seg.samples),
        },
      };
    }
    const m = recordToMeasurement(p.deviceId, p.name as MetricName, raw);
    if (m === null) return { t: 'none' };
    return { t: 'meas', v: { deviceId: m.deviceId, metric: m.metric, value: m.value, unit: m.unit, wallTimeMs: m.wallTimeMs, deviceTimeMs: m.deviceTimeMs, ...(m.decimals === undefined ? {} : { decimals: m.decimals }) } };
  }
  if (sub !== 'events') return { t: 'none' };
  const ev = recordToEvent(raw) as Record<string, unknown> | null;
  if (ev === null) return { t: 'none' };
  const timeMs = eventKeyTime(key);
  if (ev['kind'] === 'beat') {
    const b = toBeat(ev, timeMs);
    if (b !== null) return { t: 'beat', v: b };
  } else if (ev['kind'] === 'alarm') {
    const a = toAlarm(ev);
    if (a !== null) return { t: 'alarm', v: a };
  }
  // Anything that does not fit its section still goes, as a plain event: never dropped.
  return { t: 'event', v: plainEvent(ev, Number.isFinite(timeMs) ? timeMs : 0) };
}

function estimateBytes(item: Item): number {
  // ~2 bytes per sample is what int16 costs before the codec; the codec only does better.
  if (item.t === 'wave') return 64 + item.v.samples.length * 2;
  if (item.t === 'event') return 256;
  return 64;
}

export class Batcher {
  private pending: Pending[] = [];
  /** Last feed key read into `pending` (memory only: after a restart the feed is read again). */
  private lastKey: string | null = null;
  private timer: TimerHandle | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private stats_ = { cut: 0, expired: 0, unreadable: 0, lastError: null as string | null };
  private readonly maxWaveSeconds: number;
  private readonly maxBatchBytes: number;
  private readonly maxDelayMs: number;
  private readonly pollMs: number;

  constructor(private readonly opts: BatcherOptions) {
    this.maxWaveSeconds = opts.maxWaveSeconds ?? 60;
    this.maxBatchBytes = opts.maxBatchBytes ?? 2 * 1024 * 1024;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm(0);
  }

  /** Stops polling and waits for a cut in progress (nothing half-written: cuts are atomic). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
  }

  private arm(ms: number): void {
    if (!this.running || this.timer !== null) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        this.arm(this.pollMs);
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    try {
      await this.poll(false);
    } catch (e: unknown) {
      this.stats_.lastError = errorMessage(e);
      this.opts.logger.error('uplink batcher failed; retrying at the next poll', { err: errorMessage(e) });
    }
  }

  /**
   * Reads the feed and cuts every batch that is due; with `force`, also cuts what is waiting
   * (tests, and a clean stop). Returns the number of batches cut. Polls run one at a time:
   * two at once would read the same feed entries and claim the same sequence number.
   */
  poll(force: boolean): Promise<number> {
    const run = this.chain.then(() => this.pollNow(force));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async pollNow(force: boolean): Promise<number> {
    let cut = 0;
    for (;;) {
      const more = await this.readFeed();
      for (;;) {
        const n = this.due(force && !more);
        if (n === 0) break;
        await this.cut(n);
        cut++;
      }
      if (!more) return cut;
    }
  }

  /** Reads up to FEED_READ_LIMIT new feed entries; true when there may be more. */
  private async readFeed(): Promise<boolean> {
    const { subs, isOpen } = this.opts.access;
    if (!isOpen()) return false;
    const range = this.lastKey === null ? { limit: FEED_READ_LIMIT } : { gt: this.lastKey, limit: FEED_READ_LIMIT };
    const entries = (await subs.feed.iterator(range).all()) as Array<[string, unknown]>;
    if (entries.length === 0) return false;
    const bySub = new Map<string, Array<{ i: number; key: string }>>();
    const refs: Array<{ sub: string; key: string }> = [];
    entries.forEach(([, v], i) => {
      const s = typeof v === 'string' ? v : '';
      const bar = s.indexOf('|');
      const ref = { sub: bar > 0 ? s.slice(0, bar) : '', key: bar > 0 ? s.slice(bar + 1) : '' };
      refs.push(ref);
      if (ref.sub === 'wave' || ref.sub === 'meas' || ref.sub === 'events') {
        let list = bySub.get(ref.sub);
        if (list === undefined) bySub.set(ref.sub, (list = []));
        list.push({ i, key: ref.key });
      }
    });
    const values: unknown[] = new Array<unknown>(entries.length).fill(undefined);
    for (const [sub, list] of bySub) {
      const got = await subs[sub as 'wave' | 'meas' | 'events'].getMany(list.map((x) => x.key));
      list.forEach((x, j) => (values[x.i] = got[j]));
    }
    const now = this.opts.clock.monotonicMs();
    entries.forEach(([feedKey], i) => {
      const ref = refs[i] as { sub: string; key: string };
      const raw = values[i];
      let item: Item = { t: 'none' };
      if (raw === undefined) this.stats_.expired++;
      else {
        item = feedItem(ref.sub, ref.key, raw);
        if (item.t === 'none') {
          this.stats_.unreadable++;
          this.opts.logger.error('uplink: unreadable record skipped', { sub: ref.sub, key: ref.key });
        }
      }
      this.pending.push({ feedKey, item, bytes: estimateBytes(item), seenMs: now });
    });
    this.lastKey = (entries[entries.length - 1] as [string, unknown])[0];
    return entries.length === FEED_READ_LIMIT;
  }

  /** How many pending entries the next batch takes (0: not due yet). */
  private due(force: boolean): number {
    if (this.pending.length === 0) return 0;
    const waveMs = new Map<string, number>();
    let bytes = 0;
    let alarm = false;
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i] as Pending;
      if (p.item.t === 'wave') {
        const w = p.item.v;
        const series = w.deviceId + '\u0000' + w.channel;
        const ms = (waveMs.get(series) ?? 0) + (w.samples.length * 1000) / w.sampleRate;
        // This segment would overflow the series' share: the batch ends before it.
        if (ms > this.maxWaveSeconds * 1000 + 1e-6 && i > 0) return i;
        waveMs.set(series, ms);
        if (ms >= this.maxWaveSeconds * 1000 - 1e-6) return i + 1;
      }
      if (bytes + p.bytes > this.maxBatchBytes && i > 0) return i;
      bytes += p.bytes;
      if (p.item.t === 'alarm') alarm = true;
    }
    const first = this.pending[0] as Pending;
    const waited = this.opts.clock.monotonicMs() - first.seenMs >= this.maxDelayMs;
    return force || alarm || waited ? this.pending.length : 0;
  }

  private async cut(n: number): Promise<void> {
    const take = this.pending.slice(0, n);
    const seq = this.opts.outbox.nextSeq;
    const waves: BatchWave[] = [];
    const beats: BatchBeat[] = [];
    const measurements: BatchMeasurement[] = [];
    const events: BatchEvent[] = [];
    const alarms: AlarmLogEntry[] = [];
    for (const p of take) {
      switch (p.item.t) {
        case 'wave': waves.push(p.item.v); break;
        case 'beat': beats.push(p.item.v); break;
        case 'meas': measurements.push(p.item.v); break;
        case 'event': events.push(p.item.v); break;
        case 'alarm': alarms.push(p.item.v); break;
        case 'none': break;
      }
    }
    const batch: Batch = { hubId: this.opts.hubId, bed: this.opts.bed, seq, createdMs: this.opts.clock.wallMs(), waves, beats, measurements, events, alarms, dropped: [] };
    await this.opts.outbox.append(batch, take.map((p) => p.feedKey));
    this.pending = this.pending.slice(n);
    this.stats_.cut++;
  }

  stats(): BatcherStats {
    return { cut: this.stats_.cut, waiting: this.pending.length, expired: this.stats_.expired, unreadable: this.stats_.unreadable, lastError: this.stats_.lastError };
  }
}
