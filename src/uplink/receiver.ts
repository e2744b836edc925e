/**
 * Reference receiver for uplink batches (`vigil receive`): accepts batches over HTTP(S) POST
 * or from an MQTT broker, validates them with the batch decoder, deduplicates by (hub, seq),
 * writes each one durably, and only then acknowledges.
 *
 * Durable index = the files themselves: `<out>/<hub>/<seq:12>.cbor`, written to a temporary
 * file, fsynced, renamed into place, directory fsynced (POSIX rename is atomic: a crash
 * leaves either no file or the whole batch). A batch whose file exists is a duplicate: answered
 * as acknowledged, not written again. So at-least-once delivery from the hub becomes
 * exactly-once here.
 *
 * Answers (HTTP): 200 {"ack": seq, "status": "stored"|"duplicate"}; 400 {"error": {code,
 * message}} for a batch that does not decode (truncated, wrong version, invalid); 413 for
 * one above --max-bytes; 415 without Content-Type application/cbor; 401 without the token;
 * 500 when the write fails (the hub retries). MQTT: the same facts as JSON on the ack topic.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { errorMessage } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { DEFAULT_MAX_BATCH_BYTES, decodeBatch, type Batch } from './batch.ts';
import { seqKey } from './outbox.ts';
import { topicFor } from './transport/mqtt.ts';

/** Same rule as hub ids in the config: safe as a directory name. */
const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export type AcceptResult =
  | { readonly status: 'stored' | 'duplicate'; readonly hubId: string; readonly seq: number; readonly batch: Batch; readonly bytes: number }
  | { readonly status: 'rejected'; readonly code: string; readonly message: string; readonly httpStatus: number };

export interface ReceivedInfo {
  readonly status: 'stored' | 'duplicate';
  readonly hubId: string;
  readonly seq: number;
  readonly bytes: number;
  readonly waves: number;
  readonly beats: number;
  readonly measurements: number;
  readonly events: number;
  readonly alarms: number;
  readonly dropped: number;
  readonly via: 'http' | 'mqtt';
}

export interface BatchSinkOptions {
  readonly outDir: string;
  readonly maxBytes?: number;
  readonly logger?: Logger;
  /** Called after every accepted batch (stored or duplicate), in arrival order. */
  readonly onBatch?: (info: ReceivedInfo) => void;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Validation, dedup and durable writes, shared by the HTTP and MQTT front ends. */
export class BatchSink {
  private readonly known = new Map<string, Set<number>>();
  /** (hub, seq) being written now: a concurrent copy waits for it, then is a duplicate. */
  private readonly writing = new Map<string, Promise<void>>();
  readonly maxBytes: number;
  private readonly logger: Logger;

  constructor(private readonly opts: BatchSinkOptions) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.logger = opts.logger ?? silentLogger;
  }

  private async seqsOf(hubId: string): Promise<Set<number>> {
    let set = this.known.get(hubId);
    if (set !== undefined) return set;
    set = new Set();
    const dir = path.join(this.opts.outDir, hubId);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      const m = /^(\d+)\.cbor$/.exec(name);
      if (m) set.add(Number(m[1]));
      else if (name.includes('.tmp-')) await rm(path.join(dir, name), { force: true }); // a write cut by a crash
    }
    this.known.set(hubId, set);
    return set;
  }

  async accept(bytes: Uint8Array, via: 'http' | 'mqtt'): Promise<AcceptResult> {
    const d = decodeBatch(bytes, { maxBytes: this.maxBytes });
    if (!d.ok) return { status: 'rejected', code: d.code, message: d.message, httpStatus: d.code === 'VIGIL_BATCH_TOO_LARGE' ? 413 : 400 };
    const b = d.batch;
    if (!HUB_ID.test(b.hubId)) {
      return { status: 'rejected', code: 'VIGIL_BATCH_INVALID', message: `hub id ${JSON.stringify(b.hubId)} is not a valid id`, httpStatus: 400 };
    }
    const key = `${b.hubId}/${b.seq}`;
    for (let w = this.writing.get(key); w !== undefined; w = this.writing.get(key)) await w.catch(() => undefined);
    const seqs = await this.seqsOf(b.hubId);
    let status: 'stored' | 'duplicate' = 'duplicate';
    if (!seqs.has(b.seq)) {
      const p = this.write(b.hubId, b.seq, bytes);
      this.writing.set(key, p);
      try {
        await p;
      } finally {
        this.writing.delete(key);
      }
      seqs.add(b.seq);
      status = 'stored';
    }
    const info: ReceivedInfo = {
      status, hubId: b.hubId, seq: b.seq, bytes: bytes.length, waves: b.waves.length, beats: b.beats.length,
      measurements: b.measurements.length, events: b.events.length, alarms: b.alarms.length, dropped: b.dropped.length, via,
    };
    try {
      this.opts.onBatch?.(info);
    } catch (e: unknown) {
      this.logger.error('receiver: batch listener failed', { err: errorMessage(e) });
    }
    return { status, hubId: b.hubId, seq: b.seq, batch: b, bytes: bytes.length };
  }

  private async write(hubId: string, seq: number, bytes: Uint8Array): Promise<void> {
    const dir = path.join(this.opts.outDir, hubId);
    const final = path.join(dir, `${seqKey(seq)}.cbor`);
    const tmp = path.join(dir, `.${seqKey(seq)}.tmp-${randomBytes(4).toString('hex')}`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    await fsyncDir(dir);
  }
}

export interface HttpReceiverOptions {
  readonly sink: BatchSink;
  readonly token?: string | null;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer; readonly requestClientCert?: boolean } | null;
  readonly logger?: Logger;
}

const json = (res: http.ServerResponse, status: number, body: unknown): void => {
  const s = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) });
  res.end(s);
};

const fail = (res: http.ServerResponse, status: number, code: string, message: string): void => json(res, status, { error: { code, message } });

/** The HTTP(S) front end: POST application/cbor to any path. */
export class HttpReceiver {
  private server: http.Server | null = null;
  private readonly logger: Logger;

  constructor(private readonly opts: HttpReceiverOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  /** Resolves with the URL it listens on (port 0 picks a free port). */
  listen(port: number, host = '127.0.0.1'): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => {
        this.logger.error('receiver: request failed', { err: errorMessage(e) });
        if (!res.headersSent) fail(res, 500, 'VIGIL_INTERNAL', `could not store the batch: ${errorMessage(e)}`);
        else res.destroy();
      });
    };
    const tls = this.opts.tls;
    const server = tls
      ? https.createServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: tls.requestClientCert ?? false, rejectUnauthorized: tls.requestClientCert ?? false }, handler)
      : http.createServer(handler);
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const a = server.address();
        const p = typeof a === 'object' && a !== null ? a.port : port;
        resolve(`${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${p}/`);
      });
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') return fail(res, 405, 'VIGIL_HTTP_METHOD', 'POST a batch (application/cbor)');
    const token = this.opts.token;
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      req.resume();
      return fail(res, 401, 'VIGIL_AUTH_FAILED', 'missing or wrong bearer token');
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/cbor') {
      req.resume();
      return fail(res, 415, 'VIGIL_HTTP_UNSUPPORTED_MEDIA', `expected Content-Type application/cbor, got ${type || 'none'}`);
    }
    const max = this.opts.sink.maxBytes;
    const declared = Number(req.headers['content-length'] ?? NaN);
    const tooLarge = (): void => {
      res.setHeader('connection', 'close');
      fail(res, 413, 'VIGIL_BATCH_TOO_LARGE', `batch larger than the limit of ${max} bytes`);
    };
    if (Number.isFinite(declared) && declared > max) {
      req.resume();
      return tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > max) {
        tooLarge();
        req.destroy();
        return;
      }
      chunks.push(c);
    }
    const r = await this.opts.sink.accept(Buffer.concat(chunks, size), 'http');
    if (r.status === 'rejected') {
      this.logger.warn('receiver: batch rejected', { code: r.code, message: r.message, hub: req.headers['x-vigil-hub'], seq: req.headers['x-vigil-seq'] });
      return fail(res, r.httpStatus, r.code, r.message);
    }
    json(res, 200, { ack: r.seq, status: r.status });
  }

  async close(): Promise<void> {
    const s = this.server;
    if (s === null) return;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

export interface MqttReceiverOptions {
  readonly sink: BatchSink;
  readonly url: string;
  /** Subscription; default vigil/+/batches. */
  readonly topic?: string;
  /** Ack topic template ({hub}); default vigil/{hub}/acks. */
  readonly ackTopic?: string;
  readonly clientId?: string;
  readonly logger?: Logger;
}

/**
 * The MQTT front end. The broker's copy is PUBACKed only after the durable write (mqtt.js
 * sends the PUBACK when handleMessage calls back), so a receiver crash makes the broker
 * deliver the batch again; the application ack goes to the hub after the write too.
 */
export class MqttReceiver {
  private client: MqttClient | null = null;
  private readonly logger: Logger;

  constructor(private readonly opts: MqttReceiverOptions) {
    this.logger = opts.logger ?? silentLogger;
  }

  start(): Promise<void> {
    const topic = this.opts.topic ?? 'vigil/+/batches';
    const client = connect(this.opts.url, {
      clientId: this.opts.clientId ?? 'vigil-receiver',
      clean: false,
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 7 * 24 * 3600 },
      reconnectPeriod: 1000,
    });
    this.client = client;
    client.handleMessage = (packet, done) => {
      this.onMessage(client, packet.topic, packet.payload, packet.properties?.userProperties).then(
        () => done(),
        (e: unknown) => {
          // No PUBACK: the broker delivers it again after a reconnect.
          this.logger.error('receiver: could not store an MQTT batch', { err: errorMessage(e) });
          done(e instanceof Error ? e : new Error(String(e)));
        },
      );
    };
    client.on('error', (e) => this.logger.warn('receiver: mqtt error', { err: errorMessage(e) }));
    return new Promise((resolve, reject) => {
      client.once('connect', () => {
        client.subscribe(topic, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
      });
      client.once('error', reject);
    });
  }

  private async onMessage(client: MqttClient, topic: string, payload: Buffer | string, props: Record<string, string | string[]> | undefined): Promise<void> {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
    const r = await this.opts.sink.accept(bytes, 'mqtt');
    const hub = r.status === 'rejected' ? (one(props?.['hub']) ?? topic.split('/')[1] ?? 'unknown') : r.hubId;
    const hintSeq = Number(one(props?.['seq']));
    const ack =
      r.status === 'rejected'
        ? { seq: Number.isSafeInteger(hintSeq) ? hintSeq : null, error: { code: r.code, message: r.message } }
        : { seq: r.seq, status: r.status };
    if (r.status === 'rejected') this.logger.warn('receiver: batch rejected', { topic, code: r.code, message: r.message });
    if (!HUB_ID.test(hub)) return;
    // Not awaited: the PUBACK of this publish is an incoming packet, and mqtt.js reads no
    // packet until handleMessage calls back. QoS 1: the client resends it if needed.
    client.publish(topicFor(this.opts.ackTopic ?? 'vigil/{hub}/acks', hub), JSON.stringify(ack), { qos: 1 }, (err) => {
      if (err) this.logger.warn('receiver: ack not published', { hub, seq: ack.seq, err: errorMessage(err) });
    });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c !== null) await c.endAsync(true).catch(() => undefined);
  }
}
