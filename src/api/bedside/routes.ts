/**
 * The bedside view's routes: the page and its static files, the live stream, the alarm log,
 * and the two controls a nurse has at the bedside (acknowledge, audio pause), which need the
 * bedside PIN. The web code only reads the LiveSource and forwards controls to it.
 */
import { readdir, readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { RequestContext, Route } from '../http-server.ts';
import { isRecord, readJsonBody, sendError, sendJson } from '../http-util.ts';
import type { ControlResult, LiveSource } from '../live.ts';
import { PinGuard, presentedPin } from './auth.ts';
import { LiveStream, type LiveStreamStats } from './live-stream.ts';

/** The `bedside` section of the configuration, plus knobs tests turn. */
export interface BedsideSettings {
  /** PIN or token for acknowledge / audio pause; null: the view is read-only. */
  pin: string | null;
  /** Screen calibration in CSS px per mm; null: the nominal 96 / 25.4. */
  pxPerMm: number | null;
  maxPinFailures: number;
  lockoutMs: number;
  maxLockoutMs?: number;
  heartbeatMs?: number;
  waveDropBytes?: number;
  maxBufferedBytes?: number;
}

const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/** Everything the page loads comes from the hub itself: it works offline and runs no foreign script. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
/** Control bodies are a few dozen bytes. */
const MAX_BODY_BYTES = 4096;
const TERMINAL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

export interface BedsideViewDeps {
  live: LiveSource;
  settings: BedsideSettings;
  clock: Clock;
  log: Logger;
}

export class BedsideView {
  private readonly guard: PinGuard;
  private readonly stream: LiveStream;
  private files = new Map<string, { type: string; body: Buffer }>();

  constructor(private readonly deps: BedsideViewDeps) {
    const s = deps.settings;
    this.guard = new PinGuard({ pin: s.pin, maxFailures: s.maxPinFailures, lockoutMs: s.lockoutMs, maxLockoutMs: s.maxLockoutMs ?? 15 * 60_000, clock: deps.clock });
    this.stream = new LiveStream(deps.live, deps.clock, deps.log, {
      heartbeatMs: s.heartbeatMs ?? 5000,
      // About 10 s of one ECG lead as JSON: beyond that the client is not keeping up.
      waveDropBytes: s.waveDropBytes ?? 32 * 1024,
      maxBufferedBytes: s.maxBufferedBytes ?? 1024 * 1024,
      view: { readOnly: s.pin === null, pxPerMm: s.pxPerMm },
    });
  }

  /** Reads the static files once (a handful of small files), before the port opens. */
  async load(): Promise<void> {
    const files = new Map<string, { type: string; body: Buffer }>();
    for (const name of await readdir(STATIC_DIR)) {
      const type = TYPES[path.extname(name)];
      if (type) files.set(name, { type, body: await readFile(path.join(STATIC_DIR, name)) });
    }
    this.files = files;
  }

  liveStats(): LiveStreamStats {
    return this.stream.stats();
  }

  close(): void {
    this.stream.close();
  }

  routes(): Route[] {
    const routes: Route[] = [
      { method: 'GET', path: '/', handle: ({ res }) => this.serveFile(res, 'index.html') },
      { method: 'GET', path: '/api/live', handle: ({ req, res }) => this.stream.attach(req, res) },
      { method: 'GET', path: '/api/alarms', handle: (ctx) => this.alarmLog(ctx) },
      { method: 'POST', path: '/api/alarms/ack', handle: (ctx) => this.control(ctx, 'ack') },
      { method: 'POST', path: '/api/alarms/audio-pause', handle: (ctx) => this.control(ctx, 'audio-pause') },
    ];
    for (const name of staticNames()) routes.push({ method: 'GET', path: `/static/${name}`, handle: ({ res }) => this.serveFile(res, name) });
    return routes;
  }

  private serveFile(res: http.ServerResponse, name: string): void {
    const f = this.files.get(name);
    if (!f) {
      sendError(res, 404, 'VIGIL_HTTP_NOT_FOUND', `no such file: ${name}`);
      return;
    }
    // no-cache: after an update the screen picks up the new view on its next reload.
    res.writeHead(200, { 'content-type': f.type, 'cache-control': 'no-cache', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
    res.end(f.body);
  }

  private async alarmLog({ res, url }: RequestContext): Promise<void> {
    const limit = intParam(url, 'limit', 50, 1, 500);
    const before = intParam(url, 'before', undefined, 0, Number.MAX_SAFE_INTEGER);
    if (limit === null || before === null) {
      sendError(res, 400, 'VIGIL_HTTP_BAD_REQUEST', 'limit must be an integer 1-500 and before a non-negative integer (a log seq)');
      return;
    }
    const entries = await this.deps.live.alarmLog(before === undefined ? { limit } : { limit, beforeSeq: before });
    const last = entries[entries.length - 1];
    sendJson(res, 200, { entries, nextBefore: entries.length === limit && last ? last.seq : null });
  }

  private async control({ req, res, remote }: RequestContext, what: 'ack' | 'audio-pause'): Promise<void> {
    // Authentication before the body is even read.
    const auth = this.guard.check(remote, presentedPin(req.headers.authorization));
    if (!auth.ok) {
      req.resume();
      const headers: Record<string, string> = auth.retryAfterS !== undefined ? { 'retry-after': String(auth.retryAfterS) } : {};
      if (auth.status === 401) headers['www-authenticate'] = 'Bearer realm="vigil-bedside"';
      sendError(res, auth.status, auth.code, auth.message, headers);
      if (auth.code !== 'VIGIL_AUTH_REQUIRED') this.deps.log.warn('bedside control refused', { remote, what, code: auth.code });
      return;
    }
    const body = await readJsonBody(req, MAX_BODY_BYTES);
    if (!body.ok) {
      sendError(res, body.status, body.code, body.message);
      return;
    }
    const parsed = parseControl(body.value, what);
    if (typeof parsed === 'string') {
      sendError(res, 400, 'VIGIL_HTTP_BAD_REQUEST', parsed);
      return;
    }
    // The audit trail names the terminal the nurse used and the address it came from.
    const by = `${parsed.terminal}@${remote}`;
    const result: ControlResult = what === 'ack' ? await this.deps.live.acknowledge(parsed.alarmId, by) : await this.deps.live.pauseAudio(by);
    this.deps.log.info('bedside control', { what, by, alarmId: parsed.alarmId, ok: result.ok });
    if (result.ok) sendJson(res, 200, { ok: true, affected: result.affected, by });
    else sendError(res, 409, 'VIGIL_LIVE_CONTROL_FAILED', result.message, {}, { reason: result.code });
  }
}

/** The files under static/ the page may load (fixed list: the route table is built before load()). */
function staticNames(): string[] {
  return ['bedside.css', 'bedside.js', 'sweep.js', 'audio.js', 'patterns.js', 'keypad.js', 'format.js'];
}

function parseControl(v: unknown, what: 'ack' | 'audio-pause'): { alarmId: string | null; terminal: string } | string {
  if (!isRecord(v)) return 'body must be a JSON object';
  const terminal = v.terminal ?? 'bedside';
  if (typeof terminal !== 'string' || !TERMINAL.test(terminal)) return 'terminal must be a name of letters, digits, "_", "." or "-" (at most 32)';
  let alarmId: string | null = null;
  if (what === 'ack') {
    const a = v.alarmId ?? null;
    if (a !== null && (typeof a !== 'string' || a.length === 0 || a.length > 200)) return 'alarmId must be an alarm id string or null (all unacknowledged alarms)';
    alarmId = a;
  }
  return { alarmId, terminal };
}

/** An integer query parameter within [min, max]; `fallback` when absent; null when malformed. */
function intParam<T extends number | undefined>(url: URL, name: string, fallback: T, min: number, max: number): number | T | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,16}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= min && n <= max ? n : null;
}
