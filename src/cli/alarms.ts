/**
 * `vigil alarms log DIR`: the persistent alarm log of a hub's store, for incident review
 * (who acknowledged what, when audio was paused, which limits were in force).
 */
import { AlarmLogStore } from '../alarms/alarm-log.ts';
import type { AlarmLogEntry } from '../api/live.ts';
import { VigilError } from '../core/errors.ts';
import { Store } from '../store/store.ts';
import { EXIT_OK, num, parse, report, type CommandSpec, type Io } from './common.ts';

export const alarmsLogSpec: CommandSpec = {
  name: 'alarms log',
  summary: "Print a store's alarm log (onsets, acknowledgements, audio pauses ...), newest first.",
  usage: 'vigil alarms log DIR [--limit N] [--before SEQ] [--json]',
  help: `
Opens the LevelDB store in DIR (the hub's data directory; the hub must not be running on it)
and prints its alarm log: every alarm state change with its sequence number, time, priority,
condition, who acknowledged or paused audio, the value and the limits in force.

Options:
  --limit N     entries to print (default 100)
  --before SEQ  only entries older than sequence number SEQ (to page back)
  --json        one JSON object per line on stdout
  -h, --help    show this help

Exit status: 0 ok, 1 store locked/corrupt/unreadable, 2 bad command line.`,
  options: { limit: { type: 'string' }, before: { type: 'string' }, json: { type: 'boolean' } },
  allowPositionals: true,
};

export function formatLogLine(e: AlarmLogEntry): string {
  const lim = e.limits === null ? '' : ` limits ${e.limits.low ?? '-'}..${e.limits.high ?? '-'}`;
  const val = e.value === null ? '' : ` value ${e.value}`;
  const by = e.by === null ? '' : ` by ${e.by}`;
  const detail = e.detail === null ? '' : ` (${e.detail})`;
  return `${String(e.seq).padStart(6)}  ${new Date(e.atMs).toISOString()}  ${e.priority.padEnd(6)}  ${e.event.padEnd(12)}  ${e.alarmId}${by}${val}${lim}${detail}`;
}

export async function alarmsLog(argv: string[], io: Io): Promise<number> {
  let json = false;
  try {
    const p = parse(alarmsLogSpec, argv, io);
    if (!p) return EXIT_OK;
    json = p.values.json === true;
    const dir = p.positionals[0];
    if (dir === undefined || p.positionals.length !== 1) throw new VigilError('VIGIL_USAGE', `expected exactly one DIR\nusage: ${alarmsLogSpec.usage}`);
    const limit = num(p, 'limit', (n) => Number.isInteger(n) && n > 0 && n <= 100_000, 'a whole number 1..100000') ?? 100;
    const before = num(p, 'before', (n) => Number.isInteger(n) && n > 0, 'a sequence number');
    const store = await Store.open({ dir });
    try {
      const entries = await new AlarmLogStore(store.ownSublevel('alarmlog')).read({ limit, ...(before === undefined ? {} : { beforeSeq: before }) });
      for (const e of entries) io.out((json ? JSON.stringify(e) : formatLogLine(e)) + '\n');
      if (!json && entries.length === 0) io.err(`vigil alarms log: no alarm log entries in ${dir}\n`);
      return EXIT_OK;
    } finally {
      await store.close();
    }
  } catch (e: unknown) {
    return report(e, io, json);
  }
}
