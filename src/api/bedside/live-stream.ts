/**
 * The bedside view's live stream, as Server-Sent Events on GET /api/live.
 *
 * Why SSE rather than WebSocket: the stream only goes hub -> browser (acknowledge and audio
 * pause are ordinary authenticated POSTs), SSE is plain HTTP on the server we already run
 * (no upgrade handling, no extra protocol to frame or to fuzz), and the browser's EventSource
 * reconnects by itself. Each (re)connection starts with a full snapshot, so nothing depends
 * on replaying missed events.
 *
 * Frames: `event: snapshot` first (the LiveSnapshot plus the view's settings), then one SSE
 * event per LiveEvent (`wave`, `vitals`, `alarms`, `devices`, `alarm-log`), and a
 * `heartbeat` every few seconds carrying the hub's clock (the view shows "connection lost"
 * when heartbeats stop). Each event is serialised once for all clients.
 *
 * A slow client must not make the hub's memory grow: when a client's socket already holds
 * more than `waveDropBytes` unsent, waveform frames for it are dropped (the view draws the
 * hole as a gap); alarm, vitals and device frames are never dropped. If even those back up
 * beyond `maxBufferedBytes` the client is disconnected: its EventSource reconnects and gets
 * a fresh snapshot, which carries the current alarm state in full.
 */
import type http from 'node:http';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import type { LiveEvent, LiveSource } from '../live.ts';

export interface LiveStreamOptions {
  heartbeatMs: number;
  waveDropBytes: number;
  maxBufferedBytes: number;
  /** Extra fields sent with the snapshot (read-only flag, screen calibration). */
  view: Record<string, unknown>;
}

export interface LiveStreamStats {
  clients: number;
  waveFramesDropped: number;
  clientsDisconnectedSlow: number;
}

interface Client {
  res: http.ServerResponse;
  waveDropped: number;
}

export class LiveStream {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | null = null;
  private heartbeat: TimerHandle | null = null;
  private readonly counters = { waveFramesDropped: 0, clientsDisconnectedSlow: 0 };

  constructor(
    private readonly source: LiveSource,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly opts: LiveStreamOptions,
  ) {}

  stats(): LiveStreamStats {
    return { clients: this.clients.size, ...this.counters };
  }

  attach(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    const client: Client = { res, waveDropped: 0 };
    // The snapshot and the subscription happen in the same tick: no event can fall between them.
    const snapshot = { ...this.source.snapshot(), view: this.opts.view };
    res.write(`retry: 2000\n\n`);
    res.write(frame('snapshot', JSON.stringify(snapshot)));
    this.clients.add(client);
    this.ensureSubscribed();
    const drop = (): void => this.detach(client);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
  }

  /** Ends every stream (hub stopping). */
  close(): void {
    for (const c of [...this.clients]) {
      c.res.end();
      this.detach(c);
    }
  }

  private detach(c: Client): void {
    if (!this.clients.delete(c)) return;
    if (c.waveDropped > 0) this.log.info('live client left; waveform frames were dropped for it', { dropped: c.waveDropped });
    if (this.clients.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = null;
      if (this.heartbeat) this.clock.clearTimeout(this.heartbeat);
      this.heartbeat = null;
    }
  }

  private ensureSubscribed(): void {
    if (this.unsubscribe === null) this.unsubscribe = this.source.subscribe((ev) => this.broadcast(ev));
    if (this.heartbeat === null) this.scheduleHeartbeat();
  }

  private scheduleHeartbeat(): void {
    this.heartbeat = this.clock.setTimeout(() => {
      this.heartbeat = null;
      if (this.clients.size === 0) return;
      this.send(frame('heartbeat', JSON.stringify({ nowMs: this.clock.wallMs() })), false);
      this.scheduleHeartbeat();
    }, this.opts.heartbeatMs);
  }

  private broadcast(ev: LiveEvent): void {
    if (this.clients.size === 0) return;
    const wave = ev.type === 'wave';
    const data = wave ? waveJson(ev) : JSON.stringify(ev);
    this.send(frame(ev.type, data), wave);
  }

  private send(text: string, droppable: boolean): void {
    for (const c of [...this.clients]) {
      const pending = c.res.writableLength;
      if (droppable && pending > this.opts.waveDropBytes) {
        c.waveDropped++;
        this.counters.waveFramesDropped++;
        continue;
      }
      if (pending > this.opts.maxBufferedBytes) {
        this.counters.clientsDisconnectedSlow++;
        this.log.warn('live client too slow: disconnected (it reconnects and gets a fresh snapshot)', { pendingBytes: pending });
        c.res.destroy();
        this.detach(c);
        continue;
      }
      c.res.write(text);
    }
  }
}

function frame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

/** Waveform JSON with samples rounded to 1 µV: a third of the bytes of full doubles, far below what can be drawn. */
function waveJson(ev: Extract<LiveEvent, { type: 'wave' }>): string {
  const leads = ev.data.map((lead) => '[' + lead.map((v) => (Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : 'null')).join(',') + ']');
  return `{"type":"wave","deviceId":${JSON.stringify(ev.deviceId)},"sampleRate":${ev.sampleRate},"wallTimeMs":${ev.wallTimeMs},"leads":${JSON.stringify(ev.leads)},"data":[${leads.join(',')}]}`;
}
