import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AlarmLogStore } from '../../src/alarms/alarm-log.ts';
import { AlarmManager } from '../../src/alarms/manager.ts';
import { main } from '../../src/cli.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Store } from '../../src/store/store.ts';
import { captureIo } from '../support/io.ts';

describe('vigil alarms log', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-alarmlog-'));
    const store = await Store.open({ dir });
    const log = new AlarmLogStore(store.ownSublevel('alarmlog'));
    const mgr = new AlarmManager({ clock: new ManualClock(), sink: log, logger: silentLogger });
    mgr.observe('spo2', 'oxi', 84);
    mgr.setCondition('vfib', 'ecg', true);
    mgr.acknowledge('vfib@ecg', 'nurse-4');
    await log.idle();
    await store.close();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the log newest first, as text or JSON lines, and pages back with --before', async () => {
    const io = captureIo();
    assert.equal(await main(['alarms', 'log', dir], io), 0);
    const lines = io.stdout().trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^\s*2 .* high\s+acknowledged\s+vfib@ecg by nurse-4/);
    assert.match(lines[1] ?? '', /onset\s+vfib@ecg/);
    const j = captureIo();
    assert.equal(await main(['alarms', 'log', dir, '--json', '--before', '2'], j), 0);
    const e = JSON.parse(j.stdout().trim()) as { seq: number; event: string; condition: string };
    assert.deepEqual([e.seq, e.event, e.condition], [1, 'onset', 'vfib']);
  });

  it('usage errors exit 2; a missing DIR is a usage error', async () => {
    const io = captureIo();
    assert.equal(await main(['alarms', 'log'], io), 2);
    assert.equal(await main(['alarms', 'log', dir, '--limit', 'x'], captureIo()), 2);
  });
});
