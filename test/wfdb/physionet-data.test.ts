/**
 * Every record of the shared PhysioNet folders (mitdb, nstdb) must decode with the checksums,
 * initial values and sample counts of its header, and its reference annotations must parse.
 * The data is read in place from ../shared/data and never copied into the repository.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAnnotations, writeAnnotations } from '../../src/wfdb/annotations.ts';
import { isBeatCode } from '../../src/wfdb/codes.ts';
import { readAnnotations, readRecord } from '../../src/wfdb/record.ts';
import { notRun, sharedData } from '../helpers/data.ts';

for (const db of ['mitdb', 'nstdb'] as const) {
  const dir = sharedData(db);
  if (dir === null) {
    notRun(`WFDB ${db} data tests`, `../shared/data/${db} is absent (the PhysioNet records are not in this checkout)`);
    continue;
  }
  const records = readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .map((f) => f.slice(0, -4))
    .sort();

  describe(`WFDB ${db} records (${records.length} in ${dir})`, () => {
    it('has records to test', () => {
      assert.ok(records.length > 0);
    });

    for (const name of records) {
      it(`${name}: decodes nsamp frames with the header's checksums and initial values`, async () => {
        const rec = await readRecord(path.join(dir, name));
        assert.ok(rec.header.numSamples !== null && rec.header.numSamples > 0);
        assert.equal(rec.length, rec.header.numSamples);
        assert.equal(rec.truncated, false);
        for (const c of rec.checksums) assert.ok(c.ok && c.expected !== null, `signal ${c.signal}: checksum ${c.actual} != ${c.expected}`);
        for (const s of rec.header.signals) {
          assert.equal(rec.signals[s.index]?.length, rec.length);
          assert.equal(rec.signals[s.index]?.[0], s.initialValue, `signal ${s.index} initial value`);
        }
      });
    }

    const annotated = readdirSync(dir)
      .filter((f) => f.endsWith('.atr'))
      .map((f) => f.slice(0, -4))
      .sort();
    for (const name of annotated) {
      it(`${name}.atr: parses to a plausible, ordered beat series that survives a write/read round trip`, async () => {
        const rec = await readRecord(path.join(dir, name));
        const set = await readAnnotations(path.join(dir, name), 'atr');
        let beats = 0;
        for (let i = 0; i < set.length; i++) {
          if (isBeatCode(set.code[i]!)) beats++;
          assert.ok(set.sample[i]! >= 0 && set.sample[i]! < rec.length, `annotation ${i} at ${set.sample[i]} outside the record`);
          if (i > 0) assert.ok(set.sample[i]! >= set.sample[i - 1]!, `annotation ${i} goes back in time`);
        }
        // 30 min records at 40-200 bpm: well over 1000 beats each.
        assert.ok(beats > 1000, `${beats} beats`);
        assert.ok(set.aux.some((a) => a !== null && a.startsWith('(')), 'rhythm annotations carry their aux label');
        const back = parseAnnotations(writeAnnotations(set));
        assert.ok(back.ok);
        assert.deepEqual([...back.annotations.sample], [...set.sample]);
        assert.deepEqual([...back.annotations.code], [...set.code]);
        assert.deepEqual([...back.annotations.subtype], [...set.subtype]);
        assert.deepEqual([...back.annotations.chan], [...set.chan]);
        assert.deepEqual([...back.annotations.num], [...set.num]);
        assert.deepEqual(back.annotations.aux, set.aux);
      });
    }

    it('reads the .atr bytes in full (every file ends with its end word)', async () => {
      for (const f of (await readdir(dir)).filter((x) => x.endsWith('.atr'))) {
        const r = parseAnnotations(await readFile(path.join(dir, f)));
        assert.ok(r.ok, `${f}: ${r.ok ? '' : r.error.message}`);
      }
    });
  });
}
