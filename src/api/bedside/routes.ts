/**
 * The bedside view's routes: the page and its static files, the live stream, the alarm log,
 * and the two controls a nurse has at the bedside (acknowledge, audio pause), which need the
 * bedside PIN. The web code only reads the LiveSource and forwards controls to it.
 *
 * POST /api/alarms/ack, JSON body (all fields optional; an empty body is `{}`):
 *   alarmId   string | null   one alarm, or null (default): every unacknowledged alarm in scope
 *   shown     [{id, onsetMs, state}] | absent
 *             the unacknowledged alarms the screen showed when the nurse pressed the button
 *             (AlarmView id / onsetMs / state, at most 100). Only alarms on that list are
 *             acknowledged: one raised while the PIN was typed keeps sounding, and so does a
 *             LATCHED one shown that has sounded again since (it comes back 'active').
 *             Without it (older clients), the scope is the alarms in force and unacknowledged
 *             when the request arrived at the hub (before its body is read): nothing raised
 *             after the request reached the hub is acknowledged by it.
 *   terminal  string          names the screen in the audit trail (default "bedside")
 * Answers 200 {ok, affected, by}; 409 VIGIL_LIVE_CONTROL_FAILED (reason: the source's code, e.g.
 * an unknown alarm id); 503 VIGIL_LIVE_CONTROL_FAILED while the hub is stopping (reason
 * VIGIL_ALARMS_CLOSED). POST /api/alarms/audio-pause takes {terminal} only.
 */
import { readdir, readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { RequestContext, Route } from '../http-server.ts';
import { isRecord, readJsonBody, sendError, sendJson } from '../http-util.ts';
import type { AlarmView, ControlResult, LiveSource } from '../live.ts';
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
/** Control bodies are a few dozen bytes; an acknowledge with its `shown` list at most ~10 KB. */
const MAX_BODY_BYTES = 16 * 1024;
const TERMINAL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** Most alarms a `shown` list may name (the view sends its first 100, highest priority first). */
const MAX_SHOWN = 100;
/** Control failures that mean "not now" (the hub is stopping), answered 503 rather than 409. */
const UNAVAILABLE: ReadonlySet<string> = new Set(['VIGIL_ALARMS_CLOSED']);

/** One alarm as a screen showed it (the fields of an AlarmView that tell one episode from another). */
export interface ShownAlarm {
  readonly id: string;
  readonly onsetMs: number;
  readonly state: 'active' | 'latched';
}

interface ControlRequest {
  readonly alarmId: string | null;
  readonly terminal: string;
  /** null: not sent (older client). */
  readonly shown: readonly ShownAlarm[] | null;
}

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
    // What was unacknowledged when the request arrived (taken before any await): the scope of
    // an acknowledge from a client that does not send `shown`.
    const arrived = what === 'ack' ? shownOf(this.deps.live.snapshot().alarms) : [];
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
    const result: ControlResult = what === 'ack' ? await this.acknowledge(parsed, by, arrived) : await this.deps.live.pauseAudio(by);
    this.deps.log.info('bedside control', { what, by, alarmId: parsed.alarmId, shown: parsed.shown?.length ?? null, ok: result.ok });
    if (result.ok) sendJson(res, 200, { ok: true, affected: result.affected, by });
    else sendError(res, UNAVAILABLE.has(result.code) ? 503 : 409, 'VIGIL_LIVE_CONTROL_FAILED', result.message, {}, { reason: result.code });
  }

  /**
   * Acknowledges only the alarms the nurse saw (`shown`, else those in force on arrival). The
   * alarms to acknowledge are chosen from a snapshot and acknowledged in the same synchronous
   * run (no await in between: LiveSource.acknowledge acts when called), so nothing raised
   * between the choice and the acknowledgement can be caught by it.
   */
  private async acknowledge(p: ControlRequest, by: string, arrived: readonly ShownAlarm[]): Promise<ControlResult> {
    const live = this.deps.live;
    const current = live.snapshot().alarms;
    // A named alarm not in force: the source's own answer (its "unknown alarm" error).
    if (p.alarmId !== null && !current.some((a) => a.id === p.alarmId)) return live.acknowledge(p.alarmId, by);
    const targets = ackTargets(current, p.shown ?? arrived, p.alarmId);
    // Everything unacknowledged is in scope (nothing raced the nurse): one acknowledge-all, as
    // before (one log batch, one change event).
    if (p.alarmId === null && targets.length === current.filter((a) => a.acknowledged === null).length) return live.acknowledge(null, by);
    if (targets.length === 0) return { ok: true, affected: 0 };
    const results = await Promise.all(targets.map((id) => live.acknowledge(id, by)));
    let affected = 0;
    for (const r of results) if (r.ok) affected += r.affected;
    const failed = results.find((r) => !r.ok);
    return failed !== undefined && results.every((r) => !r.ok) ? failed : { ok: true, affected };
  }
}

/** The unacknowledged alarms of a list, as a screen showing it would report them. */
function shownOf(alarms: readonly AlarmView[]): ShownAlarm[] {
  return alarms.filter((a) => a.acknowledged === null).map((a) => ({ id: a.id, onsetMs: a.onsetMs, state: a.state }));
}

/**
 * The ids of the alarms in force (`current`) an acknowledge may touch: unacknowledged, `alarmId`
 * if one is named, and shown: same id and same onset (a cleared alarm raised again is a new
 * one). A LATCHED alarm shown that is active again has re-alarmed since: not what was seen.
 */
export function ackTargets(current: readonly AlarmView[], shown: readonly ShownAlarm[], alarmId: string | null): string[] {
  const byId = new Map(shown.map((s) => [s.id, s]));
  return current
    .filter((a) => {
      if (a.acknowledged !== null || (alarmId !== null && a.id !== alarmId)) return false;
      const s = byId.get(a.id);
      return s !== undefined && s.onsetMs === a.onsetMs && !(s.state === 'latched' && a.state === 'active');
    })
    .map((a) => a.id);
}

/** The files under static/ the page may load (fixed list: the route table is built before load()). */
function staticNames(): string[] {
  return ['bedside.css', 'bedside.js', 'sweep.js', 'audio.js', 'patterns.js', 'keypad.js', 'format.js'];
}

function parseControl(v: unknown, what: 'ack' | 'audio-pause'): ControlRequest | string {
  if (!isRecord(v)) return 'body must be a JSON object';
  const terminal = v.terminal ?? 'bedside';
  if (typeof terminal !== 'string' || !TERMINAL.test(terminal)) return 'terminal must be a name of letters, digits, "_", "." or "-" (at most 32)';
  let alarmId: string | null = null;
  let shown: ShownAlarm[] | null = null;
  if (what === 'ack') {
    const a = v.alarmId ?? null;
    if (a !== null && (typeof a !== 'string' || a.length === 0 || a.length > 200)) return 'alarmId must be an alarm id string or null (all unacknowledged alarms)';
    alarmId = a;
    const s = v.shown ?? null;
    if (s !== null) {
      const bad = `shown must be a list of at most ${MAX_SHOWN} alarms as shown: {"id": string, "onsetMs": number, "state": "active"|"latched"}`;
      if (!Array.isArray(s) || s.length > MAX_SHOWN) return bad;
      shown = [];
      for (const x of s as unknown[]) {
        if (!isRecord(x)) return bad;
        const { id, onsetMs, state } = x;
        if (typeof id !== 'string' || id.length === 0 || id.length > 200 || typeof onsetMs !== 'number' || !Number.isFinite(onsetMs) || (state !== 'active' && state !== 'latched')) return bad;
        shown.push({ id, onsetMs, state });
      }
    }
  }
  return { alarmId, terminal, shown };
}

/** An integer query parameter within [min, max]; `fallback` when absent; null when malformed. */
function intParam<T extends number | undefined>(url: URL, name: string, fallback: T, min: number, max: number): number | T | null {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,16}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= min && n <= max ? n : null;
}
