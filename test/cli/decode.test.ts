import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.ts';
import { emptyBatch, encodeBatch, type Batch } from '../../src/uplink/batch.ts';
import { captureIo } from '../support/io.ts';

const batch: Batch = {
  ...emptyBatch('hub-1', 'bed-2', 5, 1.7e12),
  waves: [{ deviceId: 'ecg', channel: 'MLII', units: 'mV', gain: 200, baseline: 1024, sampleRate: 360, firstSample: 720, wallTimeMs: 1.7e12, samples: Int32Array.from([1024, 1030, -7]) }],
  measurements: [{ deviceId: 'ox', metric: 'spo2', value: 97, unit: '%', wallTimeMs: 1.7e12 + 1, deviceTimeMs: null }],
  events: [{ kind: 'status', wallTimeMs: 1.7e12 + 2, deviceId: 'ox', state: 'connected' }],
};

describe('vigil decode', () => {
  let dir = '';
  let good = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-decode-'));
    good = path.join(dir, 'good.cbor');
    await writeFile(good, encodeBatch(batch));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the batch as JSON with samples as arrays', async () => {
    const io = captureIo();
    assert.equal(await main(['decode', good], io), 0, io.stderr());
    const out = JSON.parse(io.stdout()) as { hubId: string; seq: number; waves: { samples: number[]; firstSample: number }[]; measurements: unknown[] };
    assert.equal(out.hubId, 'hub-1');
    assert.equal(out.seq, 5);
    assert.deepEqual(out.waves[0]?.samples, [1024, 1030, -7]);
    assert.equal(out.waves[0]?.firstSample, 720);
    assert.equal(out.measurements.length, 1);
  });

  it('--summary prints counts per section', async () => {
    const io = captureIo();
    assert.equal(await main(['decode', good, '--summary'], io), 0, io.stderr());
    assert.deepEqual(JSON.parse(io.stdout()), {
      hubId: 'hub-1', bed: 'bed-2', seq: 5, createdMs: 1.7e12, waves: 1, samples: 3, beats: 0, measurements: 1, events: 1, alarms: 0, dropped: 0,
    });
  });

  it('a truncated batch, a foreign file or a missing file exits 1 with the code', async () => {
    const bytes = encodeBatch(batch);
    const cut = path.join(dir, 'cut.cbor');
    await writeFile(cut, bytes.subarray(0, bytes.length - 3));
    let io = captureIo();
    assert.equal(await main(['decode', cut], io), 1);
    assert.match(io.stderr(), /VIGIL_BATCH_TRUNCATED/);
    assert.equal(io.stdout(), '');

    const json = path.join(dir, 'x.json');
    await writeFile(json, '{"v":1}');
    io = captureIo();
    assert.equal(await main(['decode', json], io), 1);
    assert.match(io.stderr(), /VIGIL_BATCH_(INVALID|TRUNCATED)/);

    io = captureIo();
    assert.equal(await main(['decode', path.join(dir, 'nope.cbor')], io), 1);
    assert.match(io.stderr(), /VIGIL_BATCH_UNREADABLE/);
  });

  it('usage errors exit 2; --help exits 0', async () => {
    assert.equal(await main(['decode'], captureIo()), 2);
    assert.equal(await main(['decode', 'a', 'b'], captureIo()), 2);
    assert.equal(await main(['decode', '--bogus', good], captureIo()), 2);
    const io = captureIo();
    assert.equal(await main(['decode', '--help'], io), 0);
    assert.match(io.stdout(), /usage: vigil decode/);
  });
});
