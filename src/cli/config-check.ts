import { loadConfig } from '../config/load.ts';
import { EXIT_OK, parse, report, type CommandSpec, type Io } from './common.ts';

export const configCheckSpec: CommandSpec = {
  name: 'config check',
  summary: 'Validate a configuration file without starting anything.',
  usage: 'vigil config check FILE [--json] [--print]',
  help: `
Reads FILE (YAML, or JSON when it ends in .json), checks every setting against the schema
and reports each problem with its key path, the value found and what was expected.

Options:
  --json     print the result as one JSON object on stdout
  --print    print the effective configuration (defaults filled in) as JSON
  -h, --help show this help

Exit status: 0 valid, 2 invalid or unreadable.`,
  options: { json: { type: 'boolean' }, print: { type: 'boolean' } },
  allowPositionals: true,
};

export async function configCheck(argv: string[], io: Io): Promise<number> {
  const p = parse(configCheckSpec, argv, io);
  if (!p) return EXIT_OK;
  const json = p.values.json === true;
  try {
    const file = p.positionals[0];
    if (file === undefined || p.positionals.length > 1) {
      const { VigilError } = await import('../core/errors.ts');
      throw new VigilError('VIGIL_USAGE', `expected exactly one FILE\nusage: ${configCheckSpec.usage}`);
    }
    const cfg = await loadConfig(file);
    if (json) io.out(JSON.stringify({ ok: true, file, config: cfg }) + '\n');
    else if (p.values.print === true) io.out(JSON.stringify(cfg, null, 2) + '\n');
    else io.err(`${file}: valid (${cfg.devices.length} device(s), data in ${cfg.hub.dataDir})\n`);
    return EXIT_OK;
  } catch (e: unknown) {
    return report(e, io, json);
  }
}
