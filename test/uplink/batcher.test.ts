/**
 * Batcher + outbox on a real LevelDB store: what the store committed is cut into batches
 * exactly once, in order, durably; the quota drops only waveform, oldest first.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Store } from '../../src/store/store.ts';
import type { Batch } from '../../src/uplink/batch.ts';
import { Batcher } from '../../src/uplink/batcher.ts';
import { Outbox, type OutboxDrop } from '../../src/uplink/outbox.ts';
import { BlockStream, ECG, TempDirs, V1, measurement } from '../store/helpers.ts';
import { alarmEvent, beatEvent, decoded } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1);

interface Rig {
  store: Store;
  outbox: Outbox;
  batcher: Batcher;
}

async function rig(dir: string, clock: ManualClock, opts: { maxBytes?: number; drops?: OutboxDrop[]; maxWaveSeconds?: number } = {}): Promise<Rig> {
  const store = await Store.open({ dir, clock, feed: true });
  const outbox = await Outbox.open(store.uplinkAccess(), { maxBytes: opts.maxBytes ?? 1e9, clock, onDrop: (d) => opts.drops?.push(d) });
  const batcher = new Batcher({
    access: store.uplinkAccess(), outbox, hubId: 'hub-1', bed: '12', clock, logger: silentLogger, maxWaveSeconds: opts.maxWaveSeconds ?? 60, maxDelayMs: 10_000,
  });
  return { store, outbox, batcher };
}

async function outboxBatches(outbox: Outbox): Promise<Batch[]> {
  const out: Batch[] = [];
  for (const seq of outbox.queued()) {
    const bytes = await outbox.read(seq);
    assert.ok(bytes, `batch ${seq} readable`);
    out.push(decoded(bytes));
  }
  return out;
}

describe('uplink batcher and outbox', () => {
  const tmp = new TempDirs();
  let clock: ManualClock;
  let dir: string;
  let r: Rig;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    dir = await tmp.make();
    r = await rig(dir, clock);
  });
  afterEach(async () => {
    await r.batcher.stop();
    await r.store.close().catch(() => undefined);
    await tmp.cleanup();
  });

  it('cuts 150 s of two-lead ECG plus beats, vitals, events and alarms into batches of at most 60 s, each record exactly once', async () => {
    const bs = new BlockStream({ channels: [ECG, V1] }); // 250 Hz, 0.1-s blocks
    for (let i = 0; i < 1500; i++) {
      r.store.appendBlock(bs.block());
      if (i % 10 === 0) r.store.appendEvent(beatEvent(i * 25, bs.timeOf(i * 25)));
      if (i % 50 === 0) r.store.appendMeasurement(measurement('dev-1', 'spo2', 97, bs.timeOf(i * 25)));
    }
    r.store.appendEvent(alarmEvent(1, T0 + 70_000));
    r.store.appendEvent({ kind: 'status', deviceId: 'dev-1', state: 'connected', wallTimeMs: T0 + 1, detail: undefined });
    await r.store.flush();
    assert.equal(await r.batcher.poll(true), 3);
    const batches = await outboxBatches(r.outbox);
    assert.deepEqual(batches.map((b) => b.seq), [1, 2, 3]);
    for (const b of batches) {
      assert.equal(b.hubId, 'hub-1');
      for (const ch of ['MLII', 'V1']) {
        const n = b.waves.filter((w) => w.channel === ch).reduce((s, w) => s + w.samples.length, 0);
        assert.ok(n <= 60 * 250, `batch ${b.seq} holds ${n} samples of ${ch}: at most 60 s`);
      }
    }
    for (const [c, ch] of ['MLII', 'V1'].entries()) {
      const all = batches.flatMap((b) => b.waves.filter((w) => w.channel === ch).flatMap((w) => [...w.samples]));
      assert.deepEqual(all, bs.samples[c], `every ${ch} sample, in order, once`);
    }
    assert.equal(batches.flatMap((b) => b.beats).length, 150);
    assert.deepEqual(batches.flatMap((b) => b.beats).map((x) => x.sample), Array.from({ length: 150 }, (_, i) => i * 250));
    assert.equal(batches.flatMap((b) => b.measurements).length, 30);
    assert.deepEqual(batches.flatMap((b) => b.alarms).map((a) => [a.seq, a.condition, a.event]), [[1, 'asystole', 'onset']]);
    const status = batches.flatMap((b) => b.events).filter((e) => e.kind === 'status');
    assert.equal(status.length, 1);
    assert.ok(!('detail' in (status[0] as object)), 'undefined fields are left out');
    // Nothing is cut twice.
    assert.equal(await r.batcher.poll(true), 0);
  });

  it('keeps cut batches, the feed position and the sequence across a reopen (crash between cut and send)', async () => {
    const bs = new BlockStream({ channels: [ECG] });
    for (let i = 0; i < 700; i++) r.store.appendBlock(bs.block()); // 70 s
    await r.store.flush();
    await r.batcher.poll(false); // one full batch (60 s); 10 s wait for more
    assert.deepEqual(r.outbox.queued(), [1]);
    await r.batcher.stop();
    await r.store.close();

    r = await rig(dir, clock);
    assert.deepEqual(r.outbox.queued(), [1], 'the cut batch is still there');
    assert.equal(r.outbox.nextSeq, 2);
    for (let i = 0; i < 100; i++) r.store.appendBlock(bs.block());
    await r.store.flush();
    await r.batcher.poll(true);
    const batches = await outboxBatches(r.outbox);
    assert.deepEqual(batches.map((b) => b.seq), [1, 2]);
    const all = batches.flatMap((b) => b.waves.flatMap((w) => [...w.samples]));
    assert.deepEqual(all, bs.samples[0], 'the 10 s left in the feed were cut after the reopen, nothing twice');
  });

  it('batches a record committed after a cut even when its key sorts before records already cut (a beat dated back)', async () => {
    r.store.appendEvent(beatEvent(5000, T0 + 20_000));
    await r.store.flush();
    await r.batcher.poll(true);
    r.store.appendEvent(beatEvent(2500, T0 + 10_000)); // earlier wall time, committed later
    r.store.appendMeasurement(measurement('aaa-first-device', 'hr', 60, T0));
    await r.store.flush();
    await r.batcher.poll(true);
    const batches = await outboxBatches(r.outbox);
    assert.deepEqual(batches.map((b) => b.beats.map((x) => x.sample)), [[5000], [2500]]);
    assert.equal(batches[1]?.measurements[0]?.deviceId, 'aaa-first-device');
  });

  it('waits for a batch to fill, but an alarm log entry goes at once', async () => {
    r.store.appendMeasurement(measurement('dev-1', 'hr', 70, T0));
    await r.store.flush();
    assert.equal(await r.batcher.poll(false), 0, 'a lone vital waits (max delay not reached)');
    r.store.appendEvent(alarmEvent(7, T0 + 5));
    await r.store.flush();
    assert.equal(await r.batcher.poll(false), 1, 'the alarm cuts the batch');
    const [b] = await outboxBatches(r.outbox);
    assert.equal(b?.alarms.length, 1);
    assert.equal(b?.measurements.length, 1);
    r.store.appendMeasurement(measurement('dev-1', 'hr', 71, T0 + 1000));
    await r.store.flush();
    assert.equal(await r.batcher.poll(false), 0);
    clock.advance(10_000);
    assert.equal(await r.batcher.poll(false), 1, 'cut once the oldest record waited maxDelayMs');
  });

  it('above its quota drops the waveform of the oldest batches only, records it in the batch, and never drops beats, vitals or alarms', async () => {
    await r.store.close();
    const drops: OutboxDrop[] = [];
    r = await rig(await tmp.make(), clock, { maxBytes: 60_000, drops, maxWaveSeconds: 10 });
    const bs = new BlockStream({ channels: [ECG] }); // random samples: ~2 bytes each, 10 s ~ 5 kB
    for (let i = 0; i < 3000; i++) {
      r.store.appendBlock(bs.block());
      if (i % 10 === 0) r.store.appendEvent(beatEvent(i * 25, bs.timeOf(i * 25)));
      if (i % 600 === 0) r.store.appendEvent(alarmEvent(i, bs.timeOf(i * 25)));
      if (i % 100 === 0) r.store.appendMeasurement(measurement('dev-1', 'spo2', 95, bs.timeOf(i * 25)));
    }
    await r.store.flush();
    await r.batcher.poll(true);
    await r.outbox.idle();
    const st = r.outbox.stats();
    assert.ok(st.totalBytes <= 60_000, `outbox ${st.totalBytes} B within its 60 kB quota`);
    assert.ok(drops.length > 0 && st.droppedBatches === drops.length);
    const batches = await outboxBatches(r.outbox);
    assert.deepEqual(batches.map((b) => b.seq), Array.from({ length: batches.length }, (_, i) => i + 1), 'sequence stays contiguous');
    const stripped = batches.filter((b) => b.waves.length === 0);
    assert.deepEqual(stripped.map((b) => b.seq), drops.map((d) => d.seq));
    assert.deepEqual(stripped.map((b) => b.seq), batches.slice(0, stripped.length).map((b) => b.seq), 'oldest first');
    for (const b of stripped) {
      assert.equal(b.dropped.length, 1);
      assert.equal(b.dropped[0]?.fromSeq, b.seq);
      assert.equal(b.dropped[0]?.samples, 2500, '10 s of 250 Hz dropped');
    }
    const kept = batches.flatMap((b) => b.waves).reduce((n, w) => n + w.samples.length, 0);
    assert.equal(kept + drops.reduce((n, d) => n + d.samples, 0), 3000 * 25, 'every sample either sent or counted as dropped');
    assert.equal(batches.flatMap((b) => b.beats).length, 300);
    assert.equal(batches.flatMap((b) => b.alarms).length, 5);
    assert.equal(batches.flatMap((b) => b.measurements).length, 30);
  });

  it('acks delete, parks set aside; both survive a reopen', async () => {
    for (let i = 0; i < 3; i++) {
      r.store.appendEvent(alarmEvent(i, T0 + i));
      await r.store.flush();
      await r.batcher.poll(false);
    }
    assert.deepEqual(r.outbox.queued(), [1, 2, 3]);
    await r.outbox.ack(1);
    await r.outbox.park(2);
    assert.deepEqual(r.outbox.queued(), [3]);
    assert.equal(r.outbox.stats().parkedBatches, 1);
    await r.batcher.stop();
    await r.store.close();
    r = await rig(dir, clock);
    assert.deepEqual(r.outbox.queued(), [3]);
    assert.equal(r.outbox.stats().parkedBatches, 1);
    assert.equal(r.outbox.nextSeq, 4);
  });
});
