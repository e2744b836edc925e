/**
 * Scoring WFDB records from files: `<dir>/<record>.hea` for fs and length,
 * `<dir>/<record>.<refAnnotator>` for the reference and `<testDir>/<record>.<testAnnotator>`
 * for the annotations under test.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { VigilError, isVigilError, systemCode } from '../core/errors.ts';
import type { AnnotationSet } from '../wfdb/annotations.ts';
import { readAnnotations, readHeader } from '../wfdb/record.ts';
import { compareBeats, type BxbOptions, type BxbResult } from './bxb.ts';
import { scoreEpisodes, type EpisodeScore } from './epicmp.ts';
import { scoreAlarms, type RecordAlarms } from './alarms.ts';
import { compareRuns, type RecordRuns } from './rxr.ts';

export interface ScoreOptions extends BxbOptions {
  /** Annotator (file extension) of the annotations under test; default "vigil". */
  testAnnotator?: string;
  /** Reference annotator; default "atr". */
  refAnnotator?: string;
  /** Directory of the test annotation files; default: the record directory. */
  testDir?: string;
  /** Rhythm labels to score as episodes (epicmp.ts EPISODE_LABELS by default). */
  episodeLabels?: readonly string[];
  /** Leave reference atrial flutter out of AF +P (EC38:1998, epicmp -x); default off, as EC57. */
  excludeAfl?: boolean;
}

export interface RecordScore {
  readonly record: string;
  readonly fs: number;
  readonly lengthSamples: number;
  readonly bxb: BxbResult;
  readonly episodes: readonly EpisodeScore[];
  /** High-priority alarms (NOTE "ALARM x" annotations) judged against the reference rhythms. */
  readonly alarms: RecordAlarms;
  /** VE and SVE runs, run by run (rxr): couplets, short and long runs. */
  readonly runs: RecordRuns;
}

/** Read one file kind; a missing file becomes VIGIL_EVAL_RECORD_MISSING naming what is absent. */
async function need<T>(record: string, what: string, file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e: unknown) {
    if (isVigilError(e, 'VIGIL_WFDB_FILE_MISSING')) {
      throw new VigilError('VIGIL_EVAL_RECORD_MISSING', `record ${record}: ${what} file ${file} not found`, { cause: e, details: { record, file, what } });
    }
    throw e;
  }
}

/** Score one record: beat-by-beat (bxb) and rhythm episodes (epicmp). */
export async function scoreRecord(dir: string, record: string, options: ScoreOptions = {}): Promise<RecordScore> {
  const refAnn = options.refAnnotator ?? 'atr';
  const testAnn = options.testAnnotator ?? 'vigil';
  const base = path.join(dir, record);
  const testBase = path.join(options.testDir ?? dir, record);
  const header = await need(record, 'header', `${base}.hea`, () => readHeader(base));
  const reference = await need(record, 'reference annotation', `${base}.${refAnn}`, () => readAnnotations(base, refAnn));
  const test = await need(record, 'test annotation', `${testBase}.${testAnn}`, () => readAnnotations(testBase, testAnn));
  return scoreAnnotations(record, header.samplingFrequency, header.numSamples, reference, test, options);
}

/** Score annotation sets already in memory (what scoreRecord does after reading files). */
export function scoreAnnotations(record: string, fs: number, numSamples: number | null, reference: AnnotationSet, test: AnnotationSet, options: ScoreOptions = {}): RecordScore {
  const last = (s: AnnotationSet): number => (s.length > 0 ? s.sample[s.length - 1]! : 0);
  // No sample count in the header: the comparison ends with the reference file, as bxb's does.
  const lengthSamples = numSamples ?? last(reference) + 1;
  const bxb = compareBeats({ record, reference, test, fs, lengthSamples }, options);
  const episodes = scoreEpisodes(reference, test, fs, lengthSamples, {
    ...(options.startS === undefined ? {} : { startS: options.startS }),
    ...(options.endS === undefined ? {} : { endS: options.endS }),
    ...(options.episodeLabels === undefined ? {} : { labels: options.episodeLabels }),
    exclusions: options.excludeAfl === true,
  });
  const alarms = scoreAlarms(reference, test, fs, lengthSamples, options.startS ?? 300);
  const runs = compareRuns(reference, test, fs, lengthSamples, {
    ...(options.startS === undefined ? {} : { startS: options.startS }),
    ...(options.endS === undefined ? {} : { endS: options.endS }),
    ...(options.matchWindowS === undefined ? {} : { windowS: options.matchWindowS }),
  });
  return { record, fs, lengthSamples, bxb, episodes, alarms, runs };
}

export interface RecordListing {
  /** Records with header, reference and test annotations, in natural order. */
  readonly records: string[];
  /** Records with header and reference annotations but no test annotations. */
  readonly missingTest: string[];
}

async function names(dir: string): Promise<Set<string>> {
  try {
    return new Set(await readdir(dir));
  } catch (e: unknown) {
    const sc = systemCode(e);
    throw new VigilError(sc === 'ENOENT' || sc === 'ENOTDIR' ? 'VIGIL_WFDB_FILE_MISSING' : 'VIGIL_WFDB_FILE_UNREADABLE', `cannot list directory ${dir}`, { cause: e, details: { dir, systemCode: sc } });
  }
}

/** Every record in `dir` with a header and reference annotations, split by whether test annotations exist. */
export async function listRecords(dir: string, options: Pick<ScoreOptions, 'testAnnotator' | 'refAnnotator' | 'testDir'> = {}): Promise<RecordListing> {
  const refExt = `.${options.refAnnotator ?? 'atr'}`;
  const testExt = `.${options.testAnnotator ?? 'vigil'}`;
  const here = await names(dir);
  const there = options.testDir === undefined ? here : await names(options.testDir);
  const records: string[] = [];
  const missingTest: string[] = [];
  const candidates = [...here].filter((f) => f.endsWith(refExt)).map((f) => f.slice(0, -refExt.length));
  candidates.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  for (const r of candidates) {
    if (r.length === 0 || !here.has(`${r}.hea`)) continue;
    (there.has(`${r}${testExt}`) ? records : missingTest).push(r);
  }
  return { records, missingTest };
}
