import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.ts';
import { captureIo } from '../support/io.ts';
import { parseAnnotations } from '../../src/wfdb/annotations.ts';
import { AnnotationCode, isBeatCode } from '../../src/wfdb/codes.ts';
import { readAnnotations } from '../../src/wfdb/record.ts';
import { notRun, sharedData } from '../helpers/data.ts';

const capture = captureIo;

const mitdb = sharedData('mitdb');

describe('vigil analyze', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-analyze-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing record exits 1 with the WFDB code, and no record at all is a usage error', async () => {
    const io = capture();
    assert.equal(await main(['analyze', path.join(dir, 'nope'), '--out', dir], io), 1);
    assert.match(io.stderr(), /VIGIL_WFDB_FILE_MISSING/);
    assert.equal(await main(['analyze'], capture()), 2);
  });

  if (!mitdb) {
    notRun('vigil analyze on mitdb 101', '../shared/data/mitdb not found');
  } else {
    it('writes a WFDB annotation file and window reports for a real record', async function () {
      this.timeout(30_000);
      const io = capture();
      assert.equal(await main(['analyze', path.join(mitdb, '101'), '--out', dir, '--json'], io), 0, io.stderr());
      const summary = JSON.parse(io.stdout().trim()) as { record: string; beats: number };
      assert.equal(summary.record, '101');

      const parsed = parseAnnotations(await readFile(path.join(dir, '101.vigil')));
      assert.equal(parsed.ok, true, 'the .vigil file parses as MIT annotations');
      const ours = parsed.annotations;
      let beats = 0;
      for (let i = 0; i < ours.length; i++) if (isBeatCode(ours.code[i] as number)) beats++;
      assert.equal(beats, summary.beats);
      const ref = await readAnnotations(path.join(mitdb, '101'));
      let refBeats = 0;
      for (let i = 0; i < ref.length; i++) if (isBeatCode(ref.code[i] as number)) refBeats++;
      assert.ok(Math.abs(beats - refBeats) / refBeats < 0.01, `${beats} beats detected vs ${refBeats} in the reference`);

      const lines = (await readFile(path.join(dir, '101.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { hr_bpm: number | null; sqi: number });
      assert.ok(lines.length > 10);
      const hrs = lines.map((l) => l.hr_bpm).filter((x): x is number => x !== null);
      const median = [...hrs].sort((a, b) => a - b)[hrs.length >> 1] as number;
      assert.ok(median > 55 && median < 90, `median HR ${median} (record 101 is sinus at about 70/min)`);
    });

    it('--paced writes paced beats as / annotations and counts them as P', async function () {
      this.timeout(30_000);
      const io = capture();
      assert.equal(await main(['analyze', path.join(mitdb, '102'), '--out', dir, '--paced', '--json'], io), 0, io.stderr());
      const summary = JSON.parse(io.stdout().trim()) as { beats: number; classes: Record<string, number> };
      assert.ok((summary.classes['P'] ?? 0) > 0.9 * summary.beats, JSON.stringify(summary.classes));
      const ours = await readAnnotations(path.join(dir, '102'), 'vigil');
      let paced = 0;
      for (let i = 0; i < ours.length; i++) if (ours.code[i] === AnnotationCode.PACE) paced++;
      assert.equal(paced, summary.classes['P']);
    });
  }
});
