/**
 * `vigil eval`: ANSI/AAMI EC57 beat-by-beat scoring of test annotations against reference
 * annotations, record by record, with gross and average figures (src/eval/).
 */
import { VigilError } from '../core/errors.ts';
import { aggregate, aggregateAlarms, aggregateEpisodes, aggregateRuns, EPISODE_LABELS, formatAlarmTable, formatBxbTable, formatEpisodeTable, formatRunTable, listRecords, pacedStats, scoreRecord, type RecordScore, type ScoreOptions } from '../eval/index.ts';
import { EXIT_OK, num, parse, report, str, type CommandSpec, type Io } from './common.ts';

export const evalSpec: CommandSpec = {
  name: 'eval',
  summary: 'Score beat annotations against a reference (ANSI/AAMI EC57, like WFDB bxb).',
  usage: 'vigil eval --data DIR [--test-dir DIR] [--records LIST] [--annotator NAME] [--json] [--start S]',
  help: `
Compares <test-dir>/<record>.<annotator> with the reference <DIR>/<record>.atr beat by beat
(150 ms match window, comparison from --start to the end of the record) and prints per record
the reference beats, TP, FN, FP, QRS sensitivity (Se) and positive predictivity (+P), plus
VEB and SVEB Se/+P/FPR when the test annotations carry beat classes; then the gross (pooled
counts) and average (mean of per-record figures) lines. Paced records (102, 104, 107, 217)
count for QRS detection but are left out of the VEB/SVEB aggregates; for them the paced-beat
figures are printed instead (reference /, f, Q against test calls of class Q, which paced '/'
calls from 'vigil analyze --paced' are). Ectopic runs run by run (rxr style: VE and SVE
couplets, short runs of 3-5, long runs of 6 or more, VF and AF counting as long runs),
rhythm episodes (epicmp style, as EC57: AF positive predictivity counts every test AF
episode, reference atrial flutter included; --exclude-afl leaves flutter out as EC38:1998 did)
and high-priority alarms (the NOTE "ALARM x" annotations 'vigil analyze' writes) follow when
present. Beat classes are the EC57 ones (escape beats e, j count as N; 'bxb -S' counts them as S).

Options:
  --data DIR           directory holding <record>.hea and <record>.atr (required)
  --test-dir DIR       directory holding the test annotation files (default: --data)
  --records LIST       records to score, comma or space separated (default: every record
                       in DIR with both annotation files; others are skipped with a note)
  --annotator NAME     test annotator, i.e. file extension (default: vigil)
  --ref-annotator NAME reference annotator (default: atr)
  --start S            comparison start in seconds (default: 300, EC57's learning period)
  --window S           match window in seconds (default: 0.15, EC57)
  --exclude-afl        leave reference atrial flutter out of AF +P (EC38:1998, epicmp -x)
  --json               one JSON object on stdout (figures as fractions 0..1)
  -h, --help           show this help

Exit status: 0 scored (whatever the figures), 1 missing or unreadable files, 2 bad command line.`,
  options: {
    data: { type: 'string' },
    'test-dir': { type: 'string' },
    records: { type: 'string' },
    annotator: { type: 'string' },
    'ref-annotator': { type: 'string' },
    start: { type: 'string' },
    window: { type: 'string' },
    'exclude-afl': { type: 'boolean' },
    json: { type: 'boolean' },
  },
};

/** Record names from a comma- or space-separated list. */
export function parseRecordList(list: string): string[] {
  return list.split(/[\s,]+/).filter((s) => s.length > 0);
}

export async function evalCommand(argv: string[], io: Io): Promise<number> {
  let json = argv.includes('--json');
  try {
    const p = parse(evalSpec, argv, io);
    if (!p) return EXIT_OK;
    json = p.values.json === true;
    const data = str(p, 'data');
    if (data === undefined) throw new VigilError('VIGIL_USAGE', `--data DIR is required\nusage: ${evalSpec.usage}`);
    const testDir = str(p, 'test-dir');
    const startS = num(p, 'start', (n) => n >= 0, 'a number of seconds >= 0');
    const windowS = num(p, 'window', (n) => n > 0 && n <= 1, 'a number of seconds in (0, 1]');
    const opts: ScoreOptions = {
      testAnnotator: str(p, 'annotator') ?? 'vigil',
      refAnnotator: str(p, 'ref-annotator') ?? 'atr',
      ...(testDir === undefined ? {} : { testDir }),
      ...(startS === undefined ? {} : { startS }),
      ...(windowS === undefined ? {} : { matchWindowS: windowS }),
      ...(p.values['exclude-afl'] === true ? { excludeAfl: true } : {}),
    };

    const listArg = str(p, 'records');
    let records: string[];
    let skipped: string[] = [];
    if (listArg !== undefined) {
      records = parseRecordList(listArg);
      if (records.length === 0) throw new VigilError('VIGIL_USAGE', '--records: the list is empty');
    } else {
      const listing = await listRecords(data, opts);
      records = listing.records;
      skipped = listing.missingTest;
      if (skipped.length > 0) io.err(`vigil eval: note: skipping ${skipped.length} record(s) without .${opts.testAnnotator} annotations: ${skipped.join(' ')}\n`);
      if (records.length === 0) {
        throw new VigilError('VIGIL_EVAL_NO_RECORDS', `no record in ${data} has both .${opts.refAnnotator} and .${opts.testAnnotator} annotations`, { details: { dir: data, testDir: testDir ?? data } });
      }
    }

    const scores: RecordScore[] = [];
    for (const [i, r] of records.entries()) {
      if (io.isTTY) io.err(`\rscoring ${r} (${i + 1}/${records.length})\x1b[K`);
      scores.push(await scoreRecord(data, r, opts));
    }
    if (io.isTTY) io.err('\r\x1b[K');

    const bxb = scores.map((s) => s.bxb);
    const agg = aggregate(bxb);
    const episodeAggs = EPISODE_LABELS.map((l) => aggregateEpisodes(scores.flatMap((s) => s.episodes), l));
    const alarms = aggregateAlarms(scores.map((s) => s.alarms));
    // Runs as EC57 reports them: paced records left out, as for VEB/SVEB.
    const runRecords = scores.filter((s) => !agg.pacedExcluded.includes(s.record)).map((s) => s.runs);
    const runs = { ve: aggregateRuns(runRecords, 've'), sve: aggregateRuns(runRecords, 'sve') };
    if (json) {
      const episodes = Object.fromEntries(episodeAggs.map((a) => [a.gross.label, a]));
      // Paced-beat recognition on the paced records (not an EC57 figure; see pacedStats).
      const paced = Object.fromEntries(bxb.filter((b) => agg.pacedExcluded.includes(b.record)).map((b) => [b.record, pacedStats(b.matrix)]));
      io.out(JSON.stringify({ ok: true, data, testDir: testDir ?? data, annotator: opts.testAnnotator, refAnnotator: opts.refAnnotator, skipped, records: scores, aggregate: agg, episodes, runs, alarms, paced }) + '\n');
    } else {
      io.out(formatBxbTable(bxb, agg, bxb.some((b) => b.testClassified)));
      if (bxb.some((b) => b.testClassified)) io.out(formatRunTable(runs.ve, runs.sve, runRecords.length, agg.pacedExcluded));
      if (episodeAggs.some((a) => a.gross.refEpisodes > 0 || a.gross.testEpisodes > 0)) io.out(formatEpisodeTable(episodeAggs));
      if (alarms.some((a) => a.total > 0)) io.out(formatAlarmTable(alarms));
    }
    return EXIT_OK;
  } catch (e: unknown) {
    if (io.isTTY) io.err('\r\x1b[K');
    return report(e, io, json);
  }
}
