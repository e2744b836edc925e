/**
 * End to end: the hub on the synthetic alarm drill (sinus, VT, sinus, asystole, sinus,
 * lead-off, sinus), real LevelDB, real alarm manager; then the alarm log is checked, the hub
 * is restarted on the same store (latched alarms restored) and the nurse acknowledges.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { AlarmLogEntry } from '../../src/api/live.ts';
import { validateConfig } from '../../src/config/load.ts';
import { SystemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { startHub, type RunningHub } from '../../src/main.ts';
import { Store } from '../../src/store/store.ts';
import { repoRoot } from '../helpers/data.ts';

const deps = {
  clock: new SystemClock(),
  logger: silentLogger,
  baseDir: repoRoot,
  serialBinding: async (): Promise<BindingInterface> => {
    throw new Error('no serial device in this test');
  },
};

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hub alarms end to end (synthetic alarm drill)', function () {
  this.timeout(120_000);
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-alarms-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('raises VT, asystole and lead-off in order, latches the high ones, restores them after a restart, and logs the acknowledgement', async () => {
    const config = validateConfig({
      hub: { dataDir: path.join(dir, 'data'), bed: 'bed-7' },
      http: { port: 0 },
      // The drill is 150 s of ECG; at 30x it runs in ~5 s.
      devices: [{ type: 'synthetic', id: 'sim', scenario: 'alarm-drill', speed: 30, seed: 3 }],
    });
    let hub: RunningHub = await startHub(config, deps);
    try {
      await waitFor('the drill to end', async () => {
        const s = (await hub.status()) as { devices: Array<{ state: string }> };
        return s.devices[0]?.state === 'closed';
      }, 60_000);
      const log = (await hub.live.alarmLog({ limit: 1000 })).reverse();
      const text = log.map((e) => `${e.event} ${e.alarmId}`);
      const at = (s: string): number => text.indexOf(s);
      assert.ok(at('onset vtach@sim') >= 0, `VT alarmed: ${text.join(', ')}`);
      assert.ok(at('onset asystole@sim') > at('onset vtach@sim'), 'asystole after VT');
      assert.ok(at('onset lead-off@sim') > at('onset asystole@sim'), 'lead-off after asystole');
      assert.ok(at('latched vtach@sim') > at('onset vtach@sim'), 'VT latched when it ended unacknowledged');
      assert.ok(at('latched asystole@sim') > at('onset asystole@sim'), 'asystole latched');
      assert.ok(at('cleared lead-off@sim') > at('onset lead-off@sim'), 'lead-off (technical, non-latching) cleared by itself');
      assert.equal(text.filter((t) => t.startsWith('onset vfib')).length, 0, 'no false VF');
      const vt = log.find((e) => e.event === 'onset' && e.condition === 'vtach') as AlarmLogEntry;
      assert.equal(vt.priority, 'high');
      const seqs = log.map((e) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
      assert.equal(new Set(seqs).size, seqs.length, 'sequence numbers are unique');
      const st = (await hub.status()) as { alarms: { inForce: Array<{ id: string; priority: string }>; audio: { tone: string | null } } };
      assert.ok(st.alarms.inForce.some((a) => a.id === 'asystole@sim' && a.priority === 'high'), '/api/status lists the alarms in force');
      assert.equal(st.alarms.audio.tone, 'high');
      const inForce = hub.alarms.alarms().map((a) => `${a.id}:${a.state}`).sort();
      assert.ok(inForce.includes('asystole@sim:latched') && inForce.includes('vtach@sim:latched'), `in force: ${inForce.join(', ')}`);
    } finally {
      await hub.stop();
    }

    // Power back on: the latched alarms are still there, and the log continues.
    hub = await startHub({ ...config, devices: [] }, deps);
    try {
      const restored = hub.alarms.alarms().map((a) => `${a.id}:${a.state}`).sort();
      assert.deepEqual(restored, ['asystole@sim:latched', 'vtach@sim:latched']);
      assert.equal(hub.alarms.audio().tone, 'high', 'restored latched alarms sound until acknowledged');
      const r = await hub.live.acknowledge(null, 'nurse-bed-7');
      assert.deepEqual(r, { ok: true, affected: 2 });
      assert.equal(hub.alarms.alarms().length, 0);
      const last = await hub.live.alarmLog({ limit: 6 });
      assert.ok(last.some((e) => e.event === 'acknowledged' && e.by === 'nurse-bed-7' && e.condition === 'asystole'));
      assert.ok(last.some((e) => e.event === 'restored' && e.condition === 'vtach'));
    } finally {
      await hub.stop();
    }

    // Every log entry is also an event in the store, for the uplink and the clinician.
    const store = await Store.open({ dir: path.join(dir, 'data') });
    try {
      const events = (await store.readEvents(0, Number.MAX_SAFE_INTEGER)).map((e) => e.event as unknown as Record<string, unknown>).filter((e) => e.kind === 'alarm');
      assert.ok(events.some((e) => e.event === 'acknowledged' && e.by === 'nurse-bed-7'));
      assert.ok(events.some((e) => e.event === 'onset' && e.condition === 'asystole'));
    } finally {
      await store.close();
    }
  });
  it('ECG analysis that throws on every block is a technical alarm on that device, not a silent log line', async () => {
    const config = validateConfig({
      hub: { dataDir: path.join(dir, 'data-fail'), bed: 'bed-7' },
      http: { port: 0 },
      devices: [{ type: 'synthetic', id: 'sim', scenario: 'alarm-drill', speed: 30, seed: 3 }],
    });
    // Limits that do not fit together are refused at load (test/alarms/config.test.ts); set
    // behind the validation here, they make the rhythm detectors throw at every block.
    // (A copy: zod hands every parse the same default object.)
    config.alarms = { ...config.alarms, limits: { ...config.alarms.limits, 'hr-high': 210 } };
    const hub = await startHub(config, deps);
    try {
      await waitFor('the failure alarm', () => hub.alarms.alarms().some((a) => a.id === 'ecg-analysis-failed@sim'), 30_000);
      const onsets = (await hub.live.alarmLog({ limit: 1000 })).filter((e) => e.event === 'onset').map((e) => e.alarmId);
      assert.deepEqual(onsets.filter((id) => id.startsWith('ecg-analysis-failed')), ['ecg-analysis-failed@sim'], 'raised once, not per block');
    } finally {
      await hub.stop();
    }
  });
});
