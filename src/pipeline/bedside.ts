/**
 * The bedside part of the hub, assembled in one place: the persistent alarm log, the alarm
 * manager restored from it, the command hook, and the LiveHub the bedside view reads. Every
 * log entry is also appended to the store as an event (kind "alarm") so the uplink forwards
 * it and clinicians see it with the rest.
 */
import type { AlarmsConfig } from '../alarms/config.ts';
import { alarmSettings } from '../alarms/config.ts';
import { AlarmLogStore } from '../alarms/alarm-log.ts';
import { AlarmHook } from '../alarms/hook.ts';
import { AlarmManager } from '../alarms/manager.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/log.ts';
import type { Store } from '../store/store.ts';
import { LiveHub } from './live-hub.ts';

export interface Bedside {
  readonly alarms: AlarmManager;
  readonly alarmLog: AlarmLogStore;
  readonly live: LiveHub;
  /** Stops the alarm timers and waits for the log writes and running hooks. */
  close(): Promise<void>;
}

export interface BedsideOptions {
  readonly config: AlarmsConfig;
  readonly hub: { readonly id: string; readonly bed: string };
  /** Patient settings shown on the view (config analysis.paced). */
  readonly patient?: { readonly paced: boolean };
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
}

export async function openBedside(o: BedsideOptions): Promise<Bedside> {
  const log = o.logger;
  // The log and the alarms in force live in the store (sync writes), so a latched alarm
  // survives a power cut and the log continues its sequence. Its failures have their own
  // technical conditions ('alarm-log-failed', 'alarm-state-lost'), not the TechnicalWatch's
  // 'storage-failure', which would clear them at its next disk check.
  let manager: AlarmManager | null = null;
  const alarmLog = new AlarmLogStore(
    o.store.ownSublevel('alarmlog'),
    (err) => {
      log.error('alarm log write failed', { code: err.code, err: err.message });
      manager?.setCondition('alarm-log-failed', null, true, { detail: err.message });
    },
    // A write succeeded again: the condition ends; the alarm latches until acknowledged if
    // nobody acknowledged it meanwhile (entries were lost).
    () => {
      log.info('alarm log writes work again');
      manager?.setCondition('alarm-log-failed', null, false);
    },
  );
  const previous = await alarmLog.load();
  const alarms = new AlarmManager({ clock: o.clock, sink: alarmLog, logger: log.child({ part: 'alarms' }), settings: alarmSettings(o.config), lastSeq: previous.lastSeq });
  manager = alarms;
  const h = o.config.hook;
  const hook = h.command === null ? null : new AlarmHook({ command: h.command, timeoutMs: h.timeoutMs, priorities: h.priorities, logger: log.child({ part: 'alarm-hook' }) });
  alarms.subscribe((ev) => {
    if (ev.type === 'log') {
      o.store.appendEvent({ ...ev.entry, kind: 'alarm', wallTimeMs: ev.entry.atMs });
      if (ev.entry.event === 'escalated' && hook !== null) {
        const a = alarms.alarms().find((x) => x.id === ev.entry.alarmId);
        if (a !== undefined) hook.fire({ event: 'escalated', alarm: a, hub: o.hub });
      }
    } else if (ev.type === 'raised' && hook !== null) {
      hook.fire({ event: ev.event, alarm: ev.alarm, hub: o.hub });
    }
  });
  alarms.restore(previous.inForce);
  if (previous.unreadable !== null) {
    log.error('latched alarms could not be restored', { err: previous.unreadable });
    // An event, not a lasting condition: raised and ended at once, so it stays LATCHED until a
    // nurse acknowledges it (no later check can clear it, and no later write undoes the loss).
    alarms.setCondition('alarm-state-lost', null, true, { detail: previous.unreadable });
    alarms.setCondition('alarm-state-lost', null, false);
  }
  const live = new LiveHub({ hub: o.hub, patient: o.patient ?? { paced: false }, clock: o.clock, alarms, alarmLog, logger: log.child({ part: 'live' }) });
  return {
    alarms,
    alarmLog,
    live,
    close: async () => {
      alarms.close();
      await alarmLog.idle();
      await hook?.idle();
    },
  };
}
