import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MODEL } from '../analysis/model.ts';
import { analyzeRecord, analyzeRecordLabelled, windowLine } from '../analysis/record.ts';
import { BeatClassifier, BeatLabeler } from '../detect/classifier.ts';
import { VigilError } from '../core/errors.ts';
import { writeAnnotations } from '../wfdb/annotations.ts';
import { readRecord } from '../wfdb/record.ts';
import { EXIT_OK, parse, report, str, type CommandSpec, type Io } from './common.ts';

export const analyzeSpec: CommandSpec = {
  name: 'analyze',
  summary: 'Analyse WFDB records offline with the hub\'s ECG engine; write beat annotations and window reports.',
  usage: 'vigil analyze RECORD... [--out DIR] [--model FILE | --no-model] [--no-adapt] [--paced] [--json]',
  help: `
RECORD is a WFDB record path without extension (e.g. ../shared/data/mitdb/101). For each one,
the record is pushed through the same streaming engine the hub runs live, and two files are
written:

  DIR/<record>.vigil   WFDB MIT-format annotations (readable by the WFDB tools and 'vigil eval'):
                       a beat annotation at each detected R peak, classified N, A (S), V, F or Q
                       by the beat classifier, or / (paced) with --paced; rhythm annotations (+ with '(VT', '(AFIB',
                       '(VFL', '(ASYS' ...); signal-quality annotations (~) around
                       unanalyzable stretches
  DIR/<record>.jsonl   one JSON object per window: heart rate, HRV (SDNN, RMSSD, pNN50),
                       signal quality, unanalyzable and lead-off flags

Options:
  --out DIR     where to write (default: the current directory)
  --model FILE  beat classifier (default: models/beat-classifier.onnx; its sha256 and
                shapes are checked against the manifest beside it)
  --no-model    no classifier: beats are labelled N (or Q when the signal is poor)
  --no-adapt    the classifier's labels as they are, without the patient-adaptive stage
                (online shape clusters and RR timing of this patient; src/detect/adapt.ts)
  --paced       the patient has a pacemaker: beats preceded by a pacing pulse are
                labelled paced (/) and kept out of the PVC, VT and AF rules (config
                analysis.paced on the hub; src/ecg/pace.ts)
  --json        print one JSON summary line per record on stdout
  -h, --help  show this help

Progress goes to stderr on a terminal. Exit status: 0 all analysed, 1 a record failed
(the others are still written), 2 bad command line.`,
  options: { out: { type: 'string', short: 'o' }, json: { type: 'boolean' }, model: { type: 'string' }, 'no-model': { type: 'boolean' }, 'no-adapt': { type: 'boolean' }, paced: { type: 'boolean' } },
  allowPositionals: true,
};

export async function analyze(argv: string[], io: Io): Promise<number> {
  let json = false;
  try {
    const p = parse(analyzeSpec, argv, io);
    if (!p) return EXIT_OK;
    json = p.values.json === true;
    if (p.positionals.length === 0) throw new VigilError('VIGIL_USAGE', `expected at least one RECORD\nusage: ${analyzeSpec.usage}`);
    const out = str(p, 'out') ?? '.';
    if (p.values['no-model'] === true && str(p, 'model') !== undefined) throw new VigilError('VIGIL_USAGE', '--model and --no-model exclude each other');
    // A bad model is refused before any record is read (wrong hash, shape, missing file).
    const classifier = p.values['no-model'] === true ? null : await BeatClassifier.load(str(p, 'model') ?? DEFAULT_MODEL);
    await mkdir(out, { recursive: true });
    const patient = { paced: p.values.paced === true };
    let failed = 0;
    for (const [i, record] of p.positionals.entries()) {
      const name = path.basename(record);
      if (io.isTTY && !json) io.err(`\ranalyze: ${i + 1}/${p.positionals.length} ${name}    `);
      try {
        const rec = await readRecord(record);
        const res = classifier
          ? await analyzeRecordLabelled(rec, new BeatLabeler(classifier, { sampleRate: rec.header.samplingFrequency, leadNames: rec.header.signals.map((x) => x.description) }), 1, p.values['no-adapt'] !== true, patient)
          : analyzeRecord(rec, 1, patient);
        const fs = rec.header.samplingFrequency;
        await writeFile(path.join(out, `${name}.vigil`), writeAnnotations(res.annotations));
        await writeFile(path.join(out, `${name}.jsonl`), res.windows.map((w) => windowLine(w, fs)).join('\n') + (res.windows.length ? '\n' : ''));
        const count = (l: string): number => res.beats.reduce((n, b) => n + (b.label === l ? 1 : 0), 0);
        const summary = {
          record: name,
          beats: res.beats.length,
          classes: { N: count('N'), S: count('S'), V: count('V'), F: count('F'), Q: count('Q'), P: count('P') },
          conditions: [...new Set(res.rhythm.filter((r) => r.phase === 'onset').map((r) => r.condition))],
          durationS: Math.round(res.durationS * 10) / 10,
          engineS: Math.round(res.engineS * 1e4) / 1e4,
          timesRealTime: Math.round(res.durationS / Math.max(res.engineS, 1e-9)),
          unanalyzableS: Math.round(res.windows.filter((w) => w.unanalyzable).reduce((s, w) => s + (w.endSample - w.startSample) / fs, 0)),
        };
        if (json) io.out(JSON.stringify(summary) + '\n');
        else if (!io.isTTY) io.err(`analyze: ${name}: ${summary.beats} beats in ${summary.durationS} s of signal (${summary.timesRealTime}x real time)\n`);
      } catch (e: unknown) {
        failed++;
        report(e, io, json);
      }
    }
    if (io.isTTY && !json) io.err(`\ranalyze: ${p.positionals.length - failed}/${p.positionals.length} records written to ${out}\n`);
    await classifier?.close();
    return failed > 0 ? 1 : EXIT_OK;
  } catch (e: unknown) {
    return report(e, io, json);
  }
}
