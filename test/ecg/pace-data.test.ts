/**
 * Paced patients on the real paced records (mitdb 102 and 104, pacing pulses smeared by the
 * recorder's band limit), with the shipped classifier and the adaptive stage, as `vigil
 * analyze --paced` runs them; and unpaced records wrongly set as paced.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { analyzeRecordLabelled, type RecordAnalysis } from '../../src/analysis/record.ts';
import { BeatLabeler } from '../../src/detect/classifier.ts';
import { readAnnotations, readRecord } from '../../src/wfdb/record.ts';
import { annotationSymbol, isBeatCode } from '../../src/wfdb/codes.ts';
import { notRun, sharedData } from '../helpers/data.ts';
import { useShippedClassifier } from '../helpers/classifier.ts';

const mitdb = sharedData('mitdb');
if (mitdb === null) {
  notRun('paced records 102/104', 'no ../shared/data/mitdb next to the repository');
} else {
  const dir = mitdb;
  describe('paced patients on mitdb 102 and 104 (classifier + adaptive stage)', function () {
    this.timeout(120_000);
    const shipped = useShippedClassifier();

    async function run(name: string, paced: boolean): Promise<{ res: RecordAnalysis; fs: number }> {
      const rec = await readRecord(path.join(dir, name));
      const fs = rec.header.samplingFrequency;
      const labeller = new BeatLabeler(shipped(), { sampleRate: fs, leadNames: rec.header.signals.map((s) => s.description) });
      return { res: await analyzeRecordLabelled(rec, labeller, 1, true, { paced }), fs };
    }

    /** Reference beats from minute 5 (EC57's learning period left out) with the label of the detected beat within 150 ms. */
    async function matched(name: string, res: RecordAnalysis, fs: number): Promise<{ sym: string; label: string | null }[]> {
      const ref = await readAnnotations(path.join(dir, name), 'atr');
      const out: { sym: string; label: string | null }[] = [];
      const win = Math.round(0.15 * fs);
      let j = 0;
      for (let i = 0; i < ref.sample.length; i++) {
        const code = ref.code[i] as number;
        const s = ref.sample[i] as number;
        if (!isBeatCode(code) || s < 300 * fs) continue;
        while (j < res.beats.length && (res.beats[j]?.sample ?? 0) < s - win) j++;
        const b = res.beats[j];
        out.push({ sym: annotationSymbol(code), label: b !== undefined && Math.abs(b.sample - s) <= win ? b.label : null });
      }
      return out;
    }

    const onsets = (res: RecordAnalysis, fromS: number, fs: number): string[] =>
      res.rhythm.filter((r) => r.phase === 'onset' && r.sample >= fromS * fs).map((r) => r.condition);

    // Measured: 102 1817/1817 paced beats P, 104 1713/1758 (97.4 %); 0 and 10 of their own beats P.
    for (const [name, minSe, maxOwn] of [['102', 0.99, 2], ['104', 0.95, 15]] as const) {
      it(`${name}: paced beats labelled P (>= ${minSe * 100} % from minute 5), few of the patient's own beats`, async () => {
        const { res, fs } = await run(name, true);
        const m = await matched(name, res, fs);
        const paced = m.filter((x) => x.sym === '/' || x.sym === 'f');
        const hit = paced.filter((x) => x.label === 'P').length;
        assert.ok(hit >= minSe * paced.length, `${hit} of ${paced.length} paced beats labelled P`);
        const own = m.filter((x) => x.sym === 'N' || x.sym === 'V');
        const ownP = own.filter((x) => x.label === 'P').length;
        assert.ok(ownP <= maxOwn, `${ownP} of the patient's own ${own.length} beats labelled P`);
        assert.ok(m.filter((x) => x.sym === 'V').every((x) => x.label !== 'P'), 'a PVC labelled paced');
      });
    }

    // Measured: 102 none; 104 5 couplets after 400 s (its own narrow beats called V where the
    // rhythm turns from paced to intrinsic: the patient's dominant shape is the paced one).
    it('102 and 104 set as paced: no AF, VTach, PVC run or PVC rate once past 104\'s noisy first minutes; unset: AF and PVC runs', async () => {
      for (const name of ['102', '104']) {
        const on = await run(name, true);
        const after = onsets(on.res, 400, on.fs);
        assert.ok(after.every((c) => c === 'couplet') && after.length <= 5, `${name} paced: ${after.join(', ')}`);
        assert.ok(!onsets(on.res, 0, on.fs).some((c) => c === 'afib' || c === 'vtach' || c === 'vfib' || c === 'asystole'), `${name} paced: ${onsets(on.res, 0, on.fs).join(', ')}`);
        const off = onsets((await run(name, false)).res, 400, on.fs);
        assert.ok(off.includes('afib') && off.includes('vrun'), `${name} unpaced setting: ${off.join(', ')}`);
      }
    });

    it('unpaced records with frequent PVCs wrongly set as paced: no PVC becomes paced, <= 5 beats P', async () => {
      for (const name of ['119', '208']) {
        const { res, fs } = await run(name, true);
        const p = res.beats.filter((b) => b.label === 'P').length;
        assert.ok(p <= 5, `${name}: ${p} beats P`);
        const m = await matched(name, res, fs);
        assert.equal(m.filter((x) => x.sym === 'V' && x.label === 'P').length, 0, `${name}: PVCs labelled P`);
      }
    });
  });
}
