import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface';
import { validateConfig } from '../src/config/load.ts';
import { SystemClock } from '../src/core/clock.ts';
import { silentLogger } from '../src/core/log.ts';
import { startHub } from '../src/main.ts';
import { Store } from '../src/store/store.ts';
import { notRun, repoRoot, sharedData } from './helpers/data.ts';

const mitdb = sharedData('mitdb');

describe('startHub (composition root)', function () {
  this.timeout(30_000);
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-main-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a synthetic bed and, when present, a replayed record side by side, storing everything each delivered', async () => {
    const devices: unknown[] = [{ type: 'synthetic', id: 'sim', scenario: 'sinus', speed: 50 }];
    if (mitdb) devices.push({ type: 'wfdb-replay', id: 'rec101', record: path.join(mitdb, '101'), speed: 500, loop: false });
    else notRun('replay device in startHub', '../shared/data/mitdb not found');
    const config = validateConfig({ hub: { dataDir: path.join(dir, 'data') }, http: { port: 0 }, devices });
    let bindingAsked = false;
    const hub = await startHub(config, {
      clock: new SystemClock(),
      logger: silentLogger,
      baseDir: repoRoot,
      serialBinding: async () => {
        bindingAsked = true;
        return {} as BindingInterface;
      },
    });
    assert.match(hub.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(((await hub.status()).classifier as { ok: boolean }).ok, true, 'the shipped beat classifier loads');
    await new Promise((r) => setTimeout(r, 2000));
    const status = (await hub.status()) as { devices: Array<{ id: string; kind: string; stats: { samples: number }; ecg: { beats: number; hrBpm: number | null } | null }> };
    await hub.stop();
    assert.equal(bindingAsked, false, 'no serial device configured: the native serial binding is never loaded');
    assert.deepEqual(status.devices.map((d) => d.kind), mitdb ? ['synthetic', 'wfdb-replay'] : ['synthetic']);
    // The live ECG analysis runs on every device with mV channels: beats and a heart rate.
    const simEcg = status.devices[0]?.ecg;
    assert.ok(simEcg && simEcg.beats > 20, `live analysis found ${simEcg?.beats} beats`);
    assert.ok(simEcg.hrBpm !== null && Math.abs(simEcg.hrBpm - 72) < 8, `live HR ${simEcg.hrBpm} (scenario sinus at 72/min)`);

    const store = await Store.open({ dir: path.join(dir, 'data') });
    try {
      const sim = await store.readWave('sim', 'ECG', 0, Number.MAX_SAFE_INTEGER);
      assert.ok(sim.reduce((n, s) => n + s.samples.length, 0) >= (status.devices[0]?.stats.samples ?? Infinity));
      if (mitdb) {
        const rec = await store.readWave('rec101', 'MLII', 0, Number.MAX_SAFE_INTEGER);
        assert.ok(rec.length > 0, 'the replayed record was stored under its lead name');
        assert.equal(rec[0]?.sampleRate, 360);
      }
      const meas = await store.readMeasurements('sim', 'hr', 0, Number.MAX_SAFE_INTEGER);
      assert.ok(meas.length > 0, 'heart rate measurements stored');
      const events = await store.readEvents(0, Number.MAX_SAFE_INTEGER);
      const beats = events.filter((e) => e.event.kind === 'beat' && e.event.deviceId === 'sim');
      assert.ok(beats.length >= (simEcg?.beats ?? Infinity), 'every beat found live is stored as an event');
      assert.ok(events.some((e) => e.event.kind === 'ecg-window'), 'window reports stored');
    } finally {
      await store.close();
    }
  });

  it('a patient set as paced: the live analysis stores paced beats as P, the view and the status say PACED', async () => {
    const dataDir = path.join(dir, 'paced');
    const config = validateConfig({ hub: { dataDir }, http: { port: 0 }, analysis: { paced: true }, devices: [{ type: 'synthetic', id: 'sim', scenario: 'paced', speed: 50 }] });
    const hub = await startHub(config, { clock: new SystemClock(), logger: silentLogger, baseDir: repoRoot, serialBinding: async () => ({}) as BindingInterface });
    await new Promise((r) => setTimeout(r, 2000));
    const st = (await hub.status()) as { analysis: { paced: boolean } };
    const snap = hub.live.snapshot();
    await hub.stop();
    assert.equal(st.analysis.paced, true);
    assert.equal(snap.patient.paced, true);
    const store = await Store.open({ dir: dataDir });
    try {
      const events = await store.readEvents(0, Number.MAX_SAFE_INTEGER);
      const beats = events.filter((e) => e.event.kind === 'beat').map((e) => (e.event as { label?: string }).label);
      assert.ok(beats.length > 20, `${beats.length} beats`);
      // The synthetic pulse lands on one sample or splits over two: most beats are P from the pulse, the rest by shape.
      assert.ok(beats.filter((l) => l === 'P').length >= 0.8 * beats.length, beats.join(''));
      assert.ok(!events.some((e) => e.event.kind === 'rhythm' && ['vrun', 'vtach', 'afib'].includes(String((e.event as { condition?: string }).condition))));
    } finally {
      await store.close();
    }
  });

  it('a device that cannot start fails the start with its code and leaves the store closed', async () => {
    const dataDir = path.join(dir, 'failed-start');
    const config = validateConfig({
      hub: { dataDir },
      http: { port: 0 },
      devices: [
        { type: 'synthetic', id: 'sim' },
        { type: 'wfdb-replay', id: 'ghost', record: path.join(dir, 'no-such-record') },
      ],
    });
    await assert.rejects(
      startHub(config, { clock: new SystemClock(), logger: silentLogger, baseDir: repoRoot, serialBinding: async () => ({}) as BindingInterface }),
      (e: unknown) => (e as { code?: string }).code === 'VIGIL_DRIVER_OPEN_FAILED',
    );
    const store = await Store.open({ dir: dataDir });
    await store.close();
  });

  it('a beat classifier that fails to load does not stop the bed from being monitored; the failure is reported', async () => {
    const config = validateConfig({
      hub: { dataDir: path.join(dir, 'bad-model') },
      http: { port: 0 },
      analysis: { model: path.join(dir, 'no-such-model.onnx') },
      devices: [{ type: 'synthetic', id: 'sim', scenario: 'sinus', speed: 50 }],
    });
    const hub = await startHub(config, { clock: new SystemClock(), logger: silentLogger, baseDir: repoRoot, serialBinding: async () => ({}) as BindingInterface });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const st = (await hub.status()) as { classifier: { ok: boolean; code: string }; devices: Array<{ ecg: { beats: number } | null }> };
      assert.deepEqual([st.classifier.ok, st.classifier.code], [false, 'VIGIL_MODEL_MISSING']);
      assert.ok((st.devices[0]?.ecg?.beats ?? 0) > 10, 'beats are still found');
    } finally {
      await hub.stop();
    }
  });
});
