/**
 * A simulated HealthyPi-class board: turns a sample source (synthetic patient or WFDB
 * record) into the OpenView byte stream and writes it to a serial port (in practice one
 * end of a socat pseudo-terminal pair), paced at real time or N times faster.
 *
 * Like a real board it keeps producing while nobody listens: frames generated while the
 * port is gone are counted as lost (`lostUnplugged`), and it reopens the port when it comes
 * back. With `stampCounter` the PPG IR field carries a running frame counter so a receiver
 * can prove order and loss.
 */
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { errorMessage } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Backoff } from '../backoff.ts';
import { OPENVIEW_DATA_FRAME_LEN, encodeDataFrame, newOpenViewSample } from './packet.ts';

/** Where the simulated board's samples come from. */
export interface SimSource {
  readonly sampleRate: number;
  /** Fill ecg[0..n) with raw ECG (ecgGain units per mV); returns how many were produced (0 = end). */
  fill(ecg: Int32Array, n: number): number;
  /** Current vitals to put in the packet (0 = not available). */
  vitals(): { hr: number; spo2: number; respRate: number; tempCentiC: number };
}

export interface SerialSimOptions {
  path: string;
  baudRate: number;
  /** 1 = real time. */
  speed: number;
  /** Stop after this many seconds of signal (Infinity: until stopped or the source ends). */
  durationS: number;
  stampCounter: boolean;
  tickMs?: number;
}

export interface SerialSimStats {
  /** Frames generated in total (= next counter value). */
  frames: number;
  /** Frames handed to the open port. */
  written: number;
  /** Frames generated while the port was not open (lost, as with a real unplugged board). */
  lostUnplugged: number;
  reconnects: number;
  bytesWritten: number;
}

export class SerialBoardSimulator {
  readonly stats: SerialSimStats = { frames: 0, written: 0, lostUnplugged: 0, reconnects: 0, bytesWritten: 0 };
  private port: SerialPortStream | null = null;
  private opening = false;
  private timer: TimerHandle | null = null;
  private retry: TimerHandle | null = null;
  private t0 = 0;
  private stopped = false;
  private finished!: () => void;
  readonly done: Promise<void>;
  private readonly ecg: Int32Array;
  private readonly buf: Buffer;
  private readonly sample = newOpenViewSample();
  private readonly backoff: Backoff;
  private readonly maxFramesPerTick: number;
  private waitingDrain = false;

  constructor(
    private readonly source: SimSource,
    private readonly opts: SerialSimOptions,
    private readonly deps: { binding: BindingInterface; clock: Clock; logger?: Logger },
  ) {
    this.done = new Promise((r) => (this.finished = r));
    // Enough room for one tick's frames at the highest speed we allow, bounded.
    this.maxFramesPerTick = Math.min(65_536, Math.ceil((source.sampleRate * opts.speed * (opts.tickMs ?? 20)) / 1000) * 4 + 16);
    this.ecg = new Int32Array(this.maxFramesPerTick);
    this.buf = Buffer.alloc(this.maxFramesPerTick * OPENVIEW_DATA_FRAME_LEN);
    this.backoff = new Backoff({ baseMs: 100, capMs: 2000 });
  }

  private get log(): Logger {
    return this.deps.logger ?? silentLogger;
  }

  /** Opens the port, then produces from the moment the first open attempt settles. */
  start(): void {
    this.openPort();
  }

  private startTicking(): void {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    this.t0 = this.deps.clock.monotonicMs();
    this.tick();
  }

  private ticking = false;

  /** Stop producing, close the port after what was written drains. */
  async stop(): Promise<void> {
    if (this.stopped) return this.done;
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    if (this.retry) this.deps.clock.clearTimeout(this.retry);
    const port = this.port;
    this.port = null;
    if (port?.isOpen) {
      // Give the reader a moment to take what is buffered; a dead link must not hang the exit.
      await new Promise<void>((r) => {
        const t = setTimeout(r, 2000);
        port.drain(() => {
          clearTimeout(t);
          r();
        });
      });
      await new Promise<void>((r) => port.close(() => r()));
    }
    this.finished();
    return this.done;
  }

  private openPort(): void {
    if (this.stopped || this.opening || this.port) return;
    this.opening = true;
    const port = new SerialPortStream({ binding: this.deps.binding, path: this.opts.path, baudRate: this.opts.baudRate, autoOpen: false });
    port.on('error', (e: unknown) => this.portLost(port, e));
    port.on('close', () => this.portLost(port, new Error('port closed')));
    port.on('drain', () => (this.waitingDrain = false));
    port.open((err) => {
      this.opening = false;
      if (this.stopped) {
        if (!err) port.close();
        return;
      }
      if (err) {
        this.retry = this.deps.clock.setTimeout(() => this.openPort(), this.backoff.next());
        this.startTicking();
        return;
      }
      this.backoff.reset();
      this.port = port;
      this.waitingDrain = false;
      this.log.info('simulator link open', { path: this.opts.path, frame: this.stats.frames });
      this.startTicking();
    });
  }

  private portLost(port: SerialPortStream, e: unknown): void {
    if (this.port !== port) return;
    this.port = null;
    this.stats.reconnects++;
    this.log.warn('simulator link lost', { path: this.opts.path, err: errorMessage(e), frame: this.stats.frames });
    if (port.isOpen) port.close();
    this.retry = this.deps.clock.setTimeout(() => this.openPort(), this.backoff.next());
  }

  private tick(): void {
    if (this.stopped) return;
    const fs = this.source.sampleRate;
    const elapsed = this.deps.clock.monotonicMs() - this.t0;
    const limit = Math.min(this.opts.durationS * fs, Math.floor((elapsed * fs * this.opts.speed) / 1000));
    // When the port pushes back (its buffer is full) we wait: a real UART would too.
    const blocked = this.port !== null && this.waitingDrain;
    let due = blocked ? 0 : Math.min(this.maxFramesPerTick, limit - this.stats.frames);
    let ended = false;
    while (due > 0) {
      const n = this.source.fill(this.ecg, due);
      if (n === 0) {
        ended = true;
        break;
      }
      this.emit(n);
      due -= n;
    }
    if (ended || this.stats.frames >= this.opts.durationS * fs) {
      void this.stop();
      return;
    }
    if (blocked) this.t0 += this.opts.tickMs ?? 20; // do not build up a backlog while blocked
    this.timer = this.deps.clock.setTimeout(() => this.tick(), this.opts.tickMs ?? 20);
  }

  private emit(n: number): void {
    const v = this.source.vitals();
    const s = this.sample;
    s.hr = v.hr;
    s.spo2 = v.spo2;
    s.respRate = v.respRate;
    s.temp = v.tempCentiC;
    let off = 0;
    for (let i = 0; i < n; i++) {
      const k = this.stats.frames + i;
      s.ecg = this.ecg[i] as number;
      // Respiration: a slow sinusoid in BioZ so the channel is not empty.
      s.bioz = Math.round(500 * Math.sin((2 * Math.PI * k * (v.respRate || 15)) / 60 / this.source.sampleRate));
      s.ppgIr = this.opts.stampCounter ? k : 0;
      s.ppgRed = 0;
      off += encodeDataFrame(s, this.buf, off);
    }
    this.stats.frames += n;
    const port = this.port;
    if (port?.isOpen) {
      // Copy: the port may hold on to the buffer until it is written.
      const ok = port.write(Buffer.from(this.buf.subarray(0, off)));
      if (!ok) this.waitingDrain = true;
      this.stats.written += n;
      this.stats.bytesWritten += off;
    } else {
      this.stats.lostUnplugged += n;
    }
  }
}
