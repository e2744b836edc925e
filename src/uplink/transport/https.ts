/**
 * HTTPS transport: one POST per batch, `Content-Type: application/cbor`, optional bearer
 * token, TLS verified against `caFile` (the system CAs when absent), optional client
 * certificate (mutual TLS). `http://` URLs work too (tests, a local relay).
 *
 * Answers: 2xx = acknowledged (the receiver wrote the batch durably before answering), 409 =
 * already have it (duplicate), also an ack. 400, 413, 415, 422 = this batch is bad for good
 * (rejected: parked, not retried). Anything else (401/403 while a token is being fixed, 404
 * while a proxy is reconfigured, 429, 5xx), a timeout or a network error: retried.
 *
 * One keep-alive connection: requests go out one after another on it, so batches reach the
 * receiver in sequence order (a retry after a failure excepted); the delivery window only
 * bounds how many wait in line.
 */
import http from 'node:http';
import https from 'node:https';
import { VigilError, errorMessage } from '../../core/errors.ts';
import { readTlsFile, rejected, sendFailed, timedOut, type LinkListener, type SendMeta, type Transport } from './transport.ts';

export interface HttpsTransportOptions {
  readonly url: string;
  readonly caFile?: string | null;
  readonly certFile?: string | null;
  readonly keyFile?: string | null;
  readonly token?: string | null;
  /** Socket inactivity allowed while connecting or waiting for the answer. Default 30 s. */
  readonly timeoutMs?: number;
}

const PERMANENT = new Set([400, 413, 415, 422]);
/** Bytes of a response body kept for the log. */
const BODY_LIMIT = 4096;

export class HttpsTransport implements Transport {
  readonly kind = 'https';
  private agent: http.Agent | null = null;
  private readonly url: URL;
  private closed = false;
  private readonly pending = new Set<http.ClientRequest>();

  constructor(private readonly opts: HttpsTransportOptions) {
    try {
      this.url = new URL(opts.url);
    } catch {
      throw new VigilError('VIGIL_CONFIG_INVALID', `uplink.url: "${opts.url}" is not a URL`, { details: { key: 'uplink.url' } });
    }
    if (this.url.protocol !== 'https:' && this.url.protocol !== 'http:') {
      throw new VigilError('VIGIL_CONFIG_INVALID', `uplink.url: expected https:// (or http://), got ${this.url.protocol}`, { details: { key: 'uplink.url' } });
    }
  }

  async start(_link: LinkListener): Promise<void> {
    const read = readTlsFile;
    if (this.url.protocol === 'https:') {
      const [ca, cert, key] = [await read(this.opts.caFile, 'caFile'), await read(this.opts.certFile, 'certFile'), await read(this.opts.keyFile, 'keyFile')];
      this.agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca, cert, key });
    } else {
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    }
  }

  send(bytes: Uint8Array, meta: SendMeta): Promise<void> {
    if (this.closed || this.agent === null) return Promise.reject(new VigilError('VIGIL_UPLINK_CLOSED', 'uplink transport closed'));
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/cbor',
      'content-length': bytes.length,
      'x-vigil-hub': meta.hubId,
      'x-vigil-seq': String(meta.seq),
    };
    if (this.opts.token) headers['authorization'] = `Bearer ${this.opts.token}`;
    const lib = this.url.protocol === 'https:' ? https : http;
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const details = { seq: meta.seq, url: this.url.origin + this.url.pathname };
    return new Promise<void>((resolve, reject) => {
      const req = lib.request(this.url, { method: 'POST', headers, agent: this.agent as http.Agent, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < BODY_LIMIT) body += c;
        });
        res.on('error', (e) => reject(sendFailed(`response error: ${errorMessage(e)}`, details, e)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const answer = { ...details, status, body: body.slice(0, BODY_LIMIT) };
          if ((status >= 200 && status < 300) || status === 409) resolve();
          else if (PERMANENT.has(status)) reject(rejected(`upstream rejected batch ${meta.seq}: HTTP ${status} ${body.slice(0, 200)}`, answer));
          else reject(sendFailed(`upstream answered HTTP ${status}`, answer));
        });
      });
      this.pending.add(req);
      req.on('close', () => this.pending.delete(req));
      // Socket inactivity (connect included): a stalled upstream fails the batch, which is retried.
      req.on('timeout', () => req.destroy(timedOut(`no answer within ${timeoutMs} ms`, details)));
      req.on('error', (e: unknown) => reject(e instanceof VigilError ? e : sendFailed(errorMessage(e), details, e)));
      req.end(bytes);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.pending) r.destroy(new VigilError('VIGIL_UPLINK_CLOSED', 'uplink transport closed'));
    this.agent?.destroy();
  }
}
