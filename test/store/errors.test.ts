import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Level } from 'level';
import { ManualClock } from '../../src/core/clock.ts';
import { isVigilError, type VigilErrorCode } from '../../src/core/errors.ts';
import { Store } from '../../src/store/store.ts';
import { repoRoot } from '../helpers/data.ts';
import { BlockStream, ECG, TempDirs, captureLogger, concatSamples, measurement } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1);
const ALL = [0, 1e15] as const;
const hasCode = (code: VigilErrorCode) => (e: unknown): boolean => isVigilError(e, code);

/** Replaces the store's database batch() to simulate a failing disk (test-side patch only). */
function patchBatch(store: Store, fail: () => boolean): () => void {
  const db = (store as unknown as { db: { batch: (...args: unknown[]) => Promise<void> } }).db;
  const original = db.batch;
  db.batch = function (this: unknown, ...args: unknown[]): Promise<void> {
    if (fail()) return Promise.reject(Object.assign(new Error('IO error: No space left on device'), { code: 'LEVEL_IO_ERROR' }));
    return original.apply(this, args);
  };
  return () => {
    db.batch = original;
  };
}

async function writeSomething(dir: string): Promise<BlockStream> {
  const store = await Store.open({ dir, clock: new ManualClock(T0) });
  const bs = new BlockStream({ channels: [ECG] });
  for (let i = 0; i < 30; i++) store.appendBlock(bs.block());
  store.appendMeasurement(measurement('dev-1', 'hr', 75, T0));
  await store.close();
  return bs;
}

/** A separate node process holding the LevelDB lock on `dir` until its stdin closes. */
async function lockHolder(dir: string): Promise<ChildProcess> {
  const code = [
    "import { Level } from 'level';",
    'const db = new Level(process.env.VIGIL_TEST_DIR);',
    'await db.open();',
    "process.stdout.write('READY\\n');",
    "process.stdin.on('end', async () => { await db.close(); process.exit(0); });",
    'process.stdin.resume();',
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: repoRoot,
    env: { ...process.env, VIGIL_TEST_DIR: dir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => reject(new Error(`lock holder exited early with ${c}`)));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('READY')) resolve();
    });
  });
  return child;
}

describe('Store: locked, corrupt and unwritable databases', () => {
  const tmp = new TempDirs();
  afterEach(() => tmp.cleanup());

  it('reports a database opened twice in this process as VIGIL_STORE_LOCKED, naming the directory', async () => {
    const dir = await tmp.make();
    const first = await Store.open({ dir });
    try {
      await assert.rejects(Store.open({ dir }), (e) => {
        assert.ok(isVigilError(e, 'VIGIL_STORE_LOCKED'));
        assert.ok(e.message.includes(dir) && e.message.includes('another vigil process'));
        return true;
      });
    } finally {
      await first.close();
    }
  });

  it('reports a database held by another process as VIGIL_STORE_LOCKED, and opens once it is released', async () => {
    const dir = await tmp.make();
    const child = await lockHolder(dir);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await assert.rejects(Store.open({ dir }), hasCode('VIGIL_STORE_LOCKED'));
      await assert.rejects(Store.repair(dir), hasCode('VIGIL_STORE_LOCKED'), 'repair refuses a database in use');
    } finally {
      child.stdin?.end();
      await exited;
    }
    const store = await Store.open({ dir });
    await store.close();
  });

  for (const [what, damage] of [
    ['text garbage in CURRENT', async (dir: string) => writeFile(path.join(dir, 'CURRENT'), 'garbage\n')],
    ['binary garbage in CURRENT', async (dir: string) => writeFile(path.join(dir, 'CURRENT'), Buffer.from([1, 2, 3, 0, 255]))],
    ['garbage in MANIFEST', async (dir: string) => {
      for (const f of await readdir(dir)) if (f.startsWith('MANIFEST-')) await writeFile(path.join(dir, f), Buffer.alloc(300, 0x55));
    }],
  ] as const) {
    it(`reports ${what} as VIGIL_STORE_CORRUPT, and Store.repair() recovers the data`, async () => {
      const dir = await tmp.make();
      const bs = await writeSomething(dir);
      await damage(dir);
      await assert.rejects(Store.open({ dir }), (e) => {
        assert.ok(isVigilError(e, 'VIGIL_STORE_CORRUPT'), String(e));
        assert.ok(e.message.includes(dir) && e.message.includes('vigil store repair'));
        return true;
      });
      await Store.repair(dir);
      const store = await Store.open({ dir });
      try {
        assert.deepEqual(concatSamples(await store.readWave('dev-1', 'MLII', ...ALL)), bs.samples[0]);
        assert.equal((await store.readMeasurements('dev-1', 'hr', ...ALL)).length, 1);
        assert.equal((await store.stats()).wave.keys, 2, 'counters rebuilt after repair');
      } finally {
        await store.close();
      }
    });
  }

  it('reports an undecodable stored value as VIGIL_STORE_CORRUPT on read', async () => {
    const dir = await tmp.make();
    await writeSomething(dir);
    const raw = new Level<string, Buffer>(dir, { valueEncoding: 'buffer' });
    const wave = raw.sublevel<string, Buffer>('wave', { valueEncoding: 'buffer' });
    const [key] = await wave.keys({ limit: 1 }).all();
    assert.ok(key !== undefined);
    await wave.put(key, Buffer.from('bad value, not a CBOR array'));
    await raw.sublevel<string, Buffer>('meas', { valueEncoding: 'buffer' }).put('dev-1/hr/001767225600001/000001/0000000099', Buffer.from([0xff, 0xff, 0x1c]));
    await raw.close();
    const store = await Store.open({ dir });
    try {
      await assert.rejects(store.readWave('dev-1', 'MLII', ...ALL), hasCode('VIGIL_STORE_CORRUPT'));
      await assert.rejects(store.readMeasurements('dev-1', 'hr', ...ALL), hasCode('VIGIL_STORE_CORRUPT'));
    } finally {
      await store.close();
    }
  });

  it('reports a directory that cannot be created as VIGIL_STORE_IO', async () => {
    const base = await tmp.make();
    const file = path.join(base, 'a-file');
    await writeFile(file, 'in the way');
    await assert.rejects(Store.open({ dir: file }), hasCode('VIGIL_STORE_IO'));
    await assert.rejects(Store.open({ dir: path.join(file, 'store') }), (e) => isVigilError(e, 'VIGIL_STORE_IO') && e.details.systemCode === 'ENOTDIR');
    await assert.rejects(Store.repair(path.join(base, 'nothing-here')), hasCode('VIGIL_STORE_IO'));
  });

  it('keeps the data of a failed batch buffered, surfaces the error, and writes it on the next flush', async () => {
    const dir = await tmp.make();
    const { logger, records } = captureLogger();
    const clock = new ManualClock(T0);
    const store = await Store.open({ dir, clock, logger });
    let failing = true;
    const restore = patchBatch(store, () => failing);
    try {
      const bs = new BlockStream({ channels: [ECG] });
      for (let i = 0; i < 30; i++) store.appendBlock(bs.block());
      store.appendMeasurement(measurement('dev-1', 'hr', 70, T0));
      await assert.rejects(store.flush(), hasCode('VIGIL_STORE_IO'));
      store.appendMeasurement(measurement('dev-1', 'hr', 71, T0 + 1000));
      clock.advance(250); // the timed write fails too, and is logged
      await store.idle();
      assert.ok(records.some((r) => r.level === 'error' && String(r.msg).includes('retried')));
      let st = await store.stats();
      assert.equal(st.writes.failures, 2);
      assert.equal(st.buffered.ops, 4, 'two segments and two measurements still buffered');
      assert.match(String(st.writes.lastError), /^VIGIL_STORE_IO/);
      failing = false;
      await store.flush();
      assert.deepEqual(concatSamples(await store.readWave('dev-1', 'MLII', ...ALL)), bs.samples[0]);
      assert.deepEqual((await store.readMeasurements('dev-1', 'hr', ...ALL)).map((m) => m.value), [70, 71]);
      st = await store.stats();
      assert.deepEqual([st.buffered.ops, st.wave.keys, st.meas.keys], [0, 2, 2]);
    } finally {
      restore();
      await store.close();
    }
  });

  it('while writes keep failing, drops the oldest unwritten waveform beyond the buffer bound, never measurements', async () => {
    const dir = await tmp.make();
    const { logger, records } = captureLogger();
    const store = await Store.open({ dir, clock: new ManualClock(T0), logger, maxBufferedBytes: 6000, segmentMs: 400 });
    let failing = true;
    const restore = patchBatch(store, () => failing);
    try {
      const bs = new BlockStream({ channels: [ECG] }); // 100 samples = 200 bytes per 400-ms segment
      for (let i = 0; i < 400; i++) {
        store.appendBlock(bs.block());
        if (i % 10 === 0) store.appendMeasurement(measurement('dev-1', 'hr', i, T0 + i * 100));
      }
      const st = await store.stats();
      assert.ok(st.writes.droppedSegments > 0);
      assert.ok(st.buffered.bytes <= 6000 + 400, `buffer bounded (${st.buffered.bytes})`);
      assert.equal(records.filter((r) => String(r.msg).includes('dropping oldest')).length, 1, 'logged once per burst');
      failing = false;
      await store.flush();
      assert.equal((await store.readMeasurements('dev-1', 'hr', ...ALL)).length, 40, 'every measurement kept');
      const segs = await store.readWave('dev-1', 'MLII', ...ALL);
      const kept = concatSamples(segs);
      assert.deepEqual(kept, bs.samples[0]?.slice(-kept.length), 'the newest waveform is what remains');
      assert.equal(segs.length + st.writes.droppedSegments, 100);
    } finally {
      restore();
      await store.close();
    }
  });

  it('keeps every acknowledged (flushed) record when the writing process is killed', async function () {
    this.timeout(15000);
    const dir = await tmp.make();
    const code = [
      "import { Store } from './src/store/store.ts';",
      'const store = await Store.open({ dir: process.env.VIGIL_TEST_DIR });',
      'for (let i = 0; ; i++) {',
      "  store.appendMeasurement({ kind: 'measurement', deviceId: 'dev-1', metric: 'hr', value: i, unit: '/min', deviceTimeMs: null, hubTimeMs: i, wallTimeMs: 1767225600000 + i });",
      "  if (i % 10 === 9) { await store.flush(); process.stdout.write('ACK ' + (i + 1) + '\\n'); }",
      '}',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: repoRoot,
      env: { ...process.env, VIGIL_TEST_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (c) => reject(new Error(`writer exited early with ${c}`)));
      child.stdout?.on('data', (d: Buffer) => {
        for (const m of d.toString().matchAll(/ACK (\d+)/g)) acked = Math.max(acked, Number(m[1]));
        if (acked >= 200) resolve();
      });
    });
    child.kill('SIGKILL'); // no close(), no exit handlers: a crash
    await exited;
    const store = await Store.open({ dir });
    try {
      const values = (await store.readMeasurements('dev-1', 'hr', ...ALL)).map((m) => m.value);
      assert.ok(values.length >= acked, `${values.length} stored >= ${acked} acknowledged`);
      assert.deepEqual(values, values.map((_, i) => i), 'in order, none missing');
    } finally {
      await store.close();
    }
  });

  it('close() reports data it could not write, and still releases the database', async () => {
    const dir = await tmp.make();
    const store = await Store.open({ dir, clock: new ManualClock(T0) });
    const restore = patchBatch(store, () => true);
    store.appendMeasurement(measurement('dev-1', 'hr', 70, T0));
    await assert.rejects(store.close(), hasCode('VIGIL_STORE_IO'));
    restore();
    const again = await Store.open({ dir });
    assert.deepEqual(await again.readMeasurements('dev-1', 'hr', ...ALL), []);
    await again.close();
  });
});
