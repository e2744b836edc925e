/**
 * The hub's uplink: batcher (store feed -> outbox), delivery (outbox -> transport) and the
 * transport chosen in config, wired together; what src/main.ts constructs, starts, shows on
 * /api/status and stops before the store closes.
 */
import path from 'node:path';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Store } from '../store/store.ts';
import { Batcher, type BatcherStats } from './batcher.ts';
import type { UplinkConfig } from './config.ts';
import { Delivery, type DeliveryStats, type TechnicalListener } from './delivery.ts';
import { Outbox, type OutboxStats } from './outbox.ts';
import { HttpsTransport } from './transport/https.ts';
import { MqttTransport } from './transport/mqtt.ts';
import type { Transport } from './transport/transport.ts';

export type { TechnicalCondition, TechnicalListener } from './delivery.ts';

export interface UplinkDeps {
  readonly store: Store;
  readonly hubId: string;
  readonly bed: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Relative file paths in the config are resolved against it. */
  readonly baseDir: string;
  readonly onTechnical?: TechnicalListener;
  /** Jitter source (seeded in tests); Math.random otherwise. */
  readonly random?: () => number;
  /** Replaces the configured transport (tests). */
  readonly transport?: Transport;
  /** Feed poll period. Default 1000 ms. */
  readonly pollMs?: number;
}

export interface UplinkStatus {
  readonly transport: string;
  readonly url: string;
  readonly outbox: OutboxStats & { readonly oldestAgeS: number | null };
  readonly delivery: DeliveryStats;
  readonly batcher: BatcherStats;
  readonly outboxDropAlarm: boolean;
}

/** The outbox-drop condition clears once the outbox is back under this share of its quota. */
const DROP_CLEAR_FRACTION = 0.8;

export class Uplink {
  private dropAlarm = false;

  private constructor(
    private readonly cfg: UplinkConfig,
    private readonly deps: UplinkDeps,
    private readonly outbox: Outbox,
    private readonly batcher: Batcher,
    private readonly delivery: Delivery,
    private readonly transport: Transport,
  ) {}

  /** Opens the outbox (needs a store opened with `feed: true`) and builds the parts; sends nothing yet. */
  static async create(cfg: UplinkConfig, deps: UplinkDeps): Promise<Uplink> {
    const log = deps.logger;
    const file = (f: string | null): string | null => (f === null ? null : path.resolve(deps.baseDir, f));
    const transport: Transport =
      deps.transport ??
      (cfg.transport === 'mqtt'
        ? new MqttTransport({
            url: cfg.url, hubId: deps.hubId, topic: cfg.topic, ackTopic: cfg.ackTopic, clientId: cfg.clientId ?? undefined,
            caFile: file(cfg.caFile), certFile: file(cfg.certFile), keyFile: file(cfg.keyFile), token: cfg.token,
            ackTimeoutMs: cfg.timeoutMs, logger: log.child({ part: 'mqtt' }),
          })
        : new HttpsTransport({ url: cfg.url, caFile: file(cfg.caFile), certFile: file(cfg.certFile), keyFile: file(cfg.keyFile), token: cfg.token, timeoutMs: cfg.timeoutMs }));
    // The outbox and the delivery loop refer to each other (busy batches keep their waveform,
    // new batches wake the sender): late-bound through these two closures.
    let delivery: Delivery | null = null;
    let self: Uplink | null = null;
    const outbox = await Outbox.open(deps.store.uplinkAccess(), {
      maxBytes: cfg.outboxMaxBytes,
      logger: log,
      clock: deps.clock,
      isBusy: (seq) => delivery?.isBusy(seq) ?? false,
      onAdded: () => delivery?.wake(),
      onDrop: (drop) => self?.onDrop(drop),
    });
    delivery = new Delivery({
      outbox, transport, hubId: deps.hubId, clock: deps.clock, logger: log, window: cfg.windowSize, backoff: cfg.backoff,
      random: deps.random, downAlarmAfterMs: cfg.downAlarmAfterS * 1000,
      onTechnical: deps.onTechnical,
      onAck: () => self?.checkDropCleared(),
    });
    const batcher = new Batcher({
      access: deps.store.uplinkAccess(), outbox, hubId: deps.hubId, bed: deps.bed, clock: deps.clock, logger: log,
      maxWaveSeconds: cfg.batchMaxSeconds, maxBatchBytes: cfg.batchMaxBytes, maxDelayMs: cfg.batchMaxDelayS * 1000, pollMs: deps.pollMs,
    });
    self = new Uplink(cfg, deps, outbox, batcher, delivery, transport);
    const s = outbox.stats();
    log.info('uplink outbox opened', { transport: transport.kind, queuedBatches: s.queuedBatches, queuedBytes: s.queuedBytes, parked: s.parkedBatches, nextSeq: s.nextSeq });
    return self;
  }

  async start(): Promise<void> {
    await this.delivery.start();
    this.batcher.start();
  }

  /** Stops cutting and sending; everything not acknowledged stays in the outbox for the next start. */
  async stop(): Promise<void> {
    await this.batcher.stop();
    await this.delivery.stop();
    await this.outbox.idle();
  }

  private onDrop(drop: { seq: number; samples: number }): void {
    if (this.dropAlarm) return;
    this.dropAlarm = true;
    this.technical('outbox-drop', true, { ...drop, ...this.outbox.stats() });
  }

  /** The drop condition ends once the outbox has room again (hysteresis: no flapping). */
  private checkDropCleared(): void {
    if (!this.dropAlarm) return;
    const s = this.outbox.stats();
    if (s.totalBytes > s.maxBytes * DROP_CLEAR_FRACTION) return;
    this.dropAlarm = false;
    this.technical('outbox-drop', false, { totalBytes: s.totalBytes, droppedBatches: s.droppedBatches });
  }

  private technical(c: 'outbox-drop', active: boolean, detail: Record<string, unknown>): void {
    try {
      this.deps.onTechnical?.(c, active, detail);
    } catch (e: unknown) {
      this.deps.logger.error('uplink: technical alarm listener failed', { err: errorMessage(e) });
    }
  }

  /** Cuts whatever is waiting now (tests; the poll timer does this in service). */
  flushBatches(): Promise<number> {
    return this.batcher.poll(true);
  }

  status(): UplinkStatus {
    this.checkDropCleared();
    const age = this.outbox.oldestAgeMs();
    return {
      transport: this.transport.kind,
      url: this.cfg.url,
      outbox: { ...this.outbox.stats(), oldestAgeS: age === null ? null : Math.round(age / 1000) },
      delivery: this.delivery.stats(),
      batcher: this.batcher.stats(),
      outboxDropAlarm: this.dropAlarm,
    };
  }
}
