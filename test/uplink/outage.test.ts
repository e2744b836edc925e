/**
 * A 6-hour upstream outage, accelerated: 6 h of ECG (250 Hz), a beat per second, vitals every
 * 5 s and an alarm log entry every 10 min go into the store while the upstream refuses
 * connections; the outbox quota (far below 6 h of waveform) is respected throughout, by
 * dropping raw waveform only, oldest first. Then the upstream comes up: everything is
 * delivered, every beat, vital and alarm, and every waveform sample is either delivered or
 * accounted for in a `dropped` section.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { SystemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { configSchema } from '../../src/config/schema.ts';
import { Store } from '../../src/store/store.ts';
import type { Batch } from '../../src/uplink/batch.ts';
import { BatchSink, HttpReceiver } from '../../src/uplink/receiver.ts';
import { Uplink, type TechnicalCondition } from '../../src/uplink/uplink.ts';
import { BlockStream, ECG, TempDirs, measurement } from '../store/helpers.ts';
import { mulberry32 } from '../support/prng.ts';
import { alarmEvent, beatEvent, decoded, freePort, until } from './helpers.ts';

const HOURS = 6;
const QUOTA = 2_000_000;


describe('uplink: 6 h upstream outage, then recovery', function () {
  this.timeout(120_000);
  const tmp = new TempDirs();
  after(() => tmp.cleanup());

  it('keeps the outbox within its quota by dropping waveform only, then delivers everything', async () => {
    const port = await freePort();
    const cfg = configSchema.parse({
      uplink: {
        enabled: true, url: `http://127.0.0.1:${port}/batches`, outboxMaxBytes: QUOTA, downAlarmAfterS: 0.2,
        backoff: { baseMs: 20, capMs: 200 }, batchMaxSeconds: 60,
      },
    }).uplink;
    const store = await Store.open({ dir: await tmp.make(), feed: true, flushThresholdBytes: 1 << 20 });
    const technical: Array<[TechnicalCondition, boolean]> = [];
    const up = await Uplink.create(cfg, {
      store, hubId: 'ward-2', bed: '2', clock: new SystemClock(), logger: silentLogger, baseDir: '/', random: mulberry32(11), pollMs: 3_600_000,
      onTechnical: (c, a) => technical.push([c, a]),
    });
    const received: Batch[] = [];
    let rx: HttpReceiver | null = null;
    try {
      await up.start();
      const bs = new BlockStream({ channels: [ECG], blockLen: 250, seed: 4 }); // 1-s blocks
      let alarms = 0;
      let maxOutbox = 0;
      for (let h = 0; h < HOURS; h++) {
        for (let s = 0; s < 3600; s++) {
          const t = bs.timeOf(bs.next);
          store.appendBlock(bs.block());
          store.appendEvent(beatEvent(bs.next - 125, t + 500));
          if (s % 5 === 0) store.appendMeasurement(measurement('dev-1', 'spo2', 96, t));
          if (s % 600 === 0) store.appendEvent(alarmEvent(++alarms, t));
        }
        await store.flush();
        await up.flushBatches();
        const st = up.status().outbox;
        maxOutbox = Math.max(maxOutbox, st.totalBytes);
        assert.ok(st.totalBytes <= QUOTA, `hour ${h + 1}: outbox ${st.totalBytes} B within ${QUOTA} B`);
      }
      const during = up.status();
      assert.equal(during.delivery.link, 'down');
      const n = during.outbox.nextSeq - 1;
      assert.ok(n >= HOURS * 60 && n <= HOURS * 61, `${n} batches: about one per minute (plus the rest cut at each hour's end)`);
      assert.equal(during.outbox.queuedBatches, n, 'all queued');
      assert.ok(during.outbox.droppedBatches > 0, 'waveform had to be dropped');
      await until(() => technical.some(([c, a]) => c === 'uplink-down' && a), 'uplink-down raised');
      assert.ok(technical.some(([c, a]) => c === 'outbox-drop' && a), 'outbox-drop raised');

      // The upstream comes up on the address the hub keeps retrying.
      const rxDir = await tmp.make();
      rx = new HttpReceiver({ sink: new BatchSink({ outDir: rxDir }) });
      await rx.listen(port);
      await until(() => up.status().outbox.queuedBatches === 0, 'all delivered after the outage', 60_000);
      assert.ok(technical.some(([c, a]) => c === 'uplink-down' && !a), 'uplink-down cleared');
      assert.ok(technical.some(([c, a]) => c === 'outbox-drop' && !a), 'outbox-drop cleared once the outbox drained');

      for (const f of (await readdir(path.join(rxDir, 'ward-2'))).sort()) received.push(decoded(await readFile(path.join(rxDir, 'ward-2', f))));
      assert.deepEqual(received.map((b) => b.seq), Array.from({ length: n }, (_, i) => i + 1), 'every batch, once');
      const total = HOURS * 3600;
      assert.equal(received.flatMap((b) => b.beats).length, total, 'every beat');
      assert.equal(received.flatMap((b) => b.measurements).length, total / 5, 'every vital');
      assert.deepEqual(received.flatMap((b) => b.alarms).map((a) => a.seq), Array.from({ length: alarms }, (_, i) => i + 1), 'every alarm log entry, in order');
      const sent = received.flatMap((b) => b.waves).reduce((n, w) => n + w.samples.length, 0);
      const dropped = received.flatMap((b) => b.dropped).reduce((n, d) => n + d.samples, 0);
      assert.ok(sent > 0 && dropped > 0);
      assert.equal(sent + dropped, total * 250, 'every waveform sample delivered or reported dropped');
      const droppedSeqs = received.filter((b) => b.dropped.length > 0).map((b) => b.seq);
      const lastDropped = Math.max(...droppedSeqs);
      assert.ok(received.filter((b) => b.seq <= lastDropped).every((b) => b.waves.length === 0), 'the oldest waveform went first');
      assert.ok(received.filter((b) => b.seq > lastDropped).every((b) => b.dropped.length === 0));
      process.stderr.write(`      outage: ${received.length} batches, ${droppedSeqs.length} lost their waveform (${(dropped / 250 / 3600).toFixed(2)} h), outbox peak ${maxOutbox} B of ${QUOTA}\n`);
    } finally {
      await up.stop();
      await store.close();
      await rx?.close();
    }
  });
});
