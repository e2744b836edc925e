/**
 * Sends the outbox upstream: in sequence order, at most `window` batches in flight, each
 * deleted from the outbox only once the upstream acknowledged it (at-least-once; the receiver
 * deduplicates on (hub id, seq) to make it exactly-once).
 *
 * Retry: after a failure nothing new is sent until a capped exponential backoff with jitter
 * has passed (drivers/backoff.ts), then the oldest unacknowledged batch goes first. But the
 * wait is cut short as soon as the link is known to be back, so recovery is not paced by a
 * slow timer: the transport reports 'up' (MQTT reconnected), or any send succeeds. A batch
 * entering the outbox wakes an idle sender. A batch the upstream rejects for good is parked
 * (logged, kept, never resent in a loop).
 *
 * The link counts as down from the first failure after a success until the next success; down
 * longer than `downAlarmAfterMs` raises the `uplink-down` technical condition.
 */
import { Backoff } from '../../drivers/backoff.ts';
import type { Clock, TimerHandle } from '../core/clock.ts';
import { errorMessage, isVigilError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Outbox } from './outbox.ts';
import type { Transport } from './transport/transport.ts';

export type TechnicalCondition = 'uplink-down' | 'outbox-drop';
export type TechnicalListener = (condition: TechnicalCondition, active: boolean, detail: Record<string, unknown>) => void;

export interface DeliveryOptions {
  readonly outbox: Outbox;
  readonly transport: Transport;
  readonly hubId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Batches in flight at once. Default 4. */
  readonly window?: number;
  readonly backoff?: { readonly baseMs: number; readonly capMs: number };
  /** Random source in [0, 1) for the jitter (seeded in tests). */
  readonly random?: () => number;
  /** Link down this long raises 'uplink-down'. Default 300 s. */
  readonly downAlarmAfterMs?: number;
  readonly onTechnical?: TechnicalListener;
  /** A batch was acknowledged and deleted from the outbox. */
  readonly onAck?: (seq: number) => void;
}

export type LinkState = 'unknown' | 'up' | 'down';

export interface DeliveryStats {
  readonly link: LinkState;
  readonly inFlight: number;
  readonly sent: number;
  readonly acked: number;
  readonly failures: number;
  readonly parked: number;
  readonly lastAckSeq: number | null;
  readonly lastAckMs: number | null;
  readonly lastError: string | null;
  readonly downSinceMs: number | null;
  readonly retryInMs: number | null;
  readonly uplinkDownAlarm: boolean;
}

export class Delivery {
  private readonly inFlight = new Set<number>();
  private readonly backoff: Backoff;
  private readonly window: number;
  private readonly downAlarmAfterMs: number;
  private running = false;
  private link: LinkState = 'unknown';
  /** Waiting out a backoff: nothing new is sent. */
  private retryTimer: TimerHandle | null = null;
  private retryDueMs: number | null = null;
  private downTimer: TimerHandle | null = null;
  private downSinceMs: number | null = null;
  private downAlarm = false;
  private pumping = false;
  private repump = false;
  private readonly sends = new Set<Promise<void>>();
  private readonly counters = { sent: 0, acked: 0, failures: 0, parked: 0 };
  private lastAckSeq: number | null = null;
  private lastAckMs: number | null = null;
  private lastError: string | null = null;

  constructor(private readonly opts: DeliveryOptions) {
    this.window = Math.max(1, opts.window ?? 4);
    this.downAlarmAfterMs = opts.downAlarmAfterMs ?? 300_000;
    const b = opts.backoff ?? { baseMs: 1000, capMs: 300_000 };
    this.backoff = new Backoff({ baseMs: b.baseMs, capMs: b.capMs, random: opts.random });
  }

  /** The outbox may not drop the waveform of a batch that is on its way. */
  isBusy(seq: number): boolean {
    return this.inFlight.has(seq);
  }

  async start(): Promise<void> {
    this.running = true;
    await this.opts.transport.start({ up: () => this.linkUp('transport'), down: (reason) => this.linkDown(reason) });
    this.wake();
  }

  /** A new batch is in the outbox, or something else changed: send what the window allows. */
  wake(): void {
    if (!this.running || this.retryTimer !== null) return;
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.repump = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.repump = false;
        while (this.running && this.retryTimer === null && this.inFlight.size < this.window) {
          const seq = this.opts.outbox.head(this.inFlight.size + this.window).find((s) => !this.inFlight.has(s));
          if (seq === undefined) break;
          const bytes = await this.opts.outbox.read(seq);
          if (bytes === null) continue; // acked meanwhile
          if (!this.running || this.retryTimer !== null || this.inFlight.has(seq)) break;
          this.inFlight.add(seq);
          this.counters.sent++;
          const p = this.sendOne(seq, bytes);
          this.sends.add(p);
          void p.finally(() => this.sends.delete(p));
        }
      } while (this.repump);
    } catch (e: unknown) {
      this.lastError = errorMessage(e);
      this.opts.logger.error('uplink: reading the outbox failed', { err: e });
    } finally {
      this.pumping = false;
    }
  }

  private async sendOne(seq: number, bytes: Uint8Array): Promise<void> {
    try {
      await this.opts.transport.send(bytes, { hubId: this.opts.hubId, seq });
    } catch (e: unknown) {
      this.inFlight.delete(seq);
      await this.onFailure(seq, e);
      return;
    }
    try {
      await this.opts.outbox.ack(seq);
    } catch (e: unknown) {
      // Not deleted: it will be sent again and the receiver answers "duplicate".
      this.opts.logger.error('uplink: could not delete an acknowledged batch', { seq, err: e });
    }
    this.inFlight.delete(seq);
    this.counters.acked++;
    this.lastAckSeq = seq;
    this.lastAckMs = this.opts.clock.wallMs();
    this.linkUp('ack');
    this.opts.onAck?.(seq);
    this.wake();
  }

  private async onFailure(seq: number, e: unknown): Promise<void> {
    if (isVigilError(e, 'VIGIL_UPLINK_REJECTED')) {
      this.counters.parked++;
      this.opts.logger.error('uplink: the upstream rejected a batch; parked in the outbox, not resent', { seq, err: errorMessage(e), details: e.details });
      await this.opts.outbox.park(seq).catch((err: unknown) => this.opts.logger.error('uplink: could not park a batch', { seq, err }));
      this.wake();
      return;
    }
    this.counters.failures++;
    this.lastError = errorMessage(e);
    this.linkDown(this.lastError);
    if (!this.running || this.retryTimer !== null) return;
    const delay = this.backoff.next();
    this.opts.logger.warn('uplink: send failed; retrying', { seq, err: this.lastError, retryInMs: delay, attempt: this.backoff.attempts });
    this.retryDueMs = this.opts.clock.monotonicMs() + delay;
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = null;
      this.retryDueMs = null;
      this.wake();
    }, delay);
  }

  private linkUp(why: string): void {
    this.backoff.reset();
    if (this.retryTimer !== null) {
      // The link is back: do not sit out the rest of the backoff.
      this.opts.clock.clearTimeout(this.retryTimer);
      this.retryTimer = null;
      this.retryDueMs = null;
    }
    if (this.link !== 'up') this.opts.logger.info('uplink: link up', { why, queued: this.opts.outbox.stats().queuedBatches });
    this.link = 'up';
    this.downSinceMs = null;
    if (this.downTimer !== null) this.opts.clock.clearTimeout(this.downTimer);
    this.downTimer = null;
    if (this.downAlarm) {
      this.downAlarm = false;
      this.technical('uplink-down', false, {});
    }
    this.wake();
  }

  private linkDown(reason: string): void {
    // Closing the transport in stop() reports the link down: no alarm timer after a stop.
    if (this.link === 'down' || !this.running) return;
    this.link = 'down';
    this.lastError = reason;
    this.downSinceMs = this.opts.clock.wallMs();
    this.opts.logger.warn('uplink: link down', { reason });
    if (this.downTimer === null && !this.downAlarm) {
      this.downTimer = this.opts.clock.setTimeout(() => {
        this.downTimer = null;
        if (this.link !== 'down' || !this.running) return;
        this.downAlarm = true;
        this.technical('uplink-down', true, { since: this.downSinceMs, lastError: this.lastError, queued: this.opts.outbox.stats().queuedBatches });
      }, this.downAlarmAfterMs);
    }
  }

  private technical(condition: 'uplink-down', active: boolean, detail: Record<string, unknown>): void {
    try {
      this.opts.onTechnical?.(condition, active, detail);
    } catch (e: unknown) {
      this.opts.logger.error('uplink: technical alarm listener failed', { err: errorMessage(e) });
    }
  }

  /** Stops sending; batches in flight stay in the outbox unless their ack arrives before close. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of [this.retryTimer, this.downTimer]) if (t !== null) this.opts.clock.clearTimeout(t);
    this.retryTimer = null;
    this.downTimer = null;
    await this.opts.transport.close();
    await Promise.allSettled([...this.sends]);
    for (const t of [this.retryTimer, this.downTimer]) if (t !== null) this.opts.clock.clearTimeout(t);
    this.retryTimer = null;
    this.downTimer = null;
  }

  stats(): DeliveryStats {
    return {
      link: this.link,
      inFlight: this.inFlight.size,
      ...this.counters,
      lastAckSeq: this.lastAckSeq,
      lastAckMs: this.lastAckMs,
      lastError: this.lastError,
      downSinceMs: this.downSinceMs,
      retryInMs: this.retryDueMs === null ? null : Math.max(0, this.retryDueMs - this.opts.clock.monotonicMs()),
      uplinkDownAlarm: this.downAlarm,
    };
  }
}
