/**
 * Reading and validating the configuration file. All problems are reported at once, each
 * with its key path, the value found and what was expected, as VIGIL_CONFIG_INVALID, before
 * anything (store, ports) is opened.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { VigilError, errorMessage, systemCode } from '../core/errors.ts';
import { configSchema, type VigilConfig } from './schema.ts';

export interface ConfigProblem {
  /** Key path, e.g. "devices[0].baudRate". */
  path: string;
  /** The value found, JSON-encoded (or "(missing)"). */
  value: string;
  expected: string;
}

export function defaultConfig(): VigilConfig {
  return configSchema.parse({});
}

/** Validate an already-parsed document. */
export function validateConfig(doc: unknown, source = 'config'): VigilConfig {
  const r = configSchema.safeParse(doc ?? {}, { reportInput: true });
  if (r.success) return r.data;
  const problems = r.error.issues.map(toProblem);
  const lines = problems.map((p) => `  ${p.path}: got ${p.value}; expected ${p.expected}`);
  throw new VigilError('VIGIL_CONFIG_INVALID', `${source}: ${problems.length} problem(s)\n${lines.join('\n')}`, {
    details: { source, problems },
  });
}

/** Read a YAML (.yaml/.yml) or JSON file and validate it. */
export async function loadConfig(file: string): Promise<VigilConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e: unknown) {
    const why = systemCode(e) === 'ENOENT' ? 'no such file' : errorMessage(e);
    throw new VigilError('VIGIL_CONFIG_UNREADABLE', `${file}: cannot read configuration (${why})`, { cause: e, details: { source: file } });
  }
  let doc: unknown;
  try {
    doc = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e: unknown) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `${file}: not valid ${path.extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${errorMessage(e)}`, {
      cause: e,
      details: { source: file, problems: [{ path: '(document)', value: '(unparseable)', expected: 'a YAML or JSON document' }] },
    });
  }
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
    const problems: ConfigProblem[] = [{ path: '(document)', value: show(doc), expected: 'a mapping of settings (hub, http, log, store, devices)' }];
    throw new VigilError('VIGIL_CONFIG_INVALID', `${file}: 1 problem(s)\n  (document): got ${show(doc)}; expected a mapping of settings`, {
      details: { source: file, problems },
    });
  }
  return validateConfig(doc, file);
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const p = formatPath(issue.path);
  const input = 'input' in issue ? issue.input : undefined;
  let expected: string;
  switch (issue.code) {
    case 'invalid_type':
      expected = input === undefined ? `${issue.expected} (required)` : issue.expected;
      break;
    case 'invalid_value':
      expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'unrecognized_keys':
      return { path: joinPath(p, issue.keys[0] ?? ''), value: `unknown key${issue.keys.length > 1 ? 's ' + issue.keys.join(', ') : ''}`, expected: 'no such setting (check spelling)' };
    case 'invalid_union':
      if (issue.path[issue.path.length - 1] === 'type' || 'discriminator' in issue) {
        const t = typeof input === 'object' && input !== null && 'type' in input ? (input as { type: unknown }).type : input;
        return { path: p, value: show(t), expected: 'a device "type" of openview-serial, synthetic or wfdb-replay' };
      }
      expected = issue.message.replace(/^Invalid input: ?/, '') || 'one of the allowed forms';
      break;
    case 'too_small':
      expected = `${issue.origin === 'array' || issue.origin === 'string' ? 'length ' : ''}${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
      break;
    case 'too_big':
      expected = `${issue.origin === 'array' || issue.origin === 'string' ? 'length ' : ''}${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
      break;
    default:
      expected = issue.message.replace(/^Invalid input: /, '');
  }
  return { path: p, value: show(input), expected };
}

function formatPath(segs: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segs) out = typeof s === 'number' ? `${out}[${s}]` : joinPath(out, String(s));
  return out || '(top level)';
}

function joinPath(a: string, b: string): string {
  if (a === '(top level)' || a === '') return b;
  return `${a}.${b}`;
}

function show(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
