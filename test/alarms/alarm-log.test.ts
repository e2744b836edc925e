import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AlarmLogStore } from '../../src/alarms/alarm-log.ts';
import { AlarmManager } from '../../src/alarms/manager.ts';
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
      assert.deepEqual(inForce.map((a) => a.condition), ['storage-failure']);
      assert.match(inForce[0]?.label ?? '', /Storage Failure/);
      const entries = await b.alarmLog.read({ limit: 10 });
      assert.equal(entries[0]?.seq, 2, 'the log sequence continues after the last stored entry');
      await b.close();
    } finally {
      await store.close();
    }
  });
});
