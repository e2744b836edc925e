import { Store } from '../store/store.ts';
import { VigilError } from '../core/errors.ts';
import { EXIT_OK, parse, report, type CommandSpec, type Io } from './common.ts';

export const storeStatsSpec: CommandSpec = {
  name: 'store stats',
  summary: "Show a store's size, key counts and time span per part (waveform, measurements, events).",
  usage: 'vigil store stats DIR [--json]',
  help: `
Opens the LevelDB store in DIR (the hub's data directory; the hub must not be running on it)
and prints its figures.

Options:
  --json      one JSON object on stdout
  -h, --help  show this help

Exit status: 0 ok, 1 store locked/corrupt/unreadable, 2 bad command line.`,
  options: { json: { type: 'boolean' } },
  allowPositionals: true,
};

export const storeRepairSpec: CommandSpec = {
  name: 'store repair',
  summary: 'Repair a corrupt store with LevelDB\'s repair (the hub must be stopped).',
  usage: 'vigil store repair DIR',
  help: `
Runs LevelDB's repair on DIR after a VIGIL_STORE_CORRUPT error (for example after a power cut
damaged the manifest). Repair keeps every record it can still read; take a copy of DIR first
if the data matters. Refuses a store that a running hub holds (VIGIL_STORE_LOCKED).

Options:
  -h, --help  show this help

Exit status: 0 repaired and opens cleanly, 1 failed, 2 bad command line.`,
  options: {},
  allowPositionals: true,
};

function oneDir(positionals: string[], usage: string): string {
  const d = positionals[0];
  if (d === undefined || positionals.length !== 1) throw new VigilError('VIGIL_USAGE', `expected exactly one DIR\nusage: ${usage}`);
  return d;
}

export async function storeStats(argv: string[], io: Io): Promise<number> {
  let json = false;
  try {
    const p = parse(storeStatsSpec, argv, io);
    if (!p) return EXIT_OK;
    json = p.values.json === true;
    const dir = oneDir(p.positionals, storeStatsSpec.usage);
    const store = await Store.open({ dir });
    try {
      const s = await store.stats();
      if (json) io.out(JSON.stringify(s) + '\n');
      else {
        const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
        io.out(`store ${dir}: ${(s.diskBytes / 1e6).toFixed(1)} MB on disk\n`);
        for (const part of ['wave', 'meas', 'events'] as const) {
          const x = s[part];
          io.out(`  ${part.padEnd(6)} ${String(x.keys).padStart(9)} keys  ${when(x.oldestMs)} .. ${when(x.newestMs)}\n`);
        }
      }
      return EXIT_OK;
    } finally {
      await store.close();
    }
  } catch (e: unknown) {
    return report(e, io, json);
  }
}

export async function storeRepair(argv: string[], io: Io): Promise<number> {
  try {
    const p = parse(storeRepairSpec, argv, io);
    if (!p) return EXIT_OK;
    const dir = oneDir(p.positionals, storeRepairSpec.usage);
    await Store.repair(dir);
    const store = await Store.open({ dir });
    await store.close();
    io.err(`store ${dir}: repaired, opens cleanly\n`);
    return EXIT_OK;
  } catch (e: unknown) {
    return report(e, io);
  }
}
