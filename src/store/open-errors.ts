/**
 * Turning classic-level / file-system failures into VigilErrors a person can act on.
 *
 * classic-level reports open failures as LEVEL_DATABASE_NOT_OPEN with the real reason in
 * `cause`: LEVEL_LOCKED (another process holds the LOCK file), LEVEL_CORRUPTION, or
 * LEVEL_IO_ERROR / a Node system error (ENOTDIR, EACCES ...) from creating the directory.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { VigilError, errorMessage, systemCode } from '../core/errors.ts';

/** Codes found along the error's cause chain (outermost first). */
export function causeCodes(e: unknown): string[] {
  const codes: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; depth < 8 && cur !== undefined && cur !== null; depth++) {
    const c = systemCode(cur);
    if (c !== undefined) codes.push(c);
    cur = typeof cur === 'object' && 'cause' in cur ? (cur as { cause: unknown }).cause : undefined;
  }
  return codes;
}

/** Innermost error message, which is where LevelDB's own text is. */
function rootMessage(e: unknown): string {
  let cur: unknown = e;
  let msg = errorMessage(e);
  for (let depth = 0; depth < 8 && typeof cur === 'object' && cur !== null && 'cause' in cur; depth++) {
    cur = (cur as { cause: unknown }).cause;
    if (cur !== undefined && cur !== null) msg = errorMessage(cur);
  }
  return msg;
}

export function lockedError(dir: string, cause: unknown): VigilError {
  return new VigilError(
    'VIGIL_STORE_LOCKED',
    `store ${dir} is locked: another vigil process probably has it open (stop it, or point this one at another store directory)`,
    { cause, details: { dir } },
  );
}

export function corruptError(dir: string, cause: unknown, what?: string): VigilError {
  return new VigilError(
    'VIGIL_STORE_CORRUPT',
    `store ${dir} is corrupt (${what ?? rootMessage(cause)}); stop vigil and run \`vigil store repair ${dir}\`, or move the directory aside`,
    { cause, details: { dir } },
  );
}

export function ioError(dir: string, cause: unknown, action: string): VigilError {
  return new VigilError('VIGIL_STORE_IO', `store ${dir}: cannot ${action}: ${rootMessage(cause)}`, {
    cause,
    details: { dir, systemCode: causeCodes(cause).find((c) => c.startsWith('E')) },
  });
}

/**
 * LevelDB reports a CURRENT file that names a missing manifest as a plain IO error
 * ("…/garbage: No such file or directory"); inspecting CURRENT tells corruption apart
 * from a genuine I/O problem.
 */
async function currentFileBroken(dir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'CURRENT'), 'latin1');
  } catch {
    return false;
  }
  const m = /^(MANIFEST-\d+)\n$/.exec(text);
  if (m === null || m[1] === undefined) return true;
  try {
    await stat(path.join(dir, m[1]));
    return false;
  } catch {
    return true;
  }
}

/** Classifies a failure of `db.open()` (or of `ClassicLevel.repair`). */
export async function classifyOpenError(dir: string, e: unknown): Promise<VigilError> {
  if (e instanceof VigilError) return e;
  const codes = causeCodes(e);
  if (codes.includes('LEVEL_LOCKED')) return lockedError(dir, e);
  if (codes.includes('LEVEL_CORRUPTION')) return corruptError(dir, e);
  if (await currentFileBroken(dir)) return corruptError(dir, e, 'CURRENT does not name an existing MANIFEST');
  return ioError(dir, e, 'open the database');
}

/** Classifies a failure of a read or write on an open database. */
export function classifyOpError(dir: string, e: unknown, action: string): VigilError {
  if (e instanceof VigilError) return e;
  const codes = causeCodes(e);
  // A stored value that no longer decodes is damage on disk, not an I/O hiccup.
  if (codes.includes('LEVEL_CORRUPTION') || codes.includes('LEVEL_DECODE_ERROR')) return corruptError(dir, e);
  if (codes.includes('LEVEL_DATABASE_NOT_OPEN') && !codes.some((c) => c !== 'LEVEL_DATABASE_NOT_OPEN')) {
    return new VigilError('VIGIL_STORE_NOT_OPEN', `store ${dir} is not open`, { cause: e, details: { dir } });
  }
  return ioError(dir, e, action);
}
