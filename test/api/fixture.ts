/**
 * A hub HTTP server on loopback with a scripted LiveSource and a manual clock, and a small
 * Server-Sent Events reader, for the HTTP tests of the bedside view.
 */
import http from 'node:http';
import type { BedsideSettings } from '../../src/api/bedside/routes.ts';
import { HubHttpServer } from '../../src/api/http-server.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { LiveDouble } from '../support/live-double.ts';

export interface Fixture {
  clock: ManualClock;
  live: LiveDouble;
  server: HubHttpServer;
  url: string;
  close(): Promise<void>;
}

export async function startFixture(settings: Partial<BedsideSettings> = {}): Promise<Fixture> {
  const clock = new ManualClock();
  const live = new LiveDouble({ clock });
  const server = new HubHttpServer({
    status: { status: async () => ({ hub: { id: 'test-hub' }, devices: [] }) },
    live,
    bedside: { pin: null, pxPerMm: null, maxPinFailures: 5, lockoutMs: 30_000, ...settings },
    clock,
    log: silentLogger,
  });
  const url = await server.listen('127.0.0.1', 0);
  return { clock, live, server, url, close: () => server.close() };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: { error?: { code: string; message: string; reason?: string }; ok?: boolean; affected?: number; by?: string }; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as never, headers: r.headers };
}

export interface SseFrame {
  event: string;
  data: string;
}

/** Reads an SSE stream frame by frame. */
export class SseReader {
  readonly frames: SseFrame[] = [];
  private buf = '';
  private waiters: Array<() => void> = [];
  ended = false;
  private constructor(readonly res: http.IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buf += chunk;
      let i;
      while ((i = this.buf.indexOf('\n\n')) >= 0) {
        const block = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        const f: SseFrame = { event: 'message', data: '' };
        let hasData = false;
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) f.event = line.slice(7);
          else if (line.startsWith('data: ')) {
            f.data += line.slice(6);
            hasData = true;
          }
        }
        if (hasData) this.frames.push(f);
      }
      this.wake();
    });
    res.on('end', () => {
      this.ended = true;
      this.wake();
    });
    res.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  static open(url: string): Promise<SseReader> {
    return new Promise((resolve, reject) => {
      http.get(url, (res) => resolve(new SseReader(res))).on('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until at least `n` frames have arrived (or the stream ended). */
  async waitFor(n: number, timeoutMs = 5000): Promise<SseFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n && !this.ended) {
      if (Date.now() > deadline) throw new Error(`only ${this.frames.length} of ${n} SSE frames arrived`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.frames;
  }

  close(): void {
    this.res.destroy();
  }
}
