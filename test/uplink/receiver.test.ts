/**
 * The reference receiver: durable, deduplicated storage, and clear rejections (never a
 * crash) for bad input: truncated CBOR, a wrong version, an oversized batch, wrong media type,
 * missing token. Also `vigil receive` as a process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Encoder } from 'cbor-x';
import { encodeBatch, emptyBatch, type Batch } from '../../src/uplink/batch.ts';
import { BatchSink, HttpReceiver, type ReceivedInfo } from '../../src/uplink/receiver.ts';
import { repoRoot } from '../helpers/data.ts';
import { TempDirs } from '../store/helpers.ts';
import { alarmEvent } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1);

function batch(seq: number, hubId = 'hub-1'): Batch {
  const a = alarmEvent(seq, T0 + seq);
  return {
    ...emptyBatch(hubId, '12', seq, T0 + seq),
    alarms: [{ seq, atMs: a.wallTimeMs, alarmId: 'asystole@dev-1', condition: 'asystole', priority: 'high', event: 'onset', by: null, value: null, limits: null, detail: null }],
  };
}

async function post(url: string, body: Uint8Array, headers: Record<string, string> = { 'content-type': 'application/cbor' }): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('uplink receiver', () => {
  const tmp = new TempDirs();
  let out: string;
  let rx: HttpReceiver;
  let url: string;
  let seen: ReceivedInfo[];

  beforeEach(async () => {
    out = await tmp.make();
    seen = [];
    const sink = new BatchSink({ outDir: out, maxBytes: 4096, onBatch: (i) => seen.push(i) });
    rx = new HttpReceiver({ sink, token: 'sekret' });
    url = await rx.listen(0);
  });
  afterEach(async () => {
    await rx.close();
    await tmp.cleanup();
  });

  const auth = { 'content-type': 'application/cbor', authorization: 'Bearer sekret' };

  it('stores a batch once, answers a resent copy as a duplicate, and keeps it as <hub>/<seq>.cbor', async () => {
    const bytes = encodeBatch(batch(1));
    assert.deepEqual(await post(url, bytes, auth), { status: 200, json: { ack: 1, status: 'stored' } });
    assert.deepEqual(await post(url, bytes, auth), { status: 200, json: { ack: 1, status: 'duplicate' } });
    // Concurrent copies of a new batch: one write, the rest duplicates.
    const two = encodeBatch(batch(2));
    const answers = await Promise.all([1, 2, 3].map(() => post(url, two, auth)));
    assert.deepEqual(answers.map((a) => a.json.status).sort(), ['duplicate', 'duplicate', 'stored']);
    assert.deepEqual(await readdir(path.join(out, 'hub-1')), ['000000000001.cbor', '000000000002.cbor']);
    assert.deepEqual(seen.map((s) => [s.seq, s.status, s.alarms]), [[1, 'stored', 1], [1, 'duplicate', 1], [2, 'stored', 1], [2, 'duplicate', 1], [2, 'duplicate', 1]]);
  });

  it('knows what it stored before a restart (the files are the dedup index)', async () => {
    await post(url, encodeBatch(batch(5)), auth);
    await rx.close();
    rx = new HttpReceiver({ sink: new BatchSink({ outDir: out }), token: 'sekret' });
    url = await rx.listen(0);
    assert.equal((await post(url, encodeBatch(batch(5)), auth)).json.status, 'duplicate');
  });

  it('rejects bad input with a status and a stable code, and keeps serving', async () => {
    const good = encodeBatch(batch(3));
    const truncated = await post(url, good.slice(0, good.length - 7), auth);
    assert.equal(truncated.status, 400);
    assert.equal((truncated.json.error as { code: string }).code, 'VIGIL_BATCH_TRUNCATED');

    const wire = new Encoder({ useRecords: false, mapsAsObjects: true }).encode({ v: 99, h: 'hub-1' });
    const version = await post(url, wire, auth);
    assert.equal(version.status, 400);
    assert.equal((version.json.error as { code: string }).code, 'VIGIL_BATCH_VERSION');

    const garbage = await post(url, new Uint8Array([0xa1, 0x61, 0x76, 0x01]), auth); // {"v": 1} and nothing else
    assert.equal(garbage.status, 400);
    assert.equal((garbage.json.error as { code: string }).code, 'VIGIL_BATCH_INVALID');

    const big = await post(url, new Uint8Array(10_000), auth);
    assert.equal(big.status, 413);
    assert.equal((big.json.error as { code: string }).code, 'VIGIL_BATCH_TOO_LARGE');

    const badHub = await post(url, encodeBatch(batch(1, '../etc')), auth);
    assert.equal(badHub.status, 400, 'a hub id that is not a safe directory name');

    assert.equal((await post(url, good, { 'content-type': 'application/json', authorization: 'Bearer sekret' })).status, 415);
    assert.equal((await post(url, good)).status, 401);
    assert.equal((await post(url, good, { ...auth, authorization: 'Bearer wrong' })).status, 401);

    assert.deepEqual(await post(url, good, auth), { status: 200, json: { ack: 3, status: 'stored' } }, 'still serving');
    assert.deepEqual(await readdir(path.join(out, 'hub-1')), ['000000000003.cbor']);
  });

  it('runs as `vigil receive`: prints where it listens, one JSON line per batch, rejects garbage without dying', async function () {
    this.timeout(30_000);
    const dir = await tmp.make();
    const child = spawn(process.execPath, [path.join(repoRoot, 'src', 'vigil.js'), 'receive', '--port', '0', '--out', dir, '--json', '--max-bytes', '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      const deadline = Date.now() + 20_000;
      while (!/listening on (http:\S+)/.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`receiver did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const u = /listening on (http:\S+)/.exec(stderr)?.[1] as string;
      assert.equal((await post(u, new Uint8Array([0x9f, 0x01]))).status, 400);
      assert.equal((await post(u, encodeBatch(batch(9)))).status, 200);
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as ReceivedInfo);
      assert.deepEqual(lines.map((l) => [l.hubId, l.seq, l.status]), [['hub-1', 9, 'stored']]);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
