/**
 * MQTT transport (mqtt package, MQTT 5): each batch is published with QoS 1 on
 * `<topic>` (default vigil/<hub>/batches), with the sequence number in a user property
 * (`seq`) so the receiver can answer even a batch it cannot decode.
 *
 * Which ack deletes the outbox entry: NOT the PUBACK. A PUBACK only says the broker has the
 * message; a broker restart without persistence, or a receiver that never subscribed, would
 * lose it. The receiver publishes an application ack on `<ackTopic>` (default
 * vigil/<hub>/acks: JSON {"seq", "status": "stored"|"duplicate"} or {"seq", "error": {code,
 * message}}) AFTER its durable write, and only that deletes the batch here. An "error" ack
 * is a permanent rejection (parked).
 *
 * Persistent session (clean start off, fixed client id, session expiry one week): acks
 * published while the hub was offline are delivered when it reconnects, and QoS 1 publishes
 * not yet PUBACKed are resent by the client after a reconnect. The client's 'connect' event
 * tells the delivery loop the link is back (immediate resumption).
 */
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { VigilError, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { readTlsFile, rejected, sendFailed, timedOut, type LinkListener, type SendMeta, type Transport } from './transport.ts';

export interface MqttTransportOptions {
  readonly url: string;
  readonly hubId: string;
  /** Topic templates; "{hub}" is replaced by the hub id. */
  readonly topic?: string;
  readonly ackTopic?: string;
  readonly clientId?: string;
  readonly caFile?: string | null;
  readonly certFile?: string | null;
  readonly keyFile?: string | null;
  /** Sent as the MQTT password (user name: the hub id). */
  readonly token?: string | null;
  /** Wait for the receiver's application ack. Default 30 s. */
  readonly ackTimeoutMs?: number;
  readonly reconnectMs?: number;
  readonly logger: Logger;
}

/** Session kept by the broker while the hub is offline (MQTT 5 Session Expiry Interval, s). */
const SESSION_EXPIRY_S = 7 * 24 * 3600;

export const topicFor = (template: string, hubId: string): string => template.replaceAll('{hub}', hubId);

interface Waiter {
  resolve(): void;
  reject(e: VigilError): void;
  timer: NodeJS.Timeout;
}

export class MqttTransport implements Transport {
  readonly kind = 'mqtt';
  private client: MqttClient | null = null;
  private readonly waiters = new Map<number, Waiter>();
  private readonly topic: string;
  private readonly ackTopic: string;

  constructor(private readonly opts: MqttTransportOptions) {
    this.topic = topicFor(opts.topic ?? 'vigil/{hub}/batches', opts.hubId);
    this.ackTopic = topicFor(opts.ackTopic ?? 'vigil/{hub}/acks', opts.hubId);
  }

  async start(link: LinkListener): Promise<void> {
    const read = readTlsFile;
    const options: IClientOptions = {
      clientId: this.opts.clientId ?? `vigil-${this.opts.hubId}`,
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: SESSION_EXPIRY_S },
      reconnectPeriod: this.opts.reconnectMs ?? 1000,
      connectTimeout: 10_000,
      ca: await read(this.opts.caFile, 'caFile'),
      cert: await read(this.opts.certFile, 'certFile'),
      key: await read(this.opts.keyFile, 'keyFile'),
      ...(this.opts.token ? { username: this.opts.hubId, password: this.opts.token } : {}),
    };
    const client = connect(this.opts.url, options);
    this.client = client;
    const log = this.opts.logger;
    client.on('connect', () => {
      // Subscribing again is harmless with a persistent session, and needed on the first one.
      client.subscribe(this.ackTopic, { qos: 1 }, (err) => {
        if (err) {
          log.error('uplink mqtt: cannot subscribe to the ack topic', { topic: this.ackTopic, err: errorMessage(err) });
          link.down(`subscribe ${this.ackTopic}: ${errorMessage(err)}`);
        } else link.up();
      });
    });
    client.on('close', () => link.down('mqtt connection closed'));
    client.on('offline', () => link.down('mqtt offline'));
    client.on('error', (e) => log.warn('uplink mqtt: client error', { err: errorMessage(e) }));
    client.on('message', (topic, payload, packet) => this.onAck(topic, payload, packet));
  }

  private onAck(topic: string, payload: Buffer, _packet: IPublishPacket): void {
    if (topic !== this.ackTopic) return;
    let msg: unknown;
    try {
      msg = JSON.parse(payload.toString('utf8')) as unknown;
    } catch {
      this.opts.logger.warn('uplink mqtt: unreadable ack ignored', { topic });
      return;
    }
    const m = msg as { seq?: unknown; status?: unknown; error?: { code?: unknown; message?: unknown } };
    if (typeof m.seq !== 'number') return;
    const w = this.waiters.get(m.seq);
    if (w === undefined) return; // a late ack for a batch already retried or acked
    this.waiters.delete(m.seq);
    clearTimeout(w.timer);
    if (m.error !== undefined && m.error !== null) {
      w.reject(rejected(`receiver rejected batch ${m.seq}: ${String(m.error.code)} ${String(m.error.message)}`, { seq: m.seq, code: m.error.code }));
    } else w.resolve();
  }

  send(bytes: Uint8Array, meta: SendMeta): Promise<void> {
    const client = this.client;
    if (client === null) return Promise.reject(new VigilError('VIGIL_UPLINK_CLOSED', 'uplink transport not started'));
    // Not queued in the client while offline: the delivery loop retries when 'connect' comes.
    if (!client.connected) return Promise.reject(sendFailed('mqtt not connected', { seq: meta.seq }));
    const timeoutMs = this.opts.ackTimeoutMs ?? 30_000;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(meta.seq);
        reject(timedOut(`no receiver ack for batch ${meta.seq} within ${timeoutMs} ms`, { seq: meta.seq }));
      }, timeoutMs);
      this.waiters.set(meta.seq, { resolve, reject, timer });
      client.publish(
        this.topic,
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        { qos: 1, properties: { contentType: 'application/cbor', userProperties: { seq: String(meta.seq), hub: meta.hubId } } },
        (err) => {
          if (!err) return;
          const w = this.waiters.get(meta.seq);
          if (w === undefined) return;
          this.waiters.delete(meta.seq);
          clearTimeout(w.timer);
          w.reject(sendFailed(`publish failed: ${errorMessage(err)}`, { seq: meta.seq }, err));
        },
      );
    });
  }

  async close(): Promise<void> {
    for (const [seq, w] of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new VigilError('VIGIL_UPLINK_CLOSED', `uplink closed before batch ${seq} was acknowledged`));
    }
    this.waiters.clear();
    const c = this.client;
    this.client = null;
    if (c !== null) await c.endAsync(true).catch(() => undefined);
  }
}
