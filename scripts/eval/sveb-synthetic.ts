/**
 * `npm run eval:sveb-synthetic`: how the S labels of the hub's real labelling path (engine,
 * shipped classifier, adaptive stage) fare on the synthetic patient, data that none of the
 * adaptive stage's rules was designed on: APCs found, and normal beats called S, in sinus rhythm
 * at several rates with heart-rate variability, with and without APCs. `--params` overrides the
 * stage's parameters (e.g. '{"noPauseRatio":0}' to see a rule's share).
 *
 * usage: npm run eval:sveb-synthetic -- [--seeds 1,2,3] [--minutes 10] [--params JSON] [--json]
 */
import { synthesize } from '../../drivers/synthetic/index.ts';
import type { ScenarioSpec } from '../../drivers/synthetic/scenario.ts';
import { AnalysisChain } from '../../src/analysis/chain.ts';
import { DEFAULT_MODEL } from '../../src/analysis/model.ts';
import { errorMessage } from '../../src/core/errors.ts';
import { ADAPT_DEFAULTS, type AdaptParams } from '../../src/detect/adapt.ts';
import { BeatClassifier, BeatLabeler } from '../../src/detect/classifier.ts';
import type { Beat } from '../../src/ecg/types.ts';
import { argValue } from '../train/common.ts';

const HELP = `usage: npm run eval:sveb-synthetic -- [options]

Run the synthetic patient through the hub's labelling path (engine, shipped classifier,
adaptive stage) in sinus rhythm with heart-rate variability, with and without APCs, and count
per case the APCs labelled S and the other beats labelled S (false S), after the first 2
minutes. A check of the S rules on data they were not designed on.

Options:
  --seeds LIST      synthetic seeds, comma separated (default 1,2,3)
  --minutes N       length of each run (default 10)
  --cases LIST      cases as rate:hrv:apc (bpm, % of RR, APCs per minute), comma separated
                    (default 75:4:4,110:4:4,130:3:4,110:6:0,140:4:0)
  --params JSON     adaptive-stage parameter overrides, e.g. '{"noPauseRatio":0}'
  --json            one JSON object per case on stdout
  -h, --help        this help

Exit status: 0 measured, 1 model missing or unreadable, 2 bad command line.
`;

/** Sinus rate (bpm), HRV (% of RR), APCs per minute. */
const DEFAULT_CASES = '75:4:4,110:4:4,130:3:4,110:6:0,140:4:0';
const FS = 360;
const SKIP_S = 120;
const MATCH_S = 0.15;

const argv = process.argv.slice(2);
if (argv.includes('-h') || argv.includes('--help')) {
  process.stdout.write(HELP);
  process.exit(0);
}
function fail(msg: string): never {
  process.stderr.write(`eval:sveb-synthetic: ${msg}\n`);
  process.exit(2);
}
const seeds = (argValue(argv, '--seeds') ?? '1,2,3').split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) fail('--seeds takes non-negative integers, comma separated');
const minutes = Number(argValue(argv, '--minutes') ?? '10');
if (!(minutes >= 3 && minutes <= 120)) fail('--minutes takes 3..120');
let params: Partial<AdaptParams> = {};
const rawParams = argValue(argv, '--params');
if (rawParams !== undefined) {
  try {
    const v: unknown = JSON.parse(rawParams);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    for (const [key, value] of Object.entries(v)) {
      const known = (ADAPT_DEFAULTS as unknown as Record<string, unknown>)[key];
      if (known === undefined) throw new Error(`unknown parameter "${key}"`);
      if (typeof known === 'number' ? typeof value !== 'number' || !Number.isFinite(value) : !Array.isArray(value) || value.some((x) => typeof x !== 'number')) {
        throw new Error(`"${key}" must be ${typeof known === 'number' ? 'a number' : 'an array of numbers'}`);
      }
    }
    params = v as Partial<AdaptParams>;
  } catch (e) {
    fail(`--params: ${errorMessage(e)} (a JSON object of adaptive-stage parameters)`);
  }
}
const cases = (argValue(argv, '--cases') ?? DEFAULT_CASES).split(',').map((c) => c.split(':').map(Number));
if (cases.some((c) => c.length !== 3 || !c.every(Number.isFinite) || (c[0] as number) < 30 || (c[0] as number) > 200 || (c[1] as number) < 0 || (c[1] as number) > 20 || (c[2] as number) < 0 || (c[2] as number) > 30)) {
  fail('--cases takes rate:hrv:apc triples (30-200 bpm, 0-20 %, 0-30 per minute), comma separated');
}
const json = argv.includes('--json');
const tty = process.stderr.isTTY;

let classifier: BeatClassifier;
try {
  classifier = await BeatClassifier.load(DEFAULT_MODEL);
} catch (e) {
  process.stderr.write(`eval:sveb-synthetic: ${errorMessage(e)}\n`);
  process.exit(1);
}

try {
  const durationS = minutes * 60;
  for (const [hr, hrvPct, apcPerMin] of cases as Array<[number, number, number]>) {
    let apcs = 0;
    let found = 0;
    let others = 0;
    let falseS = 0;
    for (const seed of seeds) {
      if (tty) process.stderr.write(`\r${hr} bpm, HRV ${hrvPct} %, ${apcPerMin} APC/min: seed ${seed}   `);
      const spec: ScenarioSpec = {
        noise: { baselineWanderMv: 0.08, mainsHz: 50, mainsMv: 0.01, emgMv: 0.015 },
        segments: [{ durationS, rhythm: 'sinus', hr, hrvPct, apcPerMin }],
      };
      const s = synthesize(spec, { durationS, sampleRate: FS, seed, leads: ['II', 'V1'] });
      const leadNames = s.channels.map((c) => c.name);
      const chain = new AnalysisChain({
        sampleRate: FS,
        leads: s.channels.map((c) => ({ name: c.name, gain: c.gain, baseline: c.baseline })),
        labeller: new BeatLabeler(classifier, { sampleRate: FS, leadNames }),
        adaptParams: params,
      });
      const beats: Beat[] = [];
      for (let off = 0; off < s.length; off += FS) {
        const k = Math.min(FS, s.length - off);
        beats.push(...(await chain.push(s.data.map((d) => d.subarray(off, off + k)), k)).beats);
      }
      beats.push(...(await chain.finish()).beats);
      let j = 0;
      for (const t of s.truth) {
        if ((t.code !== 'N' && t.code !== 'A' && t.code !== 'V') || t.sample < SKIP_S * FS) continue;
        while (j < beats.length && (beats[j] as Beat).sample < t.sample - MATCH_S * FS) j++;
        const b = beats[j];
        const label = b !== undefined && Math.abs(b.sample - t.sample) <= MATCH_S * FS ? b.label : '-';
        if (t.code === 'A') {
          apcs++;
          if (label === 'S') found++;
        } else {
          others++;
          if (label === 'S') falseS++;
        }
      }
    }
    if (tty) process.stderr.write('\r\x1b[K');
    const row = { hrBpm: hr, hrvPct, apcPerMin, seeds: seeds.length, minutes, apcs, apcsS: found, otherBeats: others, falseS, params };
    if (json) process.stdout.write(JSON.stringify(row) + '\n');
    else process.stdout.write(`sinus ${hr} bpm, HRV ${hrvPct} %, ${apcPerMin} APC/min (${seeds.length} x ${minutes} min): APCs labelled S ${found}/${apcs}, other beats labelled S ${falseS} of ${others}\n`);
  }
} finally {
  await classifier.close();
}
