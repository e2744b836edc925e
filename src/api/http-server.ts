/**
 * The hub's local HTTP port: liveness and JSON status for the biomedical engineer, and the
 * bedside view (page, live stream, alarm log, acknowledge / audio pause). A small table of
 * routes (method + exact path); each part of the API contributes its routes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import { BedsideView, type BedsideSettings } from './bedside/routes.ts';
import { sendError, sendJson } from './http-util.ts';
import type { LiveSource } from './live.ts';

export interface StatusSource {
  status(): Promise<Record<string, unknown>>;
}

export interface RequestContext {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  /** Remote address of the client (for lockout and the audit trail). */
  readonly remote: string;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  handle(ctx: RequestContext): Promise<void> | void;
}

export interface HubHttpServerDeps {
  status: StatusSource;
  live: LiveSource;
  bedside: BedsideSettings;
  clock: Clock;
  log: Logger;
}

export class HubHttpServer {
  private server: http.Server | null = null;
  private readonly routes = new Map<string, Map<string, Route>>();
  readonly bedside: BedsideView;

  constructor(private readonly deps: HubHttpServerDeps) {
    this.bedside = new BedsideView({ live: deps.live, settings: deps.bedside, clock: deps.clock, log: deps.log.child({ part: 'bedside' }) });
    this.add({ method: 'GET', path: '/health', handle: ({ res }) => sendJson(res, 200, { status: 'ok' }) });
    this.add({ method: 'GET', path: '/api/status', handle: async ({ res }) => sendJson(res, 200, await deps.status.status()) });
    for (const r of this.bedside.routes()) this.add(r);
  }

  private add(route: Route): void {
    let byMethod = this.routes.get(route.path);
    if (!byMethod) this.routes.set(route.path, (byMethod = new Map()));
    byMethod.set(route.method, route);
  }

  /** Listen; resolves with the URL actually bound (port 0 picks a free one). */
  async listen(host: string, port: number): Promise<string> {
    await this.bedside.load();
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
    this.bedside.close();
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://hub');
    try {
      const byMethod = this.routes.get(url.pathname);
      if (!byMethod) {
        sendError(res, 404, 'VIGIL_HTTP_NOT_FOUND', `no such resource: ${url.pathname}`);
        return;
      }
      // HEAD is answered like GET (node drops the body).
      const route = byMethod.get(req.method === 'HEAD' ? 'GET' : (req.method ?? ''));
      if (!route) {
        const allowed = [...byMethod.keys()].join(', ');
        sendError(res, 405, 'VIGIL_HTTP_METHOD', `${req.method} not served here; use ${allowed}`, { allow: allowed });
        return;
      }
      await route.handle({ req, res, url, remote: req.socket.remoteAddress ?? 'unknown' });
    } catch (e: unknown) {
      this.deps.log.error('request failed', { method: req.method, path: url.pathname, err: e });
      if (!res.headersSent) sendError(res, 500, 'VIGIL_HTTP_INTERNAL', 'internal error');
      else res.destroy();
    }
  }
}
