/**
 * Shared plumbing for `vigil` commands: argument parsing with Unix habits (--help on every
 * command, usage errors exit 2, data on stdout, messages on stderr), and error reporting
 * with stable codes instead of stack traces.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VigilError, errorMessage, isVigilError } from '../core/errors.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
};

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  /** Text after the usage line (options, examples). */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
}

export type Parsed = { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] };

/** Parse argv for a command; returns null when --help was printed. */
export function parse(spec: CommandSpec, argv: string[], io: Io): Parsed | null {
  let parsed: Parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    }) as Parsed;
  } catch (e: unknown) {
    throw new VigilError('VIGIL_USAGE', `${errorMessage(e)}\nusage: ${spec.usage}\nTry 'vigil ${spec.name} --help'.`);
  }
  if (parsed.values.help === true) {
    io.out(helpText(spec));
    return null;
  }
  return parsed;
}

export function helpText(spec: CommandSpec): string {
  return `usage: ${spec.usage}\n\n${spec.summary}\n\n${spec.help.trim()}\n`;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(p: Parsed, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new VigilError('VIGIL_USAGE', `--${name}: got "${v}"; expected ${what}`);
  return n;
}

/** Report an error on stderr (or as JSON on stdout with --json) and return the exit code. */
export function report(e: unknown, io: Io, json = false): number {
  const code = isVigilError(e) ? e.code : 'VIGIL_INTERNAL';
  const exit = isVigilError(e) && (e.code === 'VIGIL_USAGE' || e.code === 'VIGIL_CONFIG_INVALID' || e.code === 'VIGIL_CONFIG_UNREADABLE') ? EXIT_USAGE : EXIT_FAILURE;
  if (json) {
    io.out(JSON.stringify({ ok: false, error: isVigilError(e) ? e.toJSON() : { code, message: errorMessage(e) } }) + '\n');
  } else {
    io.err(`vigil: ${errorMessage(e)} [${code}]\n`);
    if (!isVigilError(e) && e instanceof Error && e.stack && process.env.VIGIL_DEBUG) io.err(e.stack + '\n');
  }
  return exit;
}
