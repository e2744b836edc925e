/**
 * `npm run eval:asystole`: are true asystoles alarmed when the flat line carries real noise?
 * Splices 12-s asystoles (flat + nstdb noise at a chosen RMS) into mitdb records and scores
 * the hub's analysis chain on them (src/eval/asystole-noise.ts).
 *
 * usage: npm run eval:asystole -- [--data DIR] [--noise-data DIR] [--records LIST]
 *          [--noise ma,bw] [--levels 0.05,0.1,0.2] [--at 400,700,1000,1300,1600] [--json]
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { asystoleTrial, type AsystoleTrial } from '../../src/eval/asystole-noise.ts';
import { errorMessage, isVigilError } from '../../src/core/errors.ts';
import { readRecord } from '../../src/wfdb/record.ts';
import { DEFAULT_DATA, argValue } from '../train/common.ts';

const HELP = `usage: npm run eval:asystole -- [options]

Splice 12-s asystoles (a flat line plus real noise from the MIT-BIH Noise Stress Test
Database, scaled to an RMS in mV on every lead) into MIT-BIH records, run the hub's analysis
chain, and count the asystoles alarmed (onset decided within asystoleS + 2.5 s; "held": not
ended before the last second by a noise detection), those where a technical alarm (noise, lead-off) was raised instead, the silent rest,
the asystole onsets elsewhere, and how many window reports inside the asystoles (once the
alarm is due) still show a heart rate counted from the noise.

Options:
  --data DIR        mitdb directory (default ../shared/data/mitdb)
  --noise-data DIR  nstdb directory holding ma/bw/em (default ../shared/data/nstdb)
  --records LIST    records, comma separated (default: every record in --data)
  --noise LIST      noise recordings (default ma,bw)
  --levels LIST     noise RMS in mV (default 0.05,0.1,0.2)
  --at LIST         asystole start times in s (default 400,700,1000,1300,1600)
  --json            one JSON object per noise and level on stdout
  -h, --help        this help

Exit status: 0 measured, 1 missing data, 2 bad command line.
`;

const argv = process.argv.slice(2);
if (argv.includes('-h') || argv.includes('--help')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const list = (name: string, def: string): string[] => (argValue(argv, name) ?? def).split(',').map((s) => s.trim()).filter(Boolean);
const nums = (name: string, def: string): number[] => {
  const v = list(name, def).map(Number);
  if (v.some((x) => !Number.isFinite(x) || x < 0)) {
    process.stderr.write(`eval:asystole: ${name} takes non-negative numbers, comma separated\n`);
    process.exit(2);
  }
  return v;
};
const data = argValue(argv, '--data') ?? DEFAULT_DATA;
const noiseDir = argValue(argv, '--noise-data') ?? path.resolve(data, '..', 'nstdb');
const levels = nums('--levels', '0.05,0.1,0.2');
const at = nums('--at', '400,700,1000,1300,1600');
const noises = list('--noise', 'ma,bw');
const json = argv.includes('--json');
for (const d of [data, noiseDir]) {
  if (!existsSync(d)) {
    process.stderr.write(`eval:asystole: ${d} not found\n`);
    process.exit(1);
  }
}
const records = argValue(argv, '--records')
  ? list('--records', '')
  : readdirSync(data).filter((f) => f.endsWith('.hea')).map((f) => f.slice(0, -4)).sort();
const tty = process.stderr.isTTY;

try {
  for (const nz of noises) {
    const noise = await readRecord(path.join(noiseDir, nz));
    for (const rmsMv of levels) {
      const trials: AsystoleTrial[] = [];
      for (const [i, r] of records.entries()) {
        if (tty) process.stderr.write(`\r${nz} ${rmsMv} mV: ${r} (${i + 1}/${records.length})   `);
        trials.push(asystoleTrial(r, await readRecord(path.join(data, r)), noise, { atS: at, rmsMv }));
      }
      if (tty) process.stderr.write('\r\x1b[K');
      const made = trials.reduce((s, t) => s + t.made, 0);
      const alarmed = trials.reduce((s, t) => s + t.alarmed, 0);
      const held = trials.reduce((s, t) => s + t.held, 0);
      const missed = trials.flatMap((t) => t.missed.map((m) => `${t.record}@${m}`));
      const other = trials.flatMap((t) => t.otherOnsets.map((m) => `${t.record}@${m}`));
      const technical = trials.reduce((s, t) => s + t.technical.length, 0);
      const rateTotal = trials.reduce((s, t) => s + t.rateWindows.total, 0);
      const rateShown = trials.reduce((s, t) => s + t.rateWindows.withRate, 0);
      if (json) process.stdout.write(JSON.stringify({ noise: nz, rmsMv, made, alarmed, held, sensitivity: alarmed / made, technicalInstead: technical, missed, otherOnsets: other, rateWindows: rateTotal, rateWindowsWithHr: rateShown }) + '\n');
      else process.stdout.write(`${nz.padEnd(3)} ${rmsMv.toFixed(2)} mV  alarmed ${alarmed}/${made} (${((100 * alarmed) / made).toFixed(1)} %, held to the end ${held}), technical alarm instead ${technical}, silent ${made - alarmed - technical}  other asystole onsets ${other.length}${other.length ? ` (${other.join(' ')})` : ''}  HR shown in ${rateShown}/${rateTotal} windows\n`);
    }
  }
} catch (e) {
  // A record or noise file missing or unreadable (VigilError with its code), or --at outside a record.
  process.stderr.write(`\neval:asystole: ${isVigilError(e) ? `${e.code}: ` : ''}${errorMessage(e)}\n`);
  process.exit(e instanceof RangeError ? 2 : 1);
}
