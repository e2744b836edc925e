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
  // survives a power cut and the log continues its sequence.
  let manager: AlarmManager | null = null;
  const alarmLog = new AlarmLogStore(o.store.ownSublevel('alarmlog'), (err) => {
    log.error('alarm log write failed', { code: err.code, err: err.message });
    manager?.setCondition('storage-failure', null, true, { detail: 'alarm log not written' });
  });
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
    alarms.setCondition('storage-failure', null, true, { detail: previous.unreadable });
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
