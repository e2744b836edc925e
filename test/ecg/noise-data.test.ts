import assert from 'node:assert/strict';
import path from 'node:path';
import { analyzeSignals, type WindowReport } from '../../src/ecg/index.ts';
import { readRecord } from '../../src/wfdb/index.ts';
import { notRun, sharedData } from '../helpers/data.ts';

async function flagged(file: string): Promise<{ fs: number; windows: WindowReport[] }> {
  const rec = await readRecord(file);
  const fs = rec.header.samplingFrequency;
  const { windows } = analyzeSignals(rec.signals, rec.length, {
    sampleRate: fs,
    leads: rec.header.signals.map((s) => ({ name: s.description, gain: s.gain, baseline: s.baseline })),
  });
  return { fs, windows: windows.filter((w) => w.unanalyzable) };
}

const nstdb = sharedData('nstdb');
if (nstdb === null) {
  notRun('ecg noise flagging on nstdb 118e00', 'no ../shared/data/nstdb next to the repository');
} else {
  const dir = nstdb;
  describe('ecg engine: unanalyzable flagging on nstdb 118e00 (0 dB electrode motion)', function () {
    this.timeout(60_000);
    it('flags >= 20 % of the noisy 2-min blocks and < 10 s of the clean ones', async () => {
      const { fs, windows } = await flagged(path.join(dir, '118e00'));
      // nstdb: noise in alternating 2-min blocks from minute 5 (5-7, 9-11, ... noisy).
      const noisy = (s: number): boolean => s >= 300 * fs && Math.floor((s / fs - 300) / 120) % 2 === 0;
      let inNoise = 0;
      let inClean = 0;
      for (const w of windows) {
        const d = (w.endSample - w.startSample) / fs;
        if (noisy(w.startSample)) inNoise += d;
        else inClean += d;
      }
      // 12.5 min of noisy blocks after minute 5 (the last one ends with the record).
      assert.ok(inNoise >= 0.2 * 750, `only ${inNoise} s of the noisy blocks flagged`);
      assert.ok(inClean < 10, `${inClean} s of clean blocks flagged`);
    });
  });
}

const mitdb = sharedData('mitdb');
if (mitdb === null) {
  notRun('ecg noise flagging on clean mitdb records', 'no ../shared/data/mitdb next to the repository');
} else {
  const dir = mitdb;
  describe('ecg engine: no unanalyzable flags on clean mitdb records', function () {
    this.timeout(60_000);
    for (const name of ['101', '106', '112', '115', '116', '118', '122', '124']) {
      it(`flags nothing on ${name}`, async () => {
        const { windows } = await flagged(path.join(dir, name));
        assert.equal(windows.length, 0, `flagged at ${windows.map((w) => w.startSample).join(', ')}`);
      });
    }
  });
}
