import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isVigilError, type VigilErrorCode } from '../../src/core/errors.ts';
import { annotationSet, writeAnnotations } from '../../src/wfdb/annotations.ts';
import { readAnnotations, readRecord } from '../../src/wfdb/record.ts';
import { encode212, interleave } from './support.ts';

function rejectsWith(code: VigilErrorCode): (e: unknown) => boolean {
  return (e: unknown) => isVigilError(e, code);
}

describe('WFDB record files', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-wfdb-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const a = [10, -20, 30, -40, 2047, -2048];
  const b = [1, 2, 3, 4, 5, 6];
  const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);

  async function writeRecord(name: string, nsamp: number, data: Uint8Array): Promise<string> {
    const hea = [`${name} 2 360 ${nsamp}`, `${name}.dat 212 200 11 1024 10 ${sum(a)} 0 MLII`, `${name}.dat 212 200 11 1024 1 ${sum(b)} 0 V1`, '# 69 M'];
    await writeFile(path.join(dir, `${name}.hea`), hea.join('\n') + '\n');
    await writeFile(path.join(dir, `${name}.dat`), data);
    return path.join(dir, name);
  }

  it('reads header, signals and checksums of a record', async () => {
    const p = await writeRecord('r1', 6, encode212(interleave([a, b])));
    const rec = await readRecord(p);
    assert.equal(rec.length, 6);
    assert.equal(rec.truncated, false);
    assert.deepEqual([...rec.signals[0]!], a);
    assert.deepEqual([...rec.signals[1]!], b);
    assert.deepEqual(rec.checksums.map((c) => c.ok), [true, true]);
    assert.deepEqual(rec.header.comments, ['69 M']);
  });

  it('reports a short data file as truncated with failing checksums', async () => {
    const p = await writeRecord('r2', 6, encode212(interleave([a, b])).subarray(0, 10));
    const rec = await readRecord(p);
    assert.equal(rec.length, 3);
    assert.equal(rec.expectedLength, 6);
    assert.equal(rec.truncated, true);
    assert.deepEqual([...rec.signals[0]!], a.slice(0, 3));
    assert.deepEqual(rec.checksums.map((c) => c.ok), [false, false]);
  });

  it('throws FILE_MISSING for an absent header, data file or annotation file', async () => {
    await assert.rejects(readRecord(path.join(dir, 'nothing')), rejectsWith('VIGIL_WFDB_FILE_MISSING'));
    await writeFile(path.join(dir, 'r3.hea'), 'r3 1 360 2\nr3.dat 16\n');
    await assert.rejects(readRecord(path.join(dir, 'r3')), rejectsWith('VIGIL_WFDB_FILE_MISSING'));
    await assert.rejects(readAnnotations(path.join(dir, 'r3'), 'atr'), rejectsWith('VIGIL_WFDB_FILE_MISSING'));
  });

  it('throws the header error with its line, and refuses data paths outside the record folder', async () => {
    await writeFile(path.join(dir, 'bad.hea'), 'bad 1 360 2\nbad.dat 212 nogain\n');
    await assert.rejects(readRecord(path.join(dir, 'bad')), (e: unknown) => isVigilError(e, 'VIGIL_WFDB_HEADER_INVALID') && e.details.line === 2);
    await writeFile(path.join(dir, 'other.hea'), 'wrongname 0 360\n');
    await assert.rejects(readRecord(path.join(dir, 'other')), rejectsWith('VIGIL_WFDB_HEADER_INVALID'));
    await writeFile(path.join(dir, 'up.hea'), 'up 1 360 2\n../up.dat 16\n');
    await assert.rejects(readRecord(path.join(dir, 'up')), rejectsWith('VIGIL_WFDB_FORMAT_UNSUPPORTED'));
  });

  it('reads annotations and throws ANNOTATION_INVALID for a damaged file', async () => {
    const set = annotationSet([
      { sample: 5, code: 28, aux: '(N' },
      { sample: 9, code: 1 },
    ]);
    const bytes = writeAnnotations(set);
    await writeFile(path.join(dir, 'r4.atr'), bytes);
    const back = await readAnnotations(path.join(dir, 'r4'));
    assert.deepEqual([...back.sample], [5, 9]);
    assert.deepEqual(back.aux, ['(N', null]);
    await writeFile(path.join(dir, 'r4.qrs'), bytes.subarray(0, bytes.length - 2));
    await assert.rejects(readAnnotations(path.join(dir, 'r4'), 'qrs'), (e: unknown) => isVigilError(e, 'VIGIL_WFDB_ANNOTATION_INVALID') && e.details.readCount === 2);
  });
});
