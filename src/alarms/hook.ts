/**
 * The command hook: a local output that runs a configured program for each alarm that starts
 * sounding (onset, re-alarm, escalation), with the alarm as one JSON line on stdin and in
 * VIGIL_ALARM_* environment variables: a buzzer, a nurse-call relay, a GPIO pin on a Pi.
 *
 * The program runs detached from the alarm path: the manager never waits on it. It is given
 * argv (no shell, so no quoting surprises), killed after the timeout, and at most a few run at
 * once (a hook that hangs must not fork-bomb the hub); failures are logged with the exit code.
 */
import { spawn } from 'node:child_process';
import type { AlarmView } from '../api/live.ts';
import type { Logger } from '../core/log.ts';

export interface HookOptions {
  readonly command: readonly string[];
  readonly timeoutMs: number;
  readonly priorities: readonly string[];
  readonly logger: Logger;
  /** Hooks allowed to run at once; more are queued (bounded), the oldest queued dropped. */
  readonly maxConcurrent?: number;
}

export interface HookPayload {
  readonly event: 'onset' | 're-alarm' | 'escalated';
  readonly alarm: AlarmView;
  readonly hub: { readonly id: string; readonly bed: string };
}

export class AlarmHook {
  private running = 0;
  private readonly queue: HookPayload[] = [];
  private readonly done = new Set<Promise<void>>();
  runs = 0;
  failures = 0;

  constructor(private readonly opts: HookOptions) {}

  fire(p: HookPayload): void {
    if (!this.opts.priorities.includes(p.alarm.priority)) return;
    if (this.running >= (this.opts.maxConcurrent ?? 4)) {
      if (this.queue.length >= 32) {
        const dropped = this.queue.shift();
        this.opts.logger.warn('alarm hook queue full: oldest pending call dropped', { alarm: dropped?.alarm.id });
      }
      this.queue.push(p);
      return;
    }
    this.start(p);
  }

  /** Resolves when every started hook has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.done.size > 0) await Promise.all([...this.done]);
  }

  private start(p: HookPayload): void {
    this.running++;
    this.runs++;
    const run = this.exec(p).finally(() => {
      this.running--;
      this.done.delete(run);
      const next = this.queue.shift();
      if (next !== undefined) this.start(next);
    });
    this.done.add(run);
  }

  private exec(p: HookPayload): Promise<void> {
    const [file, ...args] = this.opts.command;
    const log = this.opts.logger;
    return new Promise<void>((resolve) => {
      if (file === undefined) return resolve();
      let child;
      try {
        child = spawn(file, args, {
          stdio: ['pipe', 'ignore', 'pipe'],
          env: {
            ...process.env,
            VIGIL_ALARM_ID: p.alarm.id,
            VIGIL_ALARM_CONDITION: p.alarm.condition,
            VIGIL_ALARM_PRIORITY: p.alarm.priority,
            VIGIL_ALARM_EVENT: p.event,
            VIGIL_BED: p.hub.bed,
          },
        });
      } catch (e: unknown) {
        this.failures++;
        log.error('alarm hook could not start', { command: file, err: e });
        return resolve();
      }
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < 2000) stderr += d.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.opts.timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        this.failures++;
        log.error('alarm hook failed to run', { command: file, alarm: p.alarm.id, err: e });
        resolve();
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code !== 0) {
          this.failures++;
          log.error('alarm hook failed', { command: file, alarm: p.alarm.id, code, signal, stderr: stderr.trim() });
        }
        resolve();
      });
      child.stdin?.on('error', () => undefined); // a hook that ignores stdin closes it early
      child.stdin?.end(JSON.stringify(p) + '\n');
    });
  }
}
