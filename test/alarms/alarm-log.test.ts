import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AlarmLogStore } from '../../src/alarms/alarm-log.ts';
import { AlarmManager } from '../../src/alarms/manager.ts';
import { TechnicalWatch } from '../../src/alarms/technical-watch.ts';
import { validateConfig } from '../../src/config/load.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { openBedside } from '../../src/pipeline/bedside.ts';
import { Store } from '../../src/store/store.ts';

describe('alarm log store (real LevelDB)', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-alarmlog-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps entries and the alarms in force across a reopen', async () => {
    let store = await Store.open({ dir });
    const log = new AlarmLogStore(store.ownSublevel('alarmlog'));
    const mgr = new AlarmManager({ clock: new ManualClock(), sink: log, logger: silentLogger });
    mgr.setCondition('asystole', 'ecg', true);
    mgr.setCondition('asystole', 'ecg', false);
    await log.idle();
    await store.close();
    store = await Store.open({ dir });
    try {
      const again = await new AlarmLogStore(store.ownSublevel('alarmlog')).load();
      assert.equal(again.lastSeq, 3);
      assert.deepEqual(again.inForce.map((a) => `${a.id}:${a.state}`), ['asystole@ecg:latched']);
      assert.equal(again.unreadable, null);
    } finally {
      await store.close();
    }
  });

  it('a damaged state record does not stop the start: nothing restored, the sequence continues, a storage alarm says why', async () => {
    let store = await Store.open({ dir });
    const log = new AlarmLogStore(store.ownSublevel('alarmlog'));
    new AlarmManager({ clock: new ManualClock(), sink: log, logger: silentLogger }).setCondition('vfib', 'ecg', true);
    await log.idle();
    await store.ownSublevel('alarmlog').put('state', '{not json' as unknown as object, { valueEncoding: 'utf8' });
    await store.close();
    store = await Store.open({ dir });
    try {
      const b = await openBedside({ config: validateConfig({}).alarms, hub: { id: 'h', bed: 'b' }, store, clock: new ManualClock(), logger: silentLogger });
      const inForce = b.alarms.alarms();
      assert.deepEqual(inForce.map((a) => a.condition), ['alarm-state-lost']);
      assert.match(inForce[0]?.label ?? '', /Prior Alarms Not Restored/);
      const entries = (await b.alarmLog.read({ limit: 10 })).reverse();
      assert.deepEqual(entries.map((e) => `${e.seq} ${e.event} ${e.alarmId}`), ['1 onset vfib@ecg', '2 onset alarm-state-lost@hub', '3 offset alarm-state-lost@hub', '4 latched alarm-state-lost@hub'], 'the log sequence continues after the last stored entry');
      await b.close();
    } finally {
      await store.close();
    }
  });

  /** A TechnicalWatch wired as in src/main.ts, on a disk with room and a store writer that works. */
  const healthyWatch = (clock: ManualClock, alarms: AlarmManager): TechnicalWatch =>
    new TechnicalWatch({
      clock, alarms, logger: silentLogger, devices: () => [], noDataMs: 10_000, minFreeMb: 1,
      storage: { freeBytes: async () => 5e9, writeFailures: async () => ({ failures: 0, lastError: null }) },
    });
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));
  /** Ten storage checks, one every 10 s. */
  async function tenChecks(clock: ManualClock): Promise<void> {
    for (let i = 0; i < 100; i++) {
      clock.advance(1000);
      if (i % 10 === 0) await settle();
    }
    await settle();
  }

  it('alarm state unreadable at start: "Prior Alarms Not Restored" stays LATCHED until acknowledged; the storage watch does not clear it', async () => {
    let store = await Store.open({ dir });
    const log = new AlarmLogStore(store.ownSublevel('alarmlog'));
    const m1 = new AlarmManager({ clock: new ManualClock(), sink: log, logger: silentLogger });
    m1.setCondition('vfib', 'ecg', true);
    m1.setCondition('vfib', 'ecg', false);
    await log.idle();
    await store.ownSublevel('alarmlog').put('state', '{not json' as unknown as object, { valueEncoding: 'utf8' });
    await store.close();
    store = await Store.open({ dir });
    const clock = new ManualClock();
    const b = await openBedside({ config: validateConfig({}).alarms, hub: { id: 'h', bed: 'b' }, store, clock, logger: silentLogger });
    const watch = healthyWatch(clock, b.alarms);
    try {
      const shown = (): string[] => b.alarms.alarms().map((a) => `${a.id}:${a.state}:${a.acknowledged === null ? 'unack' : 'ack'}`);
      watch.start();
      await tenChecks(clock);
      assert.deepEqual(shown(), ['alarm-state-lost@hub:latched:unack'], 'disk and store writer fine: still in force');
      assert.equal(b.alarms.audio().tone, 'medium');
      assert.deepEqual(b.alarms.acknowledge('alarm-state-lost@hub', 'tech'), { ok: true, affected: 1 });
      assert.deepEqual([shown(), b.alarms.audio().tone], [[], null]);
      const events = (await b.alarmLog.read({ limit: 20 })).reverse().filter((e) => e.alarmId === 'alarm-state-lost@hub').map((e) => e.event);
      assert.deepEqual(events, ['onset', 'offset', 'latched', 'acknowledged', 'cleared']);
    } finally {
      await watch.stop();
      await b.close();
      await store.close();
    }
  });

  it('alarm log writes failing: "Alarm Log Failure" holds while they fail (the storage watch leaves it alone, an acknowledgement sticks) and ends when a write succeeds', async () => {
    const store = await Store.open({ dir });
    const clock = new ManualClock();
    const b = await openBedside({ config: validateConfig({}).alarms, hub: { id: 'h', bed: 'b' }, store, clock, logger: silentLogger });
    const watch = healthyWatch(clock, b.alarms);
    const db = (b.alarmLog as unknown as { db: { batch: (...a: unknown[]) => Promise<void> } }).db;
    const batch = db.batch.bind(db);
    const events: string[] = [];
    b.alarms.subscribe((e) => {
      if (e.type === 'log' && e.entry.alarmId === 'alarm-log-failed@hub') events.push(e.entry.event);
    });
    try {
      watch.start();
      await tenChecks(clock);
      // The alarm log's LevelDB writes fail (EIO on the SD card's journal).
      db.batch = async () => {
        throw new Error('EIO: i/o error');
      };
      b.alarms.setCondition('vtach', 'ecg', true);
      await b.alarmLog.idle();
      await settle();
      const failing = (): { state: string; acknowledged: boolean } | undefined => {
        const a = b.alarms.alarms().find((x) => x.id === 'alarm-log-failed@hub');
        return a && { state: a.state, acknowledged: a.acknowledged !== null };
      };
      assert.deepEqual(failing(), { state: 'active', acknowledged: false });
      await tenChecks(clock);
      assert.deepEqual(failing(), { state: 'active', acknowledged: false }, 'still failing: still in force');
      assert.deepEqual(b.alarms.acknowledge('alarm-log-failed@hub', 'tech'), { ok: true, affected: 1 });
      await tenChecks(clock);
      assert.deepEqual(failing(), { state: 'active', acknowledged: true }, 'the acknowledgement is not undone by the watch');
      assert.deepEqual(events, ['onset', 'acknowledged'], 'no clear / re-alarm cycle');
      // Writes work again: the next one ends the condition (acknowledged: cleared, not latched).
      db.batch = batch;
      b.alarms.setCondition('vtach', 'ecg', false);
      await b.alarmLog.idle();
      await settle();
      assert.equal(failing(), undefined);
      assert.deepEqual(events, ['onset', 'acknowledged', 'offset', 'cleared']);
    } finally {
      await watch.stop();
      await b.close();
      await store.close();
    }
  });

  it('a single lost alarm log entry leaves "Alarm Log Failure" LATCHED until acknowledged', async () => {
    const store = await Store.open({ dir });
    const b = await openBedside({ config: validateConfig({}).alarms, hub: { id: 'h', bed: 'b' }, store, clock: new ManualClock(), logger: silentLogger });
    const db = (b.alarmLog as unknown as { db: { batch: (...a: unknown[]) => Promise<void> } }).db;
    const batch = db.batch.bind(db);
    let fail = 1;
    db.batch = async (...a: unknown[]) => {
      if (fail-- > 0) throw new Error('EIO: i/o error');
      return batch(...a);
    };
    try {
      b.alarms.setCondition('afib', 'ecg', true); // this entry is lost, the next ones are written
      await b.alarmLog.idle();
      await settle();
      await b.alarmLog.idle();
      assert.deepEqual(b.alarms.alarms().map((a) => `${a.id}:${a.state}`).sort(), ['afib@ecg:active', 'alarm-log-failed@hub:latched']);
      const log = (await b.alarmLog.read({ limit: 20 })).reverse().map((e) => `${e.event} ${e.alarmId}`);
      assert.deepEqual(log, ['onset alarm-log-failed@hub', 'offset alarm-log-failed@hub', 'latched alarm-log-failed@hub']);
    } finally {
      await b.close();
      await store.close();
    }
  });
});
