/**
 * ECG engine speed over the mitdb records in ../shared/data (decoded before timing: this
 * measures analysis, not disk or format 212 decoding). Metrics (medians over records × runs):
 *  - analysis_rtf: record duration / whole-engine time (push in 1-s blocks + drains);
 *  - analysis_s_per_record: seconds per record, scaled to a 30-min 2-lead 360 Hz record;
 *  - qrs_detect_s_per_lead_record: single-lead engine run (filters + detector + features) per 30 min;
 *  - analysis_filter_s / analysis_detect_s / analysis_features_s: per-stage split (profile run);
 *  - analysis_peak_rss_mb: peak RSS (maxRSS) of a FRESH node process that reads and analyses
 *    ONE 30-min 2-lead record (scripts/bench/ecg-rss.ts, spawned with the tsx loader), median
 *    over the first RSS_RECORDS records; this includes node + tsx (~90 MB, see
 *    analysis_base_rss_mb), the decoded record and the beats kept;
 *  - analysis_base_rss_mb: that process's RSS before it reads the record (runtime + loader);
 *  - engine_heap_mb: heap retained by a live engine after a whole record (after GC).
 * Without the data folder a synthetic 30-min 2-lead 360 Hz record is used (and `note` says so).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { synthesize } from '../../drivers/synthetic/index.ts';
import { EcgEngine, type EcgEngineOptions } from '../../src/ecg/index.ts';
import { readRecord } from '../../src/wfdb/record.ts';
import { median, type Metric } from './stats.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RSS_RECORDS = 3;

interface RssReport {
  maxRssMb: number;
  baseRssMb: number;
  engineHeapMb: number | null;
}

/** Peak RSS of analysing one record in a fresh child process (null record: synthetic). */
function childRss(record: string | null): RssReport {
  const script = path.join(repoRoot, 'scripts', 'bench', 'ecg-rss.ts');
  const args = ['--expose-gc', '--import', 'tsx', script, ...(record === null ? [] : [record])];
  const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ecg-rss child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as RssReport;
}

interface Job {
  signals: readonly Int32Array[];
  length: number;
  opts: EcgEngineOptions;
}

async function mitdbJobs(dir: string): Promise<Job[] | null> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4)).sort();
  } catch {
    return null;
  }
  const jobs: Job[] = [];
  for (const n of names) {
    const rec = await readRecord(path.join(dir, n));
    jobs.push({
      signals: rec.signals,
      length: rec.length,
      opts: { sampleRate: rec.header.samplingFrequency, leads: rec.header.signals.map((s) => ({ name: s.description, gain: s.gain, baseline: s.baseline })) },
    });
  }
  return jobs.length > 0 ? jobs : null;
}

function syntheticJob(): Job {
  const s = synthesize('demo', { durationS: 1800, sampleRate: 360, seed: 1, leads: ['II', 'V1'] });
  return { signals: s.data, length: s.length, opts: { sampleRate: 360, leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })) } };
}

function runOnce(job: Job, profile: boolean, leads?: number[]): { s: number; stages: { filterNs: number; detectNs: number; featuresNs: number } } {
  const signals = leads ? leads.map((i) => job.signals[i] as Int32Array) : job.signals;
  const opts: EcgEngineOptions = { ...job.opts, profile, leads: leads ? leads.map((i) => job.opts.leads[i]!) : job.opts.leads };
  const block = Math.round(opts.sampleRate);
  const t0 = process.hrtime.bigint();
  const eng = new EcgEngine(opts);
  for (let off = 0; off < job.length; off += block) {
    eng.push(signals, Math.min(block, job.length - off), off);
    eng.drainBeats();
    eng.drainWindows();
  }
  eng.finish();
  eng.drainBeats();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { s, stages: eng.stageTimes() };
}

export async function benchEcg(runs = 5, mitdbDir = path.resolve(repoRoot, '..', 'shared', 'data', 'mitdb')): Promise<Metric[]> {
  const real = await mitdbJobs(mitdbDir);
  const jobs = real ?? [syntheticJob()];
  const rtf: number[] = [];
  const per30: number[] = [];
  const single: number[] = [];
  const filt: number[] = [];
  const det: number[] = [];
  const feat: number[] = [];
  for (const j of jobs) runOnce(j, false); // warm-up (JIT)
  for (let r = 0; r < runs; r++) {
    for (const j of jobs) {
      const dur = j.length / j.opts.sampleRate;
      const scale = 1800 / dur;
      const a = runOnce(j, false);
      rtf.push(dur / a.s);
      per30.push(a.s * scale);
      const primary = j.opts.leads.findIndex((l) => l.name === 'MLII');
      single.push(runOnce(j, false, [primary >= 0 ? primary : 0]).s * scale);
      const p = runOnce(j, true);
      filt.push((p.stages.filterNs / 1e9) * scale);
      det.push((p.stages.detectNs / 1e9) * scale);
      feat.push((p.stages.featuresNs / 1e9) * scale);
    }
  }
  const rssRecs: (string | null)[] = real === null ? [null] : (readdirSync(mitdbDir).filter((f) => f.endsWith('.hea')).sort().slice(0, RSS_RECORDS).map((f) => path.join(mitdbDir, f.slice(0, -4))));
  const rss = rssRecs.map(childRss);
  const extra: Record<string, unknown> = { records: jobs.length, runs };
  if (real === null) extra.note = `synthetic 30-min 2-lead 360 Hz 'demo' scenario: no mitdb records at ${mitdbDir}`;
  const m = (metric: string, value: number, unit: string): Metric => ({ metric, value: Number(value.toPrecision(4)), unit, ...extra });
  return [
    m('analysis_rtf', median(rtf), 'x'),
    m('analysis_s_per_record', median(per30), 's'),
    m('qrs_detect_s_per_lead_record', median(single), 's'),
    m('analysis_filter_s', median(filt), 's'),
    m('analysis_detect_s', median(det), 's'),
    m('analysis_features_s', median(feat), 's'),
    { ...m('analysis_peak_rss_mb', median(rss.map((x) => x.maxRssMb)), 'MB'), rss_records: rss.length },
    { ...m('analysis_base_rss_mb', median(rss.map((x) => x.baseRssMb)), 'MB'), rss_records: rss.length },
    ...(rss.every((x) => x.engineHeapMb !== null) ? [m('engine_heap_mb', median(rss.map((x) => x.engineHeapMb as number)), 'MB')] : []),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const x of await benchEcg()) process.stdout.write(JSON.stringify(x) + '\n');
}
