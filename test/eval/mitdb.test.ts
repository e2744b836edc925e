/**
 * Scoring the MIT-BIH Arrhythmia Database reference annotations against copies of
 * themselves (written to a temporary directory with writeAnnotations) must give perfect
 * figures on every record; dropping known beats must give exactly those misses. The data is
 * read in place from ../shared/data/mitdb and never copied into the repository.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NO_BEAT } from '../../src/eval/classes.ts';
import { aggregateEpisodes } from '../../src/eval/epicmp.ts';
import { scoreRecord, type RecordScore } from '../../src/eval/score.ts';
import { aggregate } from '../../src/eval/stats.ts';
import { annotationSet, writeAnnotations, type AnnotationInput } from '../../src/wfdb/annotations.ts';
import { isBeatCode } from '../../src/wfdb/codes.ts';
import { readAnnotations } from '../../src/wfdb/record.ts';
import { notRun, sharedData } from '../helpers/data.ts';

const dir = sharedData('mitdb');
if (dir === null) {
  notRun('eval mitdb self-comparison tests', '../shared/data/mitdb is absent (the PhysioNet records are not in this checkout)');
} else {
  const records = readdirSync(dir)
    .filter((f) => f.endsWith('.atr'))
    .map((f) => f.slice(0, -4))
    .sort();

  describe(`eval: mitdb reference scored against itself (${records.length} records)`, () => {
    let tmp = '';
    let dropDir = '';
    const scores: RecordScore[] = [];
    /** Per record: beats removed from the "drop" copy inside the comparison interval. */
    const dropped = new Map<string, number>();

    before(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'vigil-eval-'));
      dropDir = path.join(tmp, 'drop');
      await mkdir(dropDir);
      for (const r of records) {
        const ref = await readAnnotations(path.join(dir, r), 'atr');
        await writeFile(path.join(tmp, `${r}.vigil`), writeAnnotations(ref));
        // Every 10th beat after the 5-minute learning period removed.
        const kept: AnnotationInput[] = [];
        let beat = 0;
        let n = 0;
        for (let i = 0; i < ref.length; i++) {
          const s = ref.sample[i]!;
          const c = ref.code[i]!;
          if (isBeatCode(c) && s >= 300 * 360 && beat++ % 10 === 0) {
            n++;
            continue;
          }
          kept.push({ sample: s, code: c, subtype: ref.subtype[i]!, chan: ref.chan[i]!, num: ref.num[i]!, aux: ref.aux[i] ?? null });
        }
        dropped.set(r, n);
        await writeFile(path.join(dropDir, `${r}.vigil`), writeAnnotations(annotationSet(kept)));
      }
      for (const r of records) scores.push(await scoreRecord(dir, r, { testDir: tmp }));
    });
    after(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('finds the 24 records', () => {
      assert.equal(records.length, 24);
      assert.equal(scores.length, 24);
    });

    it('every record: QRS Se = +P = 100%, no off-diagonal cell, VEB/SVEB perfect where defined', () => {
      for (const s of scores) {
        const b = s.bxb;
        assert.equal(b.fs, 360, s.record);
        assert.ok(b.refBeats > 1000, `${s.record}: ${b.refBeats} beats`);
        assert.deepEqual([b.qrs.fn, b.qrs.fp, b.qrs.se, b.qrs.ppv], [0, 0, 1, 1], s.record);
        for (let r = 0; r <= NO_BEAT; r++) for (let c = 0; c <= NO_BEAT; c++) if (r !== c) assert.equal(b.matrix[r]![c], 0, `${s.record} [${r}][${c}]`);
        for (const st of [b.veb, b.sveb]) {
          assert.ok(st.se === null || st.se === 1, s.record);
          assert.ok(st.ppv === null || st.ppv === 1, s.record);
        }
        assert.equal(b.veb.fpr, 0, s.record);
        for (const e of s.episodes) {
          assert.ok(e.se === null || e.se === 1, `${s.record} ${e.label}`);
          assert.ok(e.durationPpv === null || e.durationPpv === 1, `${s.record} ${e.label}`);
        }
      }
    });

    it('gross and average are 100%; paced 102 and 104 are left out of the classification figures', () => {
      const agg = aggregate(scores.map((s) => s.bxb));
      assert.deepEqual(agg.pacedExcluded, ['102', '104']);
      assert.equal(agg.gross.qrs.se, 1);
      assert.equal(agg.gross.qrs.ppv, 1);
      assert.ok(agg.gross.qrs.tp > 40_000);
      assert.equal(agg.gross.veb.se, 1);
      assert.equal(agg.gross.sveb.ppv, 1);
      assert.equal(agg.average.veb.se, 1);
      const pacedBeats = scores.filter((s) => s.record === '102' || s.record === '104').reduce((a, s) => a + s.bxb.refBeats, 0);
      const classBeats = agg.gross.classMatrix.slice(0, NO_BEAT).reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
      assert.equal(classBeats, agg.gross.qrs.tp - pacedBeats);
      const af = aggregateEpisodes(scores.flatMap((s) => s.episodes), 'AFIB');
      assert.ok(af.gross.refEpisodes > 0);
      assert.equal(af.gross.se, 1);
      assert.equal(af.gross.durationSe, 1);
    });

    it('a copy missing every 10th beat after 5 min: FN = the dropped beats, FP = 0', async () => {
      let total = 0;
      for (const r of records) {
        const s = await scoreRecord(dir, r, { testDir: dropDir });
        const n = dropped.get(r)!;
        assert.ok(n > 100, r);
        assert.deepEqual([s.bxb.qrs.fn, s.bxb.qrs.fp, s.bxb.qrs.tp], [n, 0, s.bxb.refBeats - n], r);
        total += n;
      }
      assert.ok(total > 4000);
    });
  });
}
