/**
 * HealthyPi-class board on a serial port speaking OpenView. The transport (serialport
 * binding) is injected: the real bindings-cpp on a hub, @serialport/binding-mock in unit
 * tests, and a real pseudo-terminal in the integration test.
 *
 * The driver never exits the process: when the port disappears (USB unplug, socat killed)
 * it reports `disconnected`, retries with capped exponential backoff, and resumes when the
 * node comes back.
 */
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { AsyncChannel } from '../../src/core/channel.ts';
import { errorMessage } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Backoff } from '../backoff.ts';
import type { DeviceState, Driver, DriverEvent, DriverStats } from '../contract.ts';
import { emptyStats } from '../contract.ts';
import { OpenViewDecoder, type OpenViewDecoderOptions } from '../openview/decoder.ts';

export interface OpenViewSerialOptions extends OpenViewDecoderOptions {
  path: string;
  baudRate: number;
  reconnect: { baseMs: number; capMs: number };
  /** No byte for this long while connected: report a sensor fault (0 disables). */
  noDataTimeoutMs: number;
}

export interface OpenViewSerialDeps {
  binding: BindingInterface;
  clock: Clock;
  logger?: Logger;
  random?: () => number;
  /** Queue bound for the consumer (events). */
  queueCapacity?: number;
}

export class OpenViewSerialDriver implements Driver {
  readonly kind = 'openview-serial';
  readonly id: string;
  private readonly channel: AsyncChannel<DriverEvent>;
  private readonly decoder: OpenViewDecoder;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private port: SerialPortStream | null = null;
  private retryTimer: TimerHandle | null = null;
  private watchdog: TimerHandle | null = null;
  private lastByteAt = 0;
  private faulted = false;
  private closing = false;
  private started = false;
  private state: DeviceState = 'closed';
  private readonly counters: DriverStats = emptyStats();

  constructor(
    private readonly opts: OpenViewSerialOptions,
    private readonly deps: OpenViewSerialDeps,
  ) {
    this.id = opts.deviceId;
    this.log = (deps.logger ?? silentLogger).child({ device: opts.deviceId, path: opts.path });
    this.channel = new AsyncChannel<DriverEvent>(deps.queueCapacity ?? 8192);
    this.backoff = new Backoff({ ...opts.reconnect, random: deps.random });
    this.decoder = new OpenViewDecoder(opts, (ev) => this.forward(ev), deps.clock);
  }

  events(): AsyncIterable<DriverEvent> {
    return this.channel;
  }

  stats(): DriverStats {
    const d = this.decoder.stats;
    return {
      ...this.counters,
      droppedBytes: d.droppedBytes,
      droppedFrames: d.badFrames + d.unknownType + d.shortPayload,
      overflow: this.channel.dropped,
    };
  }

  async open(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.closing = false;
    this.attempt();
  }

  async close(): Promise<void> {
    if (this.closing || !this.started) return;
    this.closing = true;
    this.clearTimers();
    const port = this.port;
    this.port = null;
    if (port) await closePort(port);
    this.decoder.flush();
    this.setState('closed');
    this.channel.close();
  }

  private forward(ev: DriverEvent): void {
    if (ev.kind === 'samples') {
      this.counters.blocks++;
      this.counters.samples += ev.length;
    } else if (ev.kind === 'measurement') {
      this.counters.measurements++;
    }
    this.channel.push(ev);
  }

  private setState(state: DeviceState, extra: { code?: string; detail?: string; retryInMs?: number } = {}): void {
    this.state = state;
    const now = { hubTimeMs: this.deps.clock.monotonicMs(), wallTimeMs: this.deps.clock.wallMs() };
    this.channel.push({ kind: 'status', deviceId: this.id, state, ...extra, ...now });
    const level = state === 'disconnected' ? 'warn' : 'info';
    this.log[level](`device ${state}`, extra);
  }

  private attempt(): void {
    if (this.closing) return;
    this.retryTimer = null;
    if (this.state !== 'connecting') this.setState('connecting');
    const port = new SerialPortStream({ binding: this.deps.binding, path: this.opts.path, baudRate: this.opts.baudRate, autoOpen: false });
    port.on('error', (err: unknown) => this.lost(port, err));
    port.on('close', (err: unknown) => this.lost(port, err ?? new Error('port closed')));
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.open((err) => {
      if (this.closing) {
        if (!err) void closePort(port);
        return;
      }
      if (err) {
        this.scheduleRetry(err);
        return;
      }
      this.port = port;
      this.backoff.reset();
      this.lastByteAt = this.deps.clock.monotonicMs();
      this.faulted = false;
      this.setState('connected');
      this.armWatchdog();
    });
  }

  private onData(chunk: Buffer): void {
    this.lastByteAt = this.deps.clock.monotonicMs();
    if (this.faulted) {
      this.faulted = false;
      this.setState('connected', { detail: 'data resumed' });
    }
    this.decoder.push(chunk);
  }

  private lost(port: SerialPortStream, err: unknown): void {
    if (this.closing || port !== this.port) return;
    this.port = null;
    this.decoder.linkLost();
    this.counters.reconnects++;
    port.removeAllListeners('data');
    if (port.isOpen) void closePort(port);
    this.scheduleRetry(err);
  }

  private scheduleRetry(err: unknown): void {
    this.clearTimers();
    const delay = this.backoff.next();
    this.setState('disconnected', { code: 'VIGIL_DRIVER_DISCONNECTED', detail: errorMessage(err), retryInMs: delay });
    this.retryTimer = this.deps.clock.setTimeout(() => this.attempt(), delay);
  }

  private armWatchdog(): void {
    const t = this.opts.noDataTimeoutMs;
    if (t <= 0) return;
    this.watchdog = this.deps.clock.setTimeout(() => {
      this.watchdog = null;
      if (this.closing || this.port === null) return;
      const silent = this.deps.clock.monotonicMs() - this.lastByteAt;
      if (silent >= t && !this.faulted) {
        this.faulted = true;
        this.setState('sensor-fault', { code: 'VIGIL_DRIVER_NO_DATA', detail: `no data for ${Math.round(silent)} ms` });
      }
      this.armWatchdog();
    }, Math.max(100, t / 4));
  }

  private clearTimers(): void {
    if (this.retryTimer) this.deps.clock.clearTimeout(this.retryTimer);
    if (this.watchdog) this.deps.clock.clearTimeout(this.watchdog);
    this.retryTimer = null;
    this.watchdog = null;
  }
}

function closePort(port: SerialPortStream): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) {
      resolve();
      return;
    }
    port.close(() => resolve());
  });
}
