import type { Io } from '../../src/cli/common.ts';

/** An Io that keeps what a command writes, for CLI tests (not a terminal unless asked). */
export function captureIo(isTTY = false): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { out: (s) => void (out += s), err: (s) => void (err += s), isTTY, stdout: () => out, stderr: () => err };
}
