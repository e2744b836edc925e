/**
 * `vigil`: the hub's command line. Each command lives in src/cli/<name>.ts and has --help.
 */
import { EXIT_OK, EXIT_USAGE, processIo, type Io } from './cli/common.ts';
import { alarmsLog, alarmsLogSpec } from './cli/alarms.ts';
import { analyze, analyzeSpec } from './cli/analyze.ts';
import { configCheck, configCheckSpec } from './cli/config-check.ts';
import { decode, decodeSpec } from './cli/decode.ts';
import { evalCommand, evalSpec } from './cli/eval.ts';
import { bleScan, bleScanSpec } from './cli/ble.ts';
import { run, runSpec } from './cli/run.ts';
import { receive, receiveSpec } from './cli/receive.ts';
import { simScenarios, simScenariosSpec, simSerial, simSerialSpec } from './cli/sim.ts';
import { storeRepair, storeRepairSpec, storeStats, storeStatsSpec } from './cli/store.ts';

interface Command {
  path: string[];
  summary: string;
  main: (argv: string[], io: Io) => Promise<number>;
}

const COMMANDS: Command[] = [
  { path: ['run'], summary: runSpec.summary, main: run },
  { path: ['receive'], summary: receiveSpec.summary, main: receive },
  { path: ['decode'], summary: decodeSpec.summary, main: decode },
  { path: ['config', 'check'], summary: configCheckSpec.summary, main: configCheck },
  { path: ['analyze'], summary: analyzeSpec.summary, main: analyze },
  { path: ['eval'], summary: evalSpec.summary, main: evalCommand },
  { path: ['sim', 'serial'], summary: simSerialSpec.summary, main: simSerial },
  { path: ['sim', 'scenarios'], summary: simScenariosSpec.summary, main: simScenarios },
  { path: ['store', 'stats'], summary: storeStatsSpec.summary, main: storeStats },
  { path: ['store', 'repair'], summary: storeRepairSpec.summary, main: storeRepair },
  { path: ['alarms', 'log'], summary: alarmsLogSpec.summary, main: alarmsLog },
  { path: ['ble', 'scan'], summary: bleScanSpec.summary, main: bleScan },
];

function topHelp(): string {
  const rows = COMMANDS.map((c) => `  vigil ${c.path.join(' ').padEnd(16)} ${c.summary}`);
  return `usage: vigil COMMAND [options]

Vigil bedside monitoring hub.

Commands:
${rows.join('\n')}

Run 'vigil COMMAND --help' for a command's options.
`;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const rest = argv[0] === 'help' ? argv.slice(1) : [];
    if (rest.length > 0) return main([...rest, '--help'], io);
    io.out(topHelp());
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  if (argv[0] === '--version') {
    io.out('vigil 0.1.0\n');
    return EXIT_OK;
  }
  for (const c of COMMANDS) {
    if (c.path.every((w, i) => argv[i] === w)) return c.main(argv.slice(c.path.length), io);
  }
  // A group name alone (`vigil sim`) lists its commands.
  const group = COMMANDS.filter((c) => c.path[0] === argv[0]);
  if (group.length > 0 && (argv.length === 1 || argv[1]?.startsWith('-'))) {
    io.out(`usage: vigil ${argv[0]} SUBCOMMAND\n\n${group.map((c) => `  vigil ${c.path.join(' ').padEnd(16)} ${c.summary}`).join('\n')}\n`);
    return argv.includes('--help') || argv.includes('-h') ? EXIT_OK : EXIT_USAGE;
  }
  io.err(`vigil: unknown command '${argv.join(' ')}'\nRun 'vigil --help' for the list of commands.\n`);
  return EXIT_USAGE;
}

// Run when executed directly (tsx src/cli.ts, or src/vigil.js, the package's bin).
const invoked = process.argv[1] ?? '';
if (invoked.endsWith('cli.ts') || invoked.endsWith('vigil.js') || invoked.endsWith('/vigil')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Let stdout drain, then exit even if a library left a handle open.
      setImmediate(() => process.exit(code));
    },
    (e: unknown) => {
      process.stderr.write(`vigil: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
