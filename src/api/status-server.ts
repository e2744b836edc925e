/**
 * The hub's local HTTP port. For now: liveness and a JSON status for the biomedical
 * engineer (devices, their state and counters, store figures). Later issues add the
 * bedside view and the clinician API on the same server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.ts';

export interface StatusSource {
  status(): Promise<Record<string, unknown>>;
}

export class StatusServer {
  private server: http.Server | null = null;

  constructor(
    private readonly source: StatusSource,
    private readonly log: Logger,
  ) {}

  /** Listen; resolves with the URL actually bound (port 0 picks a free one). */
  async listen(host: string, port: number): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `http://${shownHost}:${addr.port}/`;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub');
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, { error: { code: 'VIGIL_HTTP_METHOD', message: 'only GET is served here' } });
        return;
      }
      if (url.pathname === '/health') {
        send(res, 200, { status: 'ok' });
      } else if (url.pathname === '/' || url.pathname === '/api/status') {
        send(res, 200, await this.source.status());
      } else {
        send(res, 404, { error: { code: 'VIGIL_HTTP_NOT_FOUND', message: `no such resource: ${url.pathname}` } });
      }
    } catch (e: unknown) {
      this.log.error('status request failed', { path: url.pathname, err: e });
      send(res, 500, { error: { code: 'VIGIL_HTTP_INTERNAL', message: 'internal error' } });
    }
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
