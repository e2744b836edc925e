import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { analyzeSignals } from '../../src/ecg/index.ts';
import { compareBeats } from '../../src/eval/bxb.ts';
import { annotationSet, readAnnotations, readRecord } from '../../src/wfdb/index.ts';
import { notRun, sharedData } from '../helpers/data.ts';

const dir = sharedData('mitdb');
if (dir === null) {
  notRun('ecg QRS accuracy on mitdb', 'no ../shared/data/mitdb next to the repository');
} else {
  const mitdb = dir;
  describe('ecg engine: QRS accuracy on MIT-BIH (bxb rules, 150 ms, from minute 5)', function () {
    this.timeout(120_000);
    it('gross Se and +P stay >= 99.8 % over every record present', async () => {
      const names = readdirSync(mitdb).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4)).sort();
      assert.ok(names.length > 0);
      let tp = 0;
      let fn = 0;
      let fp = 0;
      for (const name of names) {
        const p = path.join(mitdb, name);
        const rec = await readRecord(p);
        const ref = await readAnnotations(p, 'atr');
        const fs = rec.header.samplingFrequency;
        const { beats } = analyzeSignals(rec.signals, rec.length, {
          sampleRate: fs,
          leads: rec.header.signals.map((s) => ({ name: s.description, gain: s.gain, baseline: s.baseline })),
        });
        const test = annotationSet(beats.map((b) => ({ sample: b.sample, code: 1 })));
        const q = compareBeats({ record: name, reference: ref, test, fs, lengthSamples: rec.length }).qrs;
        tp += q.tp;
        fn += q.fn;
        fp += q.fp;
      }
      const se = tp / (tp + fn);
      const ppv = tp / (tp + fp);
      assert.ok(se >= 0.998, `gross Se ${(100 * se).toFixed(3)} %`);
      assert.ok(ppv >= 0.998, `gross +P ${(100 * ppv).toFixed(3)} %`);
    });
  });
}
