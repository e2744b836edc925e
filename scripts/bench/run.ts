/**
 * `npm run bench`: one JSON object per line on stdout, {"metric","value","unit"}, each the
 * median of repeated runs. Progress goes to stderr on a terminal only.
 */
import { benchAlarms } from './alarms.ts';
import { benchClassifier } from './classifier.ts';
import { benchEcg } from './ecg.ts';
import { benchOpenView } from './openview.ts';
import type { Metric } from './stats.ts';
import { benchWfdb } from './wfdb.ts';
import { benchUplink } from './uplink.ts';

const suites: Array<[string, () => Promise<Metric[]>]> = [
  ['wfdb', () => benchWfdb()],
  ['openview', () => benchOpenView()],
  ['ecg', () => benchEcg()],
  ['classifier', () => benchClassifier()],
  ['alarms', () => benchAlarms()],
  ['uplink', () => benchUplink()],
];

const only = process.argv.slice(2);
if (only.includes('--help') || only.includes('-h')) {
  process.stdout.write(`usage: npm run bench [-- SUITE...]\n\nSuites: ${suites.map(([n]) => n).join(', ')}\nPrints one JSON object per line: {"metric","value","unit"} (medians of repeated runs).\n`);
  process.exit(0);
}
for (const [name, fn] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  if (process.stderr.isTTY) process.stderr.write(`bench: ${name}...\n`);
  for (const m of await fn()) process.stdout.write(JSON.stringify(m) + '\n');
}
