import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeRecord, windowLine } from '../analysis/record.ts';
import { VigilError } from '../core/errors.ts';
import { writeAnnotations } from '../wfdb/annotations.ts';
import { readRecord } from '../wfdb/record.ts';
import { EXIT_OK, parse, report, str, type CommandSpec, type Io } from './common.ts';

export const analyzeSpec: CommandSpec = {
  name: 'analyze',
  summary: 'Analyse WFDB records offline with the hub\'s ECG engine; write beat annotations and window reports.',
  usage: 'vigil analyze RECORD... [--out DIR] [--json]',
  help: `
RECORD is a WFDB record path without extension (e.g. ../shared/data/mitdb/101). For each one,
the record is pushed through the same streaming engine the hub runs live, and two files are
written:

  DIR/<record>.vigil   WFDB MIT-format annotations (readable by the WFDB tools and 'vigil eval'):
                       a beat annotation at each detected R peak (N, A, V, F, Q), and signal-
                       quality annotations (~) around unanalyzable stretches
  DIR/<record>.jsonl   one JSON object per window: heart rate, HRV (SDNN, RMSSD, pNN50),
                       signal quality, unanalyzable and lead-off flags

Options:
  --out DIR   where to write (default: the current directory)
  --json      print one JSON summary line per record on stdout
  -h, --help  show this help

Progress goes to stderr on a terminal. Exit status: 0 all analysed, 1 a record failed
(the others are still written), 2 bad command line.`,
  options: { out: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
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
    await mkdir(out, { recursive: true });
    let failed = 0;
    for (const [i, record] of p.positionals.entries()) {
      const name = path.basename(record);
      if (io.isTTY && !json) io.err(`\ranalyze: ${i + 1}/${p.positionals.length} ${name}    `);
      try {
        const rec = await readRecord(record);
        const res = analyzeRecord(rec);
        const fs = rec.header.samplingFrequency;
        await writeFile(path.join(out, `${name}.vigil`), writeAnnotations(res.annotations));
        await writeFile(path.join(out, `${name}.jsonl`), res.windows.map((w) => windowLine(w, fs)).join('\n') + (res.windows.length ? '\n' : ''));
        const summary = {
          record: name,
          beats: res.beats.length,
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
    return failed > 0 ? 1 : EXIT_OK;
  } catch (e: unknown) {
    return report(e, io, json);
  }
}
