/**
 * Scheduled retention: runs `applyRetention` on a cron schedule (node-cron 4).
 *
 * node-cron 4 notes: `schedule()` starts a task at once, so the job uses `createTask()`,
 * which makes a stopped task, and starts it in `start()`. Runs never overlap: the job keeps
 * its own in-flight guard (authoritative, also covering `runNow()`), and asks node-cron for
 * `noOverlap` too. A run that would overlap is skipped and counted, not queued: the next
 * tick covers the same ground.
 */
import cron from 'node-cron';
import type { TaskContext, TaskOptions } from 'node-cron';
import { VigilError } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import type { RetentionPolicy, RetentionReport, RetentionTarget } from './prune.ts';

/** The part of a node-cron ScheduledTask the job uses. */
export interface CronTaskLike {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
  destroy(): void | Promise<void>;
}

export type CronTaskFactory = (expression: string, fn: (ctx: TaskContext) => Promise<void>, options: TaskOptions) => CronTaskLike;

export interface RetentionJobOptions {
  target: RetentionTarget;
  policy: RetentionPolicy;
  /**
   * node-cron expression (5 fields, or 6 with seconds). Default '7 * * * *': hourly, off
   * the hour so it does not coincide with other hourly jobs.
   */
  schedule?: string;
  logger?: Logger;
  /** Injected for tests; defaults to node-cron's createTask. */
  createTask?: CronTaskFactory;
}

export interface RetentionJobStats {
  readonly runs: number;
  readonly skipped: number;
  readonly failures: number;
  readonly running: boolean;
  readonly lastReport: RetentionReport | null;
}

export const DEFAULT_RETENTION_SCHEDULE = '7 * * * *';

export class RetentionJob {
  private task: CronTaskLike | null = null;
  private running: Promise<RetentionReport> | null = null;
  private stopped = false;
  private runs = 0;
  private skipped = 0;
  private failures = 0;
  private lastReport: RetentionReport | null = null;
  private readonly expression: string;
  private readonly logger: Logger;
  private readonly factory: CronTaskFactory;

  constructor(private readonly opts: RetentionJobOptions) {
    this.expression = opts.schedule ?? DEFAULT_RETENTION_SCHEDULE;
    if (!cron.validate(this.expression)) {
      throw new VigilError('VIGIL_CONFIG_INVALID', `retention schedule "${this.expression}" is not a valid cron expression`, {
        details: { schedule: this.expression },
      });
    }
    this.logger = opts.logger ?? silentLogger;
    this.factory = opts.createTask ?? ((expr, fn, options) => cron.createTask(expr, fn, options));
  }

  /** Starts the schedule. Idempotent while started; a stopped job cannot be restarted. */
  async start(): Promise<void> {
    if (this.stopped) throw new VigilError('VIGIL_STORE_NOT_OPEN', 'retention job was stopped; create a new one');
    if (this.task !== null) return;
    this.task = this.factory(this.expression, () => this.tick(), { name: 'vigil-retention', noOverlap: true });
    await this.task.start();
    this.logger.info('retention job started', { schedule: this.expression });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runNow();
    } catch {
      // Logged in execute(); a failed run must not break the schedule.
    }
  }

  /**
   * Runs retention now unless a run is in progress (then resolves null and counts a skip).
   * Rejects when the run fails.
   */
  runNow(): Promise<RetentionReport | null> {
    if (this.running !== null) {
      this.skipped++;
      this.logger.warn('retention run skipped: the previous run is still in progress', { skipped: this.skipped });
      return Promise.resolve(null);
    }
    const p = this.execute();
    this.running = p;
    const clear = (): void => {
      if (this.running === p) this.running = null;
    };
    p.then(clear, clear);
    return p;
  }

  private async execute(): Promise<RetentionReport> {
    this.runs++;
    try {
      const r = await this.opts.target.applyRetention(this.opts.policy);
      this.lastReport = r;
      const total = r.deletedByAge.wave + r.deletedByAge.meas + r.deletedByAge.events + r.deletedByQuota;
      const fields = {
        deletedWaveByAge: r.deletedByAge.wave,
        deletedMeasByAge: r.deletedByAge.meas,
        deletedEventsByAge: r.deletedByAge.events,
        deletedWaveByQuota: r.deletedByQuota,
        quotaCutoffMs: r.quotaCutoffMs,
        diskBytesBefore: r.diskBytesBefore,
        diskBytesAfter: r.diskBytesAfter,
        overQuota: r.overQuota,
      };
      if (total > 0) this.logger.info('retention deleted old records', fields);
      else this.logger.debug('retention: nothing to delete', fields);
      return r;
    } catch (e) {
      this.failures++;
      this.logger.error('retention run failed', { err: e });
      throw e;
    }
  }

  /** Stops the schedule and waits for a run in progress to finish. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    const task = this.task;
    this.task = null;
    if (task !== null) {
      await task.stop();
      await task.destroy();
      this.logger.info('retention job stopped');
    }
    const r = this.running;
    if (r !== null) await r.catch(() => undefined);
  }

  stats(): RetentionJobStats {
    return { runs: this.runs, skipped: this.skipped, failures: this.failures, running: this.running !== null, lastReport: this.lastReport };
  }
}
