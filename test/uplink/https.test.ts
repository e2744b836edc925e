/**
 * HTTPS end to end: the hub's uplink (real store, outbox, delivery, HTTPS transport) against
 * the reference receiver over TLS on loopback, with a certificate made by openssl at test
 * time and a bearer token.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { SystemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { configSchema } from '../../src/config/schema.ts';
import { Store } from '../../src/store/store.ts';
import { BatchSink, HttpReceiver, type ReceivedInfo } from '../../src/uplink/receiver.ts';
import { Uplink } from '../../src/uplink/uplink.ts';
import { notRun } from '../helpers/data.ts';
import { BlockStream, ECG, TempDirs } from '../store/helpers.ts';
import { mulberry32 } from '../support/prng.ts';
import { alarmEvent, until } from './helpers.ts';
import { hasOpenssl, selfSigned } from './tls.ts';

if (!hasOpenssl()) {
  notRun('uplink HTTPS tests', 'the openssl command is missing (Debian package openssl)');
} else {
  describe('uplink over HTTPS to the reference receiver', function () {
    this.timeout(30_000);
    const tmp = new TempDirs();
    let rx: HttpReceiver;
    let url: string;
    let seen: ReceivedInfo[];
    let certs: { cert: string; key: string };
    let store: Store | null = null;
    let uplink: Uplink | null = null;

    beforeEach(async () => {
      const dir = await tmp.make();
      certs = selfSigned(dir);
      seen = [];
      rx = new HttpReceiver({
        sink: new BatchSink({ outDir: await tmp.make(), onBatch: (i) => seen.push(i) }),
        token: 'tok-123',
        tls: { cert: await readFile(certs.cert), key: await readFile(certs.key) },
      });
      url = (await rx.listen(0)) + 'batches';
    });
    afterEach(async () => {
      await uplink?.stop();
      await store?.close();
      uplink = null;
      store = null;
      await rx.close();
      await tmp.cleanup();
    });

    async function hub(overrides: Record<string, unknown>): Promise<Uplink> {
      const cfg = configSchema.parse({ uplink: { enabled: true, transport: 'https', url, token: 'tok-123', backoff: { baseMs: 20, capMs: 200 }, batchMaxSeconds: 10, ...overrides } }).uplink;
      store = await Store.open({ dir: await tmp.make(), feed: true });
      uplink = await Uplink.create(cfg, { store, hubId: 'bed-7', bed: '7', clock: new SystemClock(), logger: silentLogger, baseDir: '/', random: mulberry32(3), pollMs: 50 });
      await uplink.start();
      return uplink;
    }

    it('delivers every batch once, in order, verified against the CA file, with the token', async () => {
      const u = await hub({ caFile: certs.cert });
      const bs = new BlockStream({ channels: [ECG] });
      const s = store as Store;
      for (let i = 0; i < 600; i++) s.appendBlock(bs.block()); // 60 s
      s.appendEvent(alarmEvent(1, Date.UTC(2026, 0, 1, 0, 0, 30)));
      await s.flush();
      await u.flushBatches();
      await until(() => u.status().outbox.queuedBatches === 0 && u.status().batcher.waiting === 0, 'all delivered');
      // 60 s in batches of at most 10 s: six, or seven when the poller cut early at the alarm.
      assert.ok(seen.length >= 6 && seen.length <= 7, `${seen.length} batches`);
      assert.deepEqual(seen.map((x) => x.seq), seen.map((_, i) => i + 1));
      assert.ok(seen.every((x) => x.status === 'stored' && x.via === 'http'));
      assert.equal(seen.reduce((n, x) => n + x.alarms, 0), 1);
      const st = u.status();
      assert.equal(st.delivery.link, 'up');
      assert.equal(st.delivery.lastAckSeq, seen.length);
      assert.equal(st.transport, 'https');
    });

    it('does not deliver to a server whose certificate the CA file does not vouch for; keeps the batch and says why', async () => {
      const other = selfSigned(await tmp.make(), 'impostor');
      const u = await hub({ caFile: other.cert });
      (store as Store).appendEvent(alarmEvent(1, Date.UTC(2026, 0, 1)));
      await (store as Store).flush();
      await u.flushBatches();
      await until(() => u.status().delivery.failures >= 2, 'failed attempts');
      const st = u.status();
      assert.equal(st.delivery.link, 'down');
      assert.match(String(st.delivery.lastError), /certificate|self.signed/i);
      assert.equal(st.outbox.queuedBatches, 1, 'the batch stays in the outbox');
      assert.equal(seen.length, 0);
    });

    it('a wrong token (401) is a retryable failure: the batch stays queued, it is not parked', async () => {
      const u = await hub({ caFile: certs.cert, token: 'old-token' });
      (store as Store).appendEvent(alarmEvent(1, Date.UTC(2026, 0, 1)));
      await (store as Store).flush();
      await u.flushBatches();
      await until(() => u.status().delivery.failures >= 1, 'a 401');
      assert.equal(u.status().delivery.parked, 0);
      assert.equal(u.status().outbox.queuedBatches, 1);
    });

    it('mutual TLS: an upstream that requires a client certificate gets the hub\'s (certFile/keyFile) and refuses a hub without one', async () => {
      const dir = await tmp.make();
      const client = selfSigned(dir, 'hub-bed-7');
      await rx.close();
      seen = [];
      rx = new HttpReceiver({
        sink: new BatchSink({ outDir: await tmp.make(), onBatch: (i) => seen.push(i) }),
        token: 'tok-123',
        tls: { cert: await readFile(certs.cert), key: await readFile(certs.key), ca: await readFile(client.cert), requestClientCert: true },
      });
      url = (await rx.listen(0)) + 'batches';
      // Without a client certificate the TLS handshake is refused: nothing delivered, the batch stays.
      let u = await hub({ caFile: certs.cert });
      (store as Store).appendEvent(alarmEvent(1, Date.UTC(2026, 0, 1)));
      await (store as Store).flush();
      await u.flushBatches();
      await until(() => u.status().delivery.failures >= 1, 'refused without a client certificate');
      assert.equal(seen.length, 0);
      await u.stop();
      await (store as Store).close();
      // With it: delivered.
      u = await hub({ caFile: certs.cert, certFile: client.cert, keyFile: client.key });
      (store as Store).appendEvent(alarmEvent(1, Date.UTC(2026, 0, 1)));
      await (store as Store).flush();
      await u.flushBatches();
      await until(() => u.status().outbox.queuedBatches === 0 && seen.length >= 1, 'delivered with the client certificate');
      assert.equal(seen[0]?.status, 'stored');
    });
  });
}
