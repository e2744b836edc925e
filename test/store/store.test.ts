import assert from 'node:assert/strict';
import { Level } from 'level';
import { ManualClock } from '../../src/core/clock.ts';
import { isVigilError } from '../../src/core/errors.ts';
import { segmentEndMs, type WaveSegment } from '../../src/store/codec.ts';
import { Store } from '../../src/store/store.ts';
import { BlockStream, ECG, TempDirs, V1, concatSamples, measurement } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1);
const ALL = [0, 1e15] as const;

function assertContiguous(segs: readonly WaveSegment[]): void {
  for (let i = 1; i < segs.length; i++) {
    const a = segs[i - 1] as WaveSegment;
    const b = segs[i] as WaveSegment;
    assert.equal(b.firstSample, a.firstSample + a.samples.length + b.gap, `segment ${i} continues segment ${i - 1}`);
    assert.ok(b.startMs >= a.startMs, 'time order');
  }
}

describe('Store: waveform, measurements, events', () => {
  const tmp = new TempDirs();
  let clock: ManualClock;
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    dir = await tmp.make();
    store = await Store.open({ dir, clock });
  });
  afterEach(async () => {
    await store.close().catch(() => undefined);
    await tmp.cleanup();
  });

  it('coalesces 0.1-s blocks into 2-s segments and reads back the exact samples of each channel', async () => {
    const bs = new BlockStream(); // 250 Hz, 25-sample blocks, two channels
    for (let i = 0; i < 100; i++) store.appendBlock(bs.block());
    await store.flush();
    for (const [c, info] of [ECG, V1].entries()) {
      const segs = await store.readWave('dev-1', info.name, ...ALL);
      assert.equal(segs.length, 5, '10 s of 250 Hz in 2-s segments');
      assert.deepEqual(concatSamples(segs), bs.samples[c]);
      assertContiguous(segs);
      segs.forEach((s, i) => {
        assert.equal(s.samples.length, 500);
        assert.ok(s.samples instanceof Int16Array, 'values within int16 are stored as Int16Array');
        assert.equal(s.startMs, T0 + i * 2000);
        assert.equal(s.firstSample, i * 500);
        assert.equal(s.firstSeq, i * 20);
        assert.equal(s.lastSeq, i * 20 + 19);
        assert.deepEqual([s.units, s.gain, s.baseline, s.sampleRate, s.channel, s.deviceId], ['mV', 200, 1024, 250, info.name, 'dev-1']);
      });
    }
    assert.equal((await store.stats()).wave.keys, 10);
  });

  it('stores values beyond int16 as Int32Array, exactly', async () => {
    const bs = new BlockStream({ amplitude: 3_000_000, channels: [ECG] });
    for (let i = 0; i < 30; i++) store.appendBlock(bs.block());
    await store.flush();
    const segs = await store.readWave('dev-1', 'MLII', ...ALL);
    assert.ok(segs.every((s) => s.samples instanceof Int32Array));
    assert.deepEqual(concatSamples(segs), bs.samples[0]);
  });

  it('splits a block across a segment boundary, with exact start times', async () => {
    const bs = new BlockStream({ blockLen: 30, channels: [ECG] }); // 500 is not a multiple of 30
    for (let i = 0; i < 40; i++) store.appendBlock(bs.block());
    await store.flush();
    const segs = await store.readWave('dev-1', 'MLII', ...ALL);
    assert.deepEqual(segs.map((s) => s.samples.length), [500, 500, 200]);
    assert.deepEqual(segs.map((s) => s.startMs), [T0, T0 + 2000, T0 + 4000]);
    assert.deepEqual(concatSamples(segs), bs.samples[0]);
    assertContiguous(segs);
  });

  it('starts a new segment at a gap or a change of calibration, and records the gap', async () => {
    const bs = new BlockStream({ channels: [ECG] });
    for (let i = 0; i < 4; i++) store.appendBlock(bs.block());
    store.appendBlock(bs.block({ gap: 7 }));
    store.appendBlock(bs.block({ channels: [{ ...ECG, gain: 400 }] }));
    await store.flush();
    const segs = await store.readWave('dev-1', 'MLII', ...ALL);
    assert.deepEqual(segs.map((s) => [s.firstSample, s.samples.length, s.gap, s.gain]), [
      [0, 100, 0, 200],
      [107, 25, 7, 200],
      [132, 25, 0, 400],
    ]);
    assertContiguous(segs);
  });

  it('returns only the segments overlapping the requested time range, per device and channel', async () => {
    const a = new BlockStream({ deviceId: 'dev-1', channels: [ECG], seed: 1 });
    const b = new BlockStream({ deviceId: 'dev-10', channels: [ECG], seed: 2 });
    const odd = new BlockStream({ deviceId: 'serial:/dev/ttyUSB0', channels: [{ ...ECG, name: 'II/aVF' }], seed: 3 });
    for (let i = 0; i < 80; i++) {
      store.appendBlock(a.block());
      store.appendBlock(b.block());
      store.appendBlock(odd.block());
    }
    await store.flush();
    // [3 s, 5 s) overlaps the segments starting at 2 s (found by looking back) and 4 s.
    const mid = await store.readWave('dev-1', 'MLII', T0 + 3000, T0 + 5000);
    assert.deepEqual(mid.map((s) => s.startMs), [T0 + 2000, T0 + 4000]);
    assert.deepEqual(concatSamples(mid), a.samples[0]?.slice(500, 1500));
    assert.equal((await store.readWave('dev-1', 'MLII', T0 + 4000, T0 + 4000.5)).length, 1);
    assert.deepEqual(await store.readWave('dev-1', 'MLII', T0 + 8000, T0 + 9000), []);
    assert.deepEqual(await store.readWave('dev-1', 'MLII', T0 - 5000, T0), []);
    assert.deepEqual(concatSamples(await store.readWave('dev-10', 'MLII', ...ALL)), b.samples[0]);
    assert.deepEqual(concatSamples(await store.readWave('serial:/dev/ttyUSB0', 'II/aVF', ...ALL)), odd.samples[0]);
    assert.deepEqual(await store.readWave('dev-1', 'V1', ...ALL), []);
    const series = await store.waveSeries();
    assert.deepEqual(new Set(series.map((s) => `${s.deviceId}|${s.name}`)), new Set(['dev-1|MLII', 'dev-10|MLII', 'serial:/dev/ttyUSB0|II/aVF']));
    const iterated: number[] = [];
    for await (const s of store.iterateWave('dev-1', 'MLII', ...ALL)) iterated.push(s.startMs);
    assert.deepEqual(iterated, [T0, T0 + 2000, T0 + 4000, T0 + 6000]);
    assert.ok(mid.every((s) => segmentEndMs(s) === s.startMs + 2000));
  });

  it('stores measurements per device and metric, in time order, with [from, to) bounds', async () => {
    for (let i = 0; i < 10; i++) {
      store.appendMeasurement(measurement('dev-1', 'hr', 60 + i, T0 + i * 1000));
      store.appendMeasurement(measurement('dev-1', 'spo2', i === 3 ? null : 97, T0 + i * 1000 + 0.5));
      store.appendMeasurement(measurement('dev-2', 'hr', 100 + i, T0 + i * 1000));
    }
    await store.flush();
    const hr = await store.readMeasurements('dev-1', 'hr', T0 + 2000, T0 + 5000);
    assert.deepEqual(hr.map((m) => [m.value, m.wallTimeMs]), [[62, T0 + 2000], [63, T0 + 3000], [64, T0 + 4000]]);
    assert.deepEqual(hr[0], measurement('dev-1', 'hr', 62, T0 + 2000));
    const spo2 = await store.readMeasurements('dev-1', 'spo2', ...ALL);
    assert.equal(spo2.length, 10);
    assert.equal(spo2[3]?.value, null);
    assert.equal(spo2[3]?.wallTimeMs, T0 + 3000.5);
    assert.deepEqual((await store.readMeasurements('dev-2', 'hr', ...ALL)).map((m) => m.value), [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    assert.deepEqual(await store.readMeasurements('dev-3', 'hr', ...ALL), []);
    assert.equal((await store.stats()).meas.keys, 30);
  });

  it('keeps the precision a device reported (decimals), and reads records written without it', async () => {
    store.appendMeasurement({ ...measurement('dev-9', 'temp', 36.6, T0), decimals: 1 });
    store.appendMeasurement({ ...measurement('dev-9', 'spo2', 98, T0), decimals: 0 });
    store.appendMeasurement(measurement('dev-9', 'hr', 70, T0));
    await store.flush();
    assert.equal((await store.readMeasurements('dev-9', 'temp', ...ALL))[0]?.decimals, 1);
    assert.equal((await store.readMeasurements('dev-9', 'spo2', ...ALL))[0]?.decimals, 0);
    assert.equal('decimals' in ((await store.readMeasurements('dev-9', 'hr', ...ALL))[0] ?? {}), false);
  });

  it('stores status and generic events in time order, same-millisecond events in append order', async () => {
    store.appendEvent({ kind: 'status', deviceId: 'dev-1', state: 'connected', hubTimeMs: 1, wallTimeMs: T0 + 10 });
    store.appendEvent({ kind: 'alarm', priority: 'high', condition: 'asystole', wallTimeMs: T0 + 5 });
    store.appendEvent({ kind: 'status', deviceId: 'dev-1', state: 'lead-off', code: 'LEAD_OFF', hubTimeMs: 2, wallTimeMs: T0 + 10 });
    clock.advance(20); // the event below has no time of its own: the store's clock files it
    store.appendEvent({ kind: 'rhythm', label: 'AFIB' });
    await store.flush();
    const ev = await store.readEvents(T0, T0 + 1000);
    assert.deepEqual(ev.map((e) => [e.timeMs, e.event.kind]), [[T0 + 5, 'alarm'], [T0 + 10, 'status'], [T0 + 10, 'status'], [T0 + 20, 'rhythm']]);
    assert.deepEqual(ev[2]?.event, { kind: 'status', deviceId: 'dev-1', state: 'lead-off', code: 'LEAD_OFF', hubTimeMs: 2, wallTimeMs: T0 + 10 });
    assert.deepEqual((await store.readEvents(T0 + 6, T0 + 20)).map((e) => e.timeMs), [T0 + 10, T0 + 10]);
    const st = await store.stats();
    assert.deepEqual([st.events.keys, st.events.oldestMs, st.events.newestMs], [4, T0 + 5, T0 + 20]);
  });

  it('keeps everything flushed across close and reopen, and new sessions never overwrite old keys', async () => {
    const bs = new BlockStream({ channels: [ECG] });
    for (let i = 0; i < 50; i++) store.appendBlock(bs.block());
    store.appendMeasurement(measurement('dev-1', 'hr', 72, T0));
    store.appendEvent({ kind: 'alarm', wallTimeMs: T0 });
    await store.flush();
    await store.close();
    store = await Store.open({ dir, clock, sync: true });
    // Same timestamps again (a wall clock that stepped back): distinct keys, nothing lost.
    store.appendMeasurement(measurement('dev-1', 'hr', 73, T0));
    store.appendEvent({ kind: 'alarm', wallTimeMs: T0 });
    await store.flush();
    assert.deepEqual(concatSamples(await store.readWave('dev-1', 'MLII', ...ALL)), bs.samples[0]);
    assert.deepEqual((await store.readMeasurements('dev-1', 'hr', ...ALL)).map((m) => m.value), [72, 73]);
    assert.equal((await store.readEvents(...ALL)).length, 2);
    const st = await store.stats();
    assert.deepEqual([st.wave.keys, st.meas.keys, st.events.keys], [3, 2, 2]);
  });

  it('close() writes pending appends, including a partly filled segment', async () => {
    const bs = new BlockStream();
    for (let i = 0; i < 33; i++) store.appendBlock(bs.block()); // 3.3 s: one full segment + a partial one
    store.appendMeasurement(measurement('dev-1', 'hr', 80, T0 + 100));
    store.appendEvent({ kind: 'status', deviceId: 'dev-1', state: 'connected', hubTimeMs: 0, wallTimeMs: T0 });
    await store.close();
    store = await Store.open({ dir, clock });
    assert.deepEqual(concatSamples(await store.readWave('dev-1', 'V1', ...ALL)), bs.samples[1]);
    assert.equal((await store.readMeasurements('dev-1', 'hr', ...ALL)).length, 1);
    assert.equal((await store.readEvents(...ALL)).length, 1);
  });

  it('writes on the batch interval of the injected clock, and cuts segments of a device gone quiet', async () => {
    store.appendMeasurement(measurement('dev-1', 'hr', 70, T0));
    const bs = new BlockStream({ channels: [ECG] });
    for (let i = 0; i < 10; i++) store.appendBlock(bs.block()); // 1 s: less than a segment
    await store.idle();
    assert.deepEqual(await store.readMeasurements('dev-1', 'hr', ...ALL), [], 'nothing written before the interval');
    clock.advance(250);
    await store.idle();
    assert.equal((await store.readMeasurements('dev-1', 'hr', ...ALL)).length, 1, 'written by the 250-ms batch');
    assert.deepEqual(await store.readWave('dev-1', 'MLII', ...ALL), [], 'a partial segment waits to be filled');
    clock.advance(4000); // maxSegmentOpenMs = 2 x 2000 ms
    await store.idle();
    assert.deepEqual(concatSamples(await store.readWave('dev-1', 'MLII', ...ALL)), bs.samples[0]);
    clock.advance(250);
    assert.equal(clock.pendingTimers(), 0, 'the timer is not re-armed once everything is written');
  });

  it('writes at once when the buffered bytes reach the threshold', async () => {
    await store.close();
    store = await Store.open({ dir, clock, flushThresholdBytes: 1 });
    store.appendMeasurement(measurement('dev-1', 'hr', 70, T0));
    await store.idle();
    assert.equal((await store.readMeasurements('dev-1', 'hr', ...ALL)).length, 1);
  });

  it('writes out the partial segments of a device whose driver closed', async () => {
    const bs = new BlockStream({ channels: [ECG] });
    for (let i = 0; i < 4; i++) store.appendBlock(bs.block());
    store.appendEvent({ kind: 'status', deviceId: 'dev-1', state: 'closed', hubTimeMs: 0, wallTimeMs: T0 + 400 });
    clock.advance(250);
    await store.idle();
    assert.deepEqual(concatSamples(await store.readWave('dev-1', 'MLII', ...ALL)), bs.samples[0]);
  });

  it('rejects records without a usable time, and values that cannot be encoded', () => {
    const bs = new BlockStream({ channels: [ECG] });
    const bad = { ...bs.block(), wallTimeMs: Number.NaN };
    assert.throws(() => store.appendBlock(bad), (e) => isVigilError(e, 'VIGIL_STORE_INVALID_RECORD'));
    assert.throws(() => store.appendMeasurement(measurement('dev-1', 'hr', 1, Number.POSITIVE_INFINITY)), (e) => isVigilError(e, 'VIGIL_STORE_INVALID_RECORD'));
    assert.throws(() => store.appendEvent({ kind: 'x', wallTimeMs: T0, sym: Symbol('no') }), (e) => isVigilError(e, 'VIGIL_STORE_INVALID_RECORD'));
  });

  it('fails every operation after close with VIGIL_STORE_NOT_OPEN; close is idempotent', async () => {
    await store.close();
    await store.close();
    const bs = new BlockStream();
    const notOpen = (e: unknown): boolean => isVigilError(e, 'VIGIL_STORE_NOT_OPEN');
    assert.throws(() => store.appendBlock(bs.block()), notOpen);
    assert.throws(() => store.appendMeasurement(measurement('dev-1', 'hr', 1, T0)), notOpen);
    assert.throws(() => store.appendEvent({ kind: 'alarm', wallTimeMs: T0 }), notOpen);
    await assert.rejects(store.flush(), notOpen);
    await assert.rejects(store.readWave('dev-1', 'MLII', ...ALL), notOpen);
    await assert.rejects(store.readMeasurements('dev-1', 'hr', ...ALL), notOpen);
    await assert.rejects(store.readEvents(...ALL), notOpen);
    await assert.rejects(store.stats(), notOpen);
    await assert.rejects(store.waveSeries(), notOpen);
    assert.throws(() => store.applyRetention({ maxAgeMs: 1 }), notOpen);
  });

  it('refuses a store written by a newer layout version', async () => {
    await store.close();
    const raw = new Level<string, unknown>(dir, { valueEncoding: 'json' });
    await raw.sublevel<string, unknown>('meta', { valueEncoding: 'json' }).put('schemaVersion', 99);
    await raw.close();
    await assert.rejects(Store.open({ dir, clock }), (e) => isVigilError(e, 'VIGIL_STORE_SCHEMA_UNSUPPORTED') && e.message.includes(dir));
    // The refused open released the lock: the directory can still be opened by other tools.
    const again = new Level(dir);
    await again.open();
    await again.close();
  });
});
