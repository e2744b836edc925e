/**
 * MQTT end to end against a real broker: Debian's mosquitto, started here on a free loopback
 * port, the reference receiver subscribed to it, the hub's uplink publishing QoS 1 and
 * deleting a batch only on the receiver's application ack. Then the broker goes away and
 * comes back: the hub resumes on reconnect and nothing is lost.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { SystemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { configSchema } from '../../src/config/schema.ts';
import { Store } from '../../src/store/store.ts';
import { BatchSink, MqttReceiver, type ReceivedInfo } from '../../src/uplink/receiver.ts';
import { Uplink } from '../../src/uplink/uplink.ts';
import { notRun } from '../helpers/data.ts';
import { BlockStream, ECG, TempDirs } from '../store/helpers.ts';
import { mulberry32 } from '../support/prng.ts';
import { alarmEvent, freePort, until } from './helpers.ts';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;


async function startBroker(dir: string, port: number): Promise<ChildProcess> {
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nlog_dest stderr\n`);
  const child = spawn(MOSQUITTO as string, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  await until(
    () => new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    }),
    `mosquitto listening (${err})`,
  );
  return child;
}

async function stopBroker(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

if (MOSQUITTO === null) {
  notRun('uplink MQTT tests', 'mosquitto is not installed (Debian package mosquitto; scripts/setup-test-deps.sh installs it)');
} else {
  describe('uplink over MQTT through mosquitto', function () {
    this.timeout(60_000);
    const tmp = new TempDirs();
    let broker: ChildProcess | null = null;
    let rx: MqttReceiver | null = null;
    let store: Store | null = null;
    let uplink: Uplink | null = null;

    after(async () => {
      await uplink?.stop();
      await store?.close();
      await rx?.close();
      if (broker !== null && broker.exitCode === null) await stopBroker(broker);
      await tmp.cleanup();
    });

    it('delivers with QoS 1 and receiver acks, survives a broker restart, and every batch arrives exactly once in order', async () => {
      const brokerDir = await tmp.make();
      const port = await freePort();
      broker = await startBroker(brokerDir, port);
      const url = `mqtt://127.0.0.1:${port}`;
      const seen: ReceivedInfo[] = [];
      rx = new MqttReceiver({ url, sink: new BatchSink({ outDir: await tmp.make(), onBatch: (i) => seen.push(i) }) });
      await rx.start();

      const cfg = configSchema.parse({
        uplink: { enabled: true, transport: 'mqtt', url, batchMaxSeconds: 10, backoff: { baseMs: 50, capMs: 500 }, timeoutMs: 5000 },
      }).uplink;
      store = await Store.open({ dir: await tmp.make(), feed: true });
      const up = (uplink = await Uplink.create(cfg, { store, hubId: 'bed-9', bed: '9', clock: new SystemClock(), logger: silentLogger, baseDir: '/', random: mulberry32(5), pollMs: 50 }));
      await up.start();
      await until(() => up.status().delivery.link === 'up', 'hub connected');

      const bs = new BlockStream({ channels: [ECG] });
      const feed = async (seconds: number, alarmSeq: number): Promise<void> => {
        const s = store as Store;
        for (let i = 0; i < seconds * 10; i++) s.appendBlock(bs.block());
        s.appendEvent(alarmEvent(alarmSeq, bs.timeOf(bs.next)));
        await s.flush();
        await up.flushBatches();
      };
      await feed(30, 1);
      await until(() => up.status().outbox.queuedBatches === 0, 'first part delivered');
      const firstPart = seen.length;
      assert.ok(firstPart >= 3);

      // Broker down: batches pile up in the outbox, the link is reported down.
      await stopBroker(broker);
      await until(() => up.status().delivery.link === 'down', 'link down');
      await feed(30, 2);
      assert.ok(up.status().outbox.queuedBatches >= 3, 'queued while the broker is away');

      // Broker back on the same port (its persistence keeps the receiver's session): resume at once.
      broker = await startBroker(brokerDir, port);
      await until(() => up.status().outbox.queuedBatches === 0, 'rest delivered after the broker restart', 30_000);

      const stored = seen.filter((x) => x.status === 'stored').map((x) => x.seq);
      assert.deepEqual(stored, stored.map((_, i) => i + 1), 'stored exactly once each, contiguous, in order');
      assert.equal(stored.length, up.status().outbox.nextSeq - 1, 'every batch cut arrived');
      assert.equal(seen.filter((x) => x.status === 'stored').reduce((n, x) => n + x.alarms, 0), 2, 'both alarms arrived');
      assert.ok(seen.every((x) => x.via === 'mqtt'));
    });
  });
}
