import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface';
import { hciBinding } from '../../../drivers/ble/host.ts';
import { main } from '../../../src/cli.ts';
import { defaultConfig, validateConfig } from '../../../src/config/load.ts';
import { SystemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/log.ts';
import { startHub } from '../../../src/main.ts';
import { Store } from '../../../src/store/store.ts';
import { notRun, repoRoot } from '../../helpers/data.ts';
import { captureIo } from '../../support/io.ts';

// These tests are about a hub on a host WITHOUT Bluetooth (this CI machine, a container).
// Where an adapter exists, the real HCI binding would work, and they would test nothing.
const hasAdapter = await hciBinding().then(
  () => true,
  () => false,
);

const serialBinding = async (): Promise<BindingInterface> => ({}) as BindingInterface;

describe('hub with BLE devices', function () {
  this.timeout(30_000);
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ble-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  if (hasAdapter) {
    notRun('hub on a host without Bluetooth', 'this host has a usable Bluetooth adapter');
  } else {
    it('starts on a host without Bluetooth: the BLE device reports VIGIL_BLE_UNAVAILABLE and the ECG still flows into the store', async () => {
      const dataDir = path.join(dir, 'no-bt');
      const config = validateConfig({
        hub: { dataDir },
        http: { port: 0 },
        devices: [
          { type: 'synthetic', id: 'ecg', scenario: 'sinus', speed: 20 },
          { type: 'ble', id: 'spo2', address: 'A4:C1:38:12:34:56', binding: 'hci' },
        ],
      });
      const hub = await startHub(config, { clock: new SystemClock(), logger: silentLogger, baseDir: repoRoot, serialBinding });
      await new Promise((r) => setTimeout(r, 1500));
      const status = (await hub.status()) as { devices: { id: string; state: string; detail?: string; stats: { samples: number } }[] };
      await hub.stop();
      const ble = status.devices.find((d) => d.id === 'spo2');
      const ecg = status.devices.find((d) => d.id === 'ecg');
      assert.equal(ble?.state, 'disconnected');
      assert.match(ble?.detail ?? '', /Bluetooth/);
      assert.ok((ecg?.stats.samples ?? 0) > 1000, `ECG samples ${ecg?.stats.samples}`);
      const store = await Store.open({ dir: dataDir });
      try {
        const wave = await store.readWave('ecg', 'ECG', 0, Number.MAX_SAFE_INTEGER);
        assert.ok(wave.reduce((n, s) => n + s.samples.length, 0) > 1000, 'ECG stored');
        const events = await store.readEvents(0, Number.MAX_SAFE_INTEGER);
        assert.ok(events.some((e) => e.event.kind === 'status' && e.event.deviceId === 'spo2' && (e.event as { code?: string }).code === 'VIGIL_BLE_UNAVAILABLE'));
      } finally {
        await store.close();
      }
    });

    it("'vigil ble scan' without an adapter: VIGIL_BLE_UNAVAILABLE, exit 1, no stack trace", async () => {
      const io = captureIo();
      const code = await main(['ble', 'scan', '--seconds', '1'], io);
      assert.equal(code, 1);
      assert.match(io.stderr(), /\[VIGIL_BLE_UNAVAILABLE\]/);
      assert.doesNotMatch(io.stderr(), /\n\s+at /);
      const json = captureIo();
      assert.equal(await main(['ble', 'scan', '--json'], json), 1);
      assert.equal((JSON.parse(json.stdout()) as { error: { code: string } }).error.code, 'VIGIL_BLE_UNAVAILABLE');
    });
  }

  it('the demo bed (default configuration) gets SpO2 from its simulated BLE oximeter into the store, beside the ECG', async () => {
    const dataDir = path.join(dir, 'demo');
    const d = defaultConfig();
    assert.deepEqual(d.devices.map((x) => x.type), ['synthetic', 'ble', 'ble', 'ble']);
    const config = validateConfig({ ...d, hub: { ...d.hub, dataDir }, http: { ...d.http, port: 0 } });
    const hub = await startHub(config, { clock: new SystemClock(), logger: silentLogger, baseDir: repoRoot, serialBinding });
    await new Promise((r) => setTimeout(r, 4500));
    const status = (await hub.status()) as { devices: { id: string; state: string; kind: string }[] };
    await hub.stop();
    assert.deepEqual(status.devices.filter((x) => x.kind === 'ble').map((x) => x.state), ['connected', 'connected', 'connected']);
    const store = await Store.open({ dir: dataDir });
    try {
      const spo2 = await store.readMeasurements('ble-spo2', 'spo2', 0, Number.MAX_SAFE_INTEGER);
      assert.ok(spo2.length >= 2, `${spo2.length} SpO2 readings stored`);
      const temp = await store.readMeasurements('ble-temp', 'temp', 0, Number.MAX_SAFE_INTEGER);
      assert.equal(temp.length, 1, 'the thermometer reading (3 s after subscription)');
      assert.ok(temp[0]?.deviceTimeMs !== null, 'with its device time stamp');
    } finally {
      await store.close();
    }
  });

  it("'vigil ble scan --simulated' lists the simulated health devices", async () => {
    const io = captureIo();
    assert.equal(await main(['ble', 'scan', '--simulated', '--seconds', '1.5', '--json'], io), 0);
    const list = JSON.parse(io.stdout()) as { address: string; profiles: string[] }[];
    for (const p of ['pulse-oximeter', 'blood-pressure', 'thermometer', 'heart-rate']) assert.ok(list.some((e) => e.profiles.includes(p)), p);
  });
});
