import assert from 'node:assert/strict';
import { TechnicalWatch, type WatchedDevice } from '../../src/alarms/technical-watch.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';

interface Call { condition: string; device: string | null; active: boolean; detail: string | null }

function setup(devs: WatchedDevice[], storage: { free: number; failures: number }) {
  const clock = new ManualClock();
  const calls: Call[] = [];
  const alarms = { setCondition: (condition: string, device: string | null, active: boolean, info: { detail?: string | null } = {}) => void calls.push({ condition, device, active, detail: info.detail ?? null }) };
  const watch = new TechnicalWatch({
    clock, alarms, logger: silentLogger, devices: () => devs, noDataMs: 10_000, minFreeMb: 200,
    storage: { freeBytes: async () => storage.free, writeFailures: async () => ({ failures: storage.failures, lastError: storage.failures > 0 ? 'EIO' : null }) },
  });
  return { clock, calls, watch };
}
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const last = (calls: Call[], condition: string, device: string | null): Call | undefined => calls.filter((c) => c.condition === condition && c.device === device).at(-1);

describe('technical watch (no data, storage)', () => {
  it('raises no-data for a connected waveform device quiet longer than the limit, not for episodic or disconnected ones', async () => {
    const ecg = { id: 'ecg', state: 'connected', continuous: true, lastEventMono: 0 };
    const devs: WatchedDevice[] = [ecg, { id: 'cuff', state: 'connected', continuous: false, lastEventMono: 0 }, { id: 'gone', state: 'disconnected', continuous: true, lastEventMono: 0 }];
    const { clock, calls, watch } = setup(devs, { free: 5e9, failures: 0 });
    watch.start();
    clock.advance(10_000);
    assert.equal(last(calls, 'no-data', 'ecg')?.active, false);
    clock.advance(1_000);
    assert.equal(last(calls, 'no-data', 'ecg')?.active, true);
    assert.match(last(calls, 'no-data', 'ecg')?.detail ?? '', /nothing for 11 s/);
    assert.equal(calls.some((c) => c.device === 'cuff'), false, 'episodic sensors are left to their driver');
    assert.equal(calls.some((c) => c.device === 'gone' && c.active), false);
    devs[0] = { ...ecg, lastEventMono: clock.monotonicMs() };
    clock.advance(1_000);
    assert.equal(last(calls, 'no-data', 'ecg')?.active, false, 'data again: cleared');
    await watch.stop();
  });

  it('raises storage failure when the disk is nearly full or store writes fail, and clears it after', async () => {
    const storage = { free: 150e6, failures: 0 };
    const { clock, calls, watch } = setup([], storage);
    watch.start();
    clock.advance(1_000);
    await flush();
    assert.deepEqual(last(calls, 'storage-failure', null), { condition: 'storage-failure', device: null, active: true, detail: '150 MB free' });
    storage.free = 5e9;
    storage.failures = 2;
    clock.advance(10_000);
    await flush();
    assert.equal(last(calls, 'storage-failure', null)?.detail, 'writes failing: EIO');
    clock.advance(10_000);
    await flush();
    assert.equal(last(calls, 'storage-failure', null)?.active, false, 'no new failures and space: cleared');
    await watch.stop();
    const n = calls.length;
    clock.advance(60_000);
    assert.equal(calls.length, n, 'stopped: no more checks');
  });
});
