/**
 * Technical alarm conditions the hub watches itself, once a second:
 * - no data: a connected waveform device that has sent nothing for `noDataMs` (episodic
 *   sensors such as a cuff or a thermometer are watched by their own driver, which reports
 *   'stale' instead);
 * - storage: the data directory's file system below `minFreeMb`, or store writes failing
 *   since the last check (checked every 10 s: statfs is cheap but not free on an SD card).
 *   This watch is the only source of 'storage-failure' and sets it false whenever both look
 *   fine, so nothing else may raise that condition: the alarm log's own failures are
 *   'alarm-log-failed' and 'alarm-state-lost' (src/pipeline/bedside.ts).
 */
import type { Clock, TimerHandle } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { AlarmManager } from './manager.ts';

export interface WatchedDevice {
  readonly id: string;
  readonly state: string;
  /** Delivers sample blocks: expected to stream without pause. */
  readonly continuous: boolean;
  /** Hub monotonic time of its last event. */
  readonly lastEventMono: number;
}

export interface StorageProbe {
  /** Free bytes for the hub on the data directory's file system. */
  freeBytes(): Promise<number>;
  /** Store write failures so far, and the last error. */
  writeFailures(): Promise<{ failures: number; lastError: string | null }>;
}

export interface TechnicalWatchOptions {
  readonly clock: Clock;
  readonly alarms: Pick<AlarmManager, 'setCondition'>;
  readonly logger: Logger;
  readonly devices: () => Iterable<WatchedDevice>;
  readonly storage: StorageProbe;
  readonly noDataMs: number;
  readonly minFreeMb: number;
  readonly storageEveryMs?: number;
}

const QUIET_STATES: ReadonlySet<string> = new Set(['disconnected', 'closed', 'gone']);

export class TechnicalWatch {
  private timer: TimerHandle | null = null;
  private lastStorageCheck = -Infinity;
  private checking: Promise<void> | null = null;
  private lastFailures = 0;
  private running = false;

  constructor(private readonly opts: TechnicalWatchOptions) {}

  start(): void {
    this.running = true;
    this.timer = this.opts.clock.setTimeout(() => this.tick(), 1000);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== null) this.opts.clock.clearTimeout(this.timer);
    this.timer = null;
    await this.checking;
  }

  /** One round of checks (the timer calls it every second). */
  tick(): void {
    const now = this.opts.clock.monotonicMs();
    for (const d of this.opts.devices()) {
      if (!d.continuous) continue;
      const quiet = !QUIET_STATES.has(d.state) && now - d.lastEventMono > this.opts.noDataMs;
      this.opts.alarms.setCondition('no-data', d.id, quiet, quiet ? { detail: `nothing for ${Math.round((now - d.lastEventMono) / 1000)} s` } : {});
    }
    if (this.checking === null && now - this.lastStorageCheck >= (this.opts.storageEveryMs ?? 10_000)) {
      this.lastStorageCheck = now;
      this.checking = this.checkStorage().finally(() => {
        this.checking = null;
      });
    }
    if (this.running) this.timer = this.opts.clock.setTimeout(() => this.tick(), 1000);
  }

  private async checkStorage(): Promise<void> {
    try {
      const freeMb = (await this.opts.storage.freeBytes()) / 1e6;
      const w = await this.opts.storage.writeFailures();
      const failing = w.failures > this.lastFailures;
      this.lastFailures = w.failures;
      const low = freeMb < this.opts.minFreeMb;
      const detail = failing ? `writes failing: ${w.lastError ?? 'unknown error'}` : low ? `${Math.round(freeMb)} MB free` : null;
      if (this.running) this.opts.alarms.setCondition('storage-failure', null, failing || low, { detail });
    } catch (e: unknown) {
      this.opts.logger.warn('storage check failed', { err: errorMessage(e) });
    }
  }
}
