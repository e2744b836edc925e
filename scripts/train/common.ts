/**
 * Shared bits of `npm run train` and `npm run cv`: paths, the python3-torch check, and
 * running the Python trainer.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DATA = path.resolve(repoRoot, '..', 'shared', 'data', 'mitdb');
export const CACHE_DIR = path.join(repoRoot, '.scratch', 'train');
/** Debian's interpreter: python3-torch/numpy/onnx install for it, not for a pyenv python3 on PATH. */
export const PYTHON = process.env.VIGIL_TRAIN_PYTHON ?? '/usr/bin/python3';
export const TRAINER = path.join(repoRoot, 'scripts', 'train', 'train.py');

export const INSTALL_HINT = 'install the trainer\'s dependencies with:\n  apt-get install -y python3-torch python3-numpy python3-onnx\n(they install for /usr/bin/python3; set VIGIL_TRAIN_PYTHON to use another interpreter)';

/** Versions of torch/numpy/onnx, or null (with the reason) when the trainer cannot run. */
export function checkPython(): { ok: true; versions: string } | { ok: false; why: string } {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy, onnx; print(torch.__version__, numpy.__version__, onnx.__version__)'], { encoding: 'utf8' });
  if (r.error) return { ok: false, why: `cannot run ${PYTHON}: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, why: `${PYTHON} lacks torch/numpy/onnx: ${r.stderr.trim().split('\n').pop() ?? ''}` };
  return { ok: true, versions: r.stdout.trim() };
}

/** Exit 2 with the install hint when the trainer's Python stack is missing. */
export function requirePython(tool: string): string {
  const c = checkPython();
  if (!c.ok) {
    process.stderr.write(`${tool}: ${c.why}\n${INSTALL_HINT}\n`);
    process.exit(2);
  }
  return c.versions;
}

export function runTrainer(args: string[]): string {
  const r = spawnSync(PYTHON, [TRAINER, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
  if (r.status !== 0) throw new Error(`trainer failed (exit ${r.status ?? r.signal})`);
  return r.stdout;
}

export function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}
