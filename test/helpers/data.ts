import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (test/helpers/../..). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared/data/<db> relative to the repository root, or null when absent. */
export function sharedData(db: 'mitdb' | 'nstdb'): string | null {
  const dir = path.resolve(repoRoot, '..', 'shared', 'data', db);
  return existsSync(dir) ? dir : null;
}

/**
 * Say plainly, at load time, that a group of tests did not run and why.
 * Used instead of skipping: nothing is registered, and the reason is printed.
 */
export function notRun(what: string, why: string): void {
  process.stderr.write(`NOT RUN: ${what}: ${why}\n`);
}
