/**
 * Crash safety of store-and-forward: `vigil run` (synthetic alarm drill at 40x, uplink to the
 * reference receiver on loopback) is killed with SIGKILL at seeded-random moments, 22 times,
 * restarted on the same data directory each time; during every third life the receiver is
 * down, so kills hit both a draining and a filling outbox. After each kill the outbox is read; at the
 * end the receiver must hold every batch that was ever in the outbox, each stored exactly
 * once, first arrivals in sequence order, the sequence contiguous, and the data in the
 * received batches must equal what the store acknowledged (samples, beats, alarms).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SystemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { configSchema } from '../../src/config/schema.ts';
import { Store } from '../../src/store/store.ts';
import { BatchSink, HttpReceiver, type ReceivedInfo } from '../../src/uplink/receiver.ts';
import { Outbox } from '../../src/uplink/outbox.ts';
import { Uplink } from '../../src/uplink/uplink.ts';
import { repoRoot } from '../helpers/data.ts';
import { TempDirs } from '../store/helpers.ts';
import { mulberry32 } from '../support/prng.ts';
import { decoded, until } from './helpers.ts';

const KILLS = 22;
const SPEED = 40;

interface Life {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

describe('uplink crash safety: SIGKILL during an accelerated replay', function () {
  this.timeout(170_000);
  const tmp = new TempDirs();
  after(() => tmp.cleanup());

  it(`loses and duplicates nothing across ${KILLS} kills`, async () => {
    const work = await tmp.make();
    const outDir = await tmp.make();
    const dataDir = path.join(work, 'data');
    const arrivals: ReceivedInfo[] = [];
    const sink = new BatchSink({ outDir, onBatch: (i) => arrivals.push(i) });
    let rx: HttpReceiver | null = new HttpReceiver({ sink });
    const url = (await rx.listen(0)) + 'batches';
    const port = Number(new URL(url).port);
    const uplinkCfg = { enabled: true, transport: 'https', url, batchMaxSeconds: 5, batchMaxDelayS: 1, windowSize: 4, backoff: { baseMs: 50, capMs: 500 } };
    const cfgFile = path.join(work, 'hub.yaml');
    await writeFile(cfgFile, JSON.stringify({
      hub: { id: 'crash-hub', bed: '3', dataDir }, http: { port: 0 }, log: { format: 'json', level: 'warn' },
      analysis: { classifier: false }, uplink: uplinkCfg,
      devices: [{ type: 'synthetic', id: 'sim', scenario: 'alarm-drill', speed: SPEED }],
    }));
    const rand = mulberry32(20260101);
    const everInOutbox = new Set<number>();

    const life = async (killAfterMs: number | null, signal: NodeJS.Signals): Promise<Life> => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'src', 'vigil.js'), 'run', '--config', cfgFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const exited = new Promise<Life>((r) => child.on('exit', (code, sig) => r({ code, signal: sig, stderr: err })));
      if (killAfterMs === null) {
        await until(() => /running at/.test(out), `hub start (${err})`, 30_000);
        await new Promise((r) => setTimeout(r, 1500));
        const hubUrl = /running at (http:\S+)/.exec(out)?.[1] as string;
        const status = (await (await fetch(new URL('api/status', hubUrl))).json()) as { uplink: { transport: string; delivery: { link: string }; outbox: { maxBytes: number } } };
        assert.equal(status.uplink.transport, 'https', '/api/status shows the uplink');
        assert.equal(status.uplink.delivery.link, 'up');
      } else {
        // Most kills after the start (while batches are cut, sent and acked), some during it.
        if (rand() < 0.8) await until(() => /running at/.test(out) || child.exitCode !== null, `hub start (${err})`, 30_000);
        await new Promise((r) => setTimeout(r, killAfterMs));
      }
      child.kill(signal);
      return exited;
    };

    const outboxNow = async (): Promise<number[]> => {
      const store = await Store.open({ dir: dataDir });
      try {
        return (await Outbox.open(store.uplinkAccess(), { maxBytes: 1e12 })).queued();
      } finally {
        await store.close();
      }
    };

    let kills = 0;
    for (let i = 0; i < KILLS; i++) {
      // Every third life the upstream is away, so kills also hit a full outbox.
      if (i % 3 === 1 && rx !== null) {
        await rx.close();
        rx = null;
      } else if (i % 3 !== 1 && rx === null) {
        rx = new HttpReceiver({ sink });
        await rx.listen(port);
      }
      const l = await life(300 + Math.round(rand() * 2700), 'SIGKILL');
      assert.equal(l.signal, 'SIGKILL', `life ${i} ended by the kill, not by itself: ${l.stderr.slice(-2000)}`);
      kills++;
      for (const s of await outboxNow()) everInOutbox.add(s);
    }
    if (rx === null) {
      rx = new HttpReceiver({ sink });
      await rx.listen(port);
    }
    // A last, clean life, then the rest of the feed is cut and sent in-process.
    const last = await life(null, 'SIGTERM');
    assert.equal(last.code, 0, `clean stop: ${last.stderr.slice(-2000)}`);
    for (const s of await outboxNow()) everInOutbox.add(s);

    const store = await Store.open({ dir: dataDir, feed: true });
    try {
      const cfg = configSchema.parse({ uplink: uplinkCfg }).uplink;
      const up = await Uplink.create(cfg, { store, hubId: 'crash-hub', bed: '3', clock: new SystemClock(), logger: silentLogger, baseDir: '/', random: mulberry32(1), pollMs: 60_000 });
      await up.start();
      await up.flushBatches();
      await until(() => up.status().outbox.queuedBatches === 0, 'everything delivered', 30_000);
      const n = up.status().outbox.nextSeq - 1;
      assert.equal(up.status().outbox.parkedBatches, 0);
      await up.stop();

      // The receiver: contiguous 1..n, each stored once, first arrivals in order.
      const stored = arrivals.filter((a) => a.status === 'stored').map((a) => a.seq);
      assert.equal(kills, KILLS);
      assert.ok(n >= 100, `${n} batches over the run`);
      assert.deepEqual(stored, Array.from({ length: n }, (_, i) => i + 1), 'each batch stored exactly once, in sequence order');
      assert.ok(everInOutbox.size > 0, 'some kills left batches in the outbox');
      for (const s of everInOutbox) assert.ok(s <= n && stored.includes(s), `batch ${s}, in the outbox at a kill, arrived`);
      const files = (await readdir(path.join(outDir, 'crash-hub'))).filter((f) => f.endsWith('.cbor'));
      assert.equal(files.length, n);

      // The content: what the store acknowledged is exactly what arrived.
      let samples = 0;
      let beats = 0;
      let alarms = 0;
      let waveSeconds = 0;
      for (const f of files) {
        const b = decoded(await readFile(path.join(outDir, 'crash-hub', f)));
        for (const w of b.waves) {
          samples += w.samples.length;
          if (w.channel === 'ECG') waveSeconds += w.samples.length / w.sampleRate;
        }
        beats += b.beats.length;
        alarms += b.alarms.length;
      }
      let storedSamples = 0;
      for (const s of await store.waveSeries()) {
        for (const seg of await store.readWave(s.deviceId, s.name, 0, 1e15)) storedSamples += seg.samples.length;
      }
      const events = await store.readEvents(0, 1e15);
      assert.equal(samples, storedSamples, 'every stored sample arrived once');
      assert.equal(beats, events.filter((e) => e.event.kind === 'beat').length, 'every stored beat arrived once');
      assert.equal(alarms, events.filter((e) => e.event.kind === 'alarm').length, 'every alarm log entry arrived once');
      assert.ok(waveSeconds >= 600, `at least 10 minutes of ECG went through (${Math.round(waveSeconds)} s)`);
      process.stderr.write(`      crash test: ${kills} kills, ${n} batches, ${everInOutbox.size} batches found in the outbox after kills, ${arrivals.length - n} duplicate deliveries, ${Math.round(waveSeconds)} s of ECG, ${beats} beats, ${alarms} alarm log entries\n`);
    } finally {
      await store.close();
      await rx?.close();
    }
  });
});
