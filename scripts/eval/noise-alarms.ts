/**
 * `npm run eval:noise`: high-priority alarms (asystole, VF, VTach) raised on mitdb records with
 * real noise added over their whole length (nstdb 'ma' muscle artefact or 'bw' baseline wander,
 * scaled to an RMS in mV on every lead), against the same records clean. Runs the hub's whole
 * chain: engine, the shipped beat classifier, the adaptive stage, the rhythm monitor.
 *
 * Caveat printed with the figures: the shipped model was trained on these records, so its beat
 * labels are better here than on a new patient; the comparison clean vs noisy is the point.
 * With --cv-models DIR (`npm run cv -- --save-models` writes it) each record is labelled by the
 * cross-validation model that never saw it, as on a new patient.
 *
 * usage: npm run eval:noise -- [--data DIR] [--noise-data DIR] [--records LIST] [--noise ma]
 *          [--levels 0,0.1,0.2] [--json]
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { AnalysisChain } from '../../src/analysis/chain.ts';
import { DEFAULT_MODEL } from '../../src/analysis/model.ts';
import { errorMessage, isVigilError } from '../../src/core/errors.ts';
import { BeatClassifier, BeatLabeler } from '../../src/detect/classifier.ts';
import { SUSPENDED_IN_NOISE } from '../../src/detect/rhythm/events.ts';
import { scaledNoise } from '../../src/eval/asystole-noise.ts';
import { PACED_RECORDS } from '../../src/eval/index.ts';
import { effectiveGain } from '../../src/wfdb/header.ts';
import { readRecord, type WfdbRecord } from '../../src/wfdb/record.ts';
import { DEFAULT_DATA, argValue } from '../train/common.ts';

const HELP = `usage: npm run eval:noise -- [options]

Add real noise (MIT-BIH Noise Stress Test Database, scaled to an RMS in mV on every lead) to
whole MIT-BIH records, run the hub's chain with the shipped classifier, and count the
high-priority alarm onsets after the first 5 minutes (asystole, vfib, vtach), the noise
technical alarms, and the medium/low arrhythmia onsets (Run PVCs, AF, pause, HR limits,
PVCs/min, couplets, bigeminy, trigeminy: "other"), per level. The shipped model was trained on these
records: its beat labels are optimistic here; compare the levels with each other, or pass
--cv-models to label each record with the cross-validation model that never saw it. The paced
records (102, 104) run as paced patients, as their hub would be set.

Options:
  --data DIR        mitdb directory (default ../shared/data/mitdb)
  --noise-data DIR  nstdb directory (default ../shared/data/nstdb)
  --records LIST    records, comma separated (default: every record in --data)
  --noise NAME      noise recording (default ma)
  --levels LIST     noise RMS in mV (default 0,0.1,0.2)
  --cv-models DIR   per-record models <record>.onnx written by 'npm run cv -- --save-models'
                    (DIR = its --out/models); records without one (102, 104: not in
                    training) use the shipped model
  --json            one JSON object per level on stdout
  -h, --help        this help

Exit status: 0 measured, 1 missing data, 2 bad command line.
`;

const CONDITIONS = ['asystole', 'vfib', 'vtach', 'noise', 'other'] as const;
/** The medium/low arrhythmia conditions, counted together as "other". */
const OTHER: ReadonlySet<string> = SUSPENDED_IN_NOISE;

const argv = process.argv.slice(2);
if (argv.includes('-h') || argv.includes('--help')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const data = argValue(argv, '--data') ?? DEFAULT_DATA;
const noiseDir = argValue(argv, '--noise-data') ?? path.resolve(data, '..', 'nstdb');
const noiseName = argValue(argv, '--noise') ?? 'ma';
const levels = (argValue(argv, '--levels') ?? '0,0.1,0.2').split(',').map(Number);
if (levels.some((x) => !Number.isFinite(x) || x < 0)) {
  process.stderr.write('eval:noise: --levels takes non-negative numbers, comma separated\n');
  process.exit(2);
}
for (const d of [data, noiseDir]) {
  if (!existsSync(d)) {
    process.stderr.write(`eval:noise: ${d} not found\n`);
    process.exit(1);
  }
}
const records = argValue(argv, '--records')
  ? (argValue(argv, '--records') as string).split(',').map((s) => s.trim()).filter(Boolean)
  : readdirSync(data).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4)).sort();
const json = argv.includes('--json');
const tty = process.stderr.isTTY;

/** A copy of the record's signals with the noise added at rmsMv on every lead (as far as the noise lasts). */
function noisy(rec: WfdbRecord, noise: WfdbRecord, rmsMv: number): Int32Array[] {
  return rec.signals.map((s, l) => {
    const out = Int32Array.from(s);
    if (rmsMv === 0) return out;
    const n = Math.min(out.length, (noise.signals[l % noise.signals.length] as Int32Array).length);
    const spec = rec.header.signals[l];
    const seg = scaledNoise(noise, l, 0, n, rmsMv, spec ? effectiveGain(spec) : 200) as Float64Array;
    for (let i = 0; i < n; i++) out[i] = Math.round((out[i] as number) + (seg[i] as number));
    return out;
  });
}

const cvModels = argValue(argv, '--cv-models');
if (cvModels !== undefined && !existsSync(cvModels)) {
  process.stderr.write(`eval:noise: ${cvModels} not found (write it with: npm run cv -- --save-models)\n`);
  process.exit(1);
}
const classifier = await BeatClassifier.load(DEFAULT_MODEL);
/** The model that labels record r: its CV fold model when --cv-models has one, else the shipped one. */
const folds = new Map<string, BeatClassifier>();
async function modelFor(r: string): Promise<BeatClassifier> {
  if (cvModels === undefined || !existsSync(path.join(cvModels, `${r}.onnx`))) return classifier;
  let m = folds.get(r);
  if (m === undefined) {
    m = await BeatClassifier.load(path.join(cvModels, `${r}.onnx`));
    folds.set(r, m);
  }
  return m;
}
try {
  const noise = await readRecord(path.join(noiseDir, noiseName));
  for (const rmsMv of levels) {
    const totals: Record<string, number> = Object.fromEntries(CONDITIONS.map((c) => [c, 0]));
    const where: Record<string, string[]> = Object.fromEntries(CONDITIONS.map((c) => [c, [] as string[]]));
    let hours = 0;
    for (const [idx, r] of records.entries()) {
      if (tty) process.stderr.write(`\r${noiseName} ${rmsMv} mV: ${r} (${idx + 1}/${records.length})   `);
      const rec = await readRecord(path.join(data, r));
      const fs = rec.header.samplingFrequency;
      const sig = noisy(rec, noise, rmsMv);
      const leadNames = rec.header.signals.map((s) => s.description);
      const chain = new AnalysisChain({
        sampleRate: fs,
        leads: rec.header.signals.map((s) => ({ name: s.description, gain: effectiveGain(s), baseline: s.baseline })),
        labeller: new BeatLabeler(await modelFor(r), { sampleRate: fs, leadNames }),
        // a paced patient's hub is set as paced (IEC 60601-2-27; config analysis.paced)
        paced: PACED_RECORDS.includes(r),
      });
      const from = 300 * fs;
      hours += Math.max(0, rec.length - from) / fs / 3600;
      const take = (out: Awaited<ReturnType<AnalysisChain['push']>>): void => {
        for (const e of out.rhythm) {
          if (e.phase !== 'onset' || e.sample < from) continue;
          const c = OTHER.has(e.condition) ? 'other' : e.condition;
          if (!(CONDITIONS as readonly string[]).includes(c)) continue;
          totals[c] = (totals[c] ?? 0) + 1;
          if (c !== 'other') where[c]?.push(`${r}@${Math.round(e.sample / fs)}`);
        }
      };
      for (let off = 0; off < rec.length; off += fs) {
        const k = Math.min(fs, rec.length - off);
        take(await chain.push(sig.map((s) => s.subarray(off, off + k)), k));
      }
      take(await chain.finish());
    }
    if (tty) process.stderr.write('\r\x1b[K');
    if (json) process.stdout.write(JSON.stringify({ noise: noiseName, rmsMv, hours, labels: cvModels === undefined ? 'shipped model' : 'cv fold models', onsets: totals, where }) + '\n');
    else process.stdout.write(`${noiseName} ${rmsMv.toFixed(2)} mV (${hours.toFixed(1)} h${cvModels === undefined ? '' : ', CV labels'}): ${CONDITIONS.map((c) => `${c} ${totals[c]}`).join(', ')}${CONDITIONS.slice(0, 3).some((c) => (where[c] ?? []).length) ? `  [${CONDITIONS.slice(0, 3).map((c) => `${c}: ${(where[c] ?? []).join(' ')}`).join('; ')}]` : ''}\n`);
  }
} catch (e) {
  // A record or noise file missing or unreadable (VigilError with its code).
  process.stderr.write(`\neval:noise: ${isVigilError(e) ? `${e.code}: ` : ''}${errorMessage(e)}\n`);
  process.exitCode = 1;
} finally {
  await classifier.close();
  for (const m of folds.values()) await m.close();
}
