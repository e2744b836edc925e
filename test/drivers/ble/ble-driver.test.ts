import assert from 'node:assert/strict';
import { BleDriver, type BleDriverOptions } from '../../../drivers/ble/ble-driver.ts';
import { BleHost } from '../../../drivers/ble/host.ts';
import type { DriverEvent, Measurement, StatusEvent } from '../../../drivers/contract.ts';
import { ManualClock } from '../../../src/core/clock.ts';
import { VigilError } from '../../../src/core/errors.ts';
import { flush, run } from './support.ts';

function options(over: Partial<BleDriverOptions>): BleDriverOptions {
  return {
    deviceId: 'ble', address: 'C0:DE:00:00:00:01', profiles: null, binding: 'simulated', scenario: 'pulse-oximeter', seed: 3,
    reconnect: { baseMs: 1000, capMs: 8000 }, connectTimeoutMs: 5000, gattTimeoutMs: 2000, watchdogMs: null, goneAlarmAfterS: null,
    ...over,
  };
}

async function collect(d: BleDriver, into: DriverEvent[]): Promise<void> {
  for await (const e of d.events()) into.push(e);
}

describe('BleDriver (Driver contract over the simulated binding)', function () {
  this.timeout(20_000);

  it('emits measurements stamped on arrival (and with the device time when the profile has one) and status events', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
    const host = new BleHost({ clock });
    const ox = new BleDriver(options({ deviceId: 'ox' }), { host, clock });
    const bp = new BleDriver(options({ deviceId: 'bp', address: 'C0:DE:00:00:00:02', scenario: 'blood-pressure' }), { host, clock });
    const evs: DriverEvent[] = [];
    const pumps = [collect(ox, evs), collect(bp, evs)];
    await ox.open();
    await bp.open();
    await run(clock, 6000);
    await ox.close();
    await bp.close();
    host.close();
    await Promise.all(pumps);
    const meas = evs.filter((e): e is Measurement => e.kind === 'measurement');
    const spo2 = meas.filter((m) => m.deviceId === 'ox' && m.metric === 'spo2');
    assert.ok(spo2.length >= 5, `${spo2.length} SpO2 readings`);
    assert.ok(spo2.every((m) => m.unit === '%' && m.value !== null && m.value >= 95 && m.value <= 99 && m.deviceTimeMs === null));
    assert.ok(spo2.every((m) => typeof m.decimals === 'number' && m.decimals >= 0), 'the precision the device reported travels with the value');
    for (const m of meas) assert.equal(m.wallTimeMs - Date.UTC(2026, 2, 1, 12, 0, 0), m.hubTimeMs, 'arrival time on the hub clock');
    const sys = meas.find((m) => m.deviceId === 'bp' && m.metric === 'nibp_sys');
    assert.ok(sys && sys.unit === 'mm[Hg]' && sys.value !== null);
    // The cuff stamps its reading with its own clock (whole seconds).
    assert.equal(sys.deviceTimeMs, Math.floor(sys.wallTimeMs / 1000) * 1000);
    assert.ok(meas.some((m) => m.deviceId === 'bp' && m.metric === 'battery' && m.value === 64));
    const st = evs.filter((e): e is StatusEvent => e.kind === 'status' && e.deviceId === 'ox').map((e) => e.state);
    assert.deepEqual(st, ['connecting', 'connected', 'closed']);
    assert.equal(ox.stats().measurements, meas.filter((m) => m.deviceId === 'ox').length);
  });

  it('malformed and truncated payloads are counted and logged, never fatal', async () => {
    const clock = new ManualClock();
    const host = new BleHost({ clock });
    const d = new BleDriver(options({ scenario: 'malformed' }), { host, clock });
    const evs: DriverEvent[] = [];
    const pump = collect(d, evs);
    await d.open();
    await run(clock, 25_000, 50);
    const stats = d.stats();
    await d.close();
    host.close();
    await pump;
    // Three bad payloads per 10 s script (at 3, 4 and 5 s): rounds at 0, 10 and 20 s played.
    assert.equal(stats.droppedFrames, 9);
    assert.equal(stats.droppedBytes, 3 * (0 + 2 + 7));
    const spo2 = evs.filter((e) => e.kind === 'measurement' && e.metric === 'spo2');
    assert.ok(spo2.length >= 22, `good readings keep flowing (${spo2.length})`);
    assert.ok(!evs.some((e) => e.kind === 'status' && e.state === 'disconnected'), 'the link was never dropped over it');
  });

  it('an unknown simulated scenario stops the open with a stable code', async () => {
    const clock = new ManualClock();
    const host = new BleHost({ clock });
    const d = new BleDriver(options({ scenario: 'no-such' }), { host, clock });
    await assert.rejects(d.open(), (e: unknown) => e instanceof VigilError && e.code === 'VIGIL_BLE_SCENARIO_UNKNOWN');
    host.close();
  });

  it('no adapter: reports VIGIL_BLE_UNAVAILABLE, retries slowly, never throws', async () => {
    const clock = new ManualClock();
    let tries = 0;
    const host = new BleHost({
      clock,
      hciBinding: async () => {
        tries++;
        throw new VigilError('VIGIL_BLE_UNAVAILABLE', 'no adapter');
      },
    });
    const d = new BleDriver(options({ binding: 'hci' }), { host, clock });
    const evs: DriverEvent[] = [];
    const pump = collect(d, evs);
    await d.open();
    await flush();
    const first = evs.find((e): e is StatusEvent => e.kind === 'status');
    assert.equal(first?.state, 'disconnected');
    assert.equal(first?.code, 'VIGIL_BLE_UNAVAILABLE');
    assert.ok((first?.retryInMs ?? 0) >= 500);
    await run(clock, 5000, 100);
    assert.ok(tries >= 2, 'tried again later (a dongle may be plugged in)');
    await d.close();
    host.close();
    await pump;
  });
});
