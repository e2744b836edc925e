/**
 * The hub as a process: `vigil run` on a configuration, SIGTERM, exit 0, and everything the
 * drivers delivered is in the store afterwards (nothing acknowledged is lost).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../src/store/store.ts';
import { repoRoot } from '../helpers/data.ts';

describe('vigil run as a process', function () {
  this.timeout(60_000);
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-run-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`prints its URL, serves status, and on ${signal} stops cleanly with every delivered sample stored`, async () => {
      const dataDir = path.join(dir, `data-${signal}`);
      const cfg = path.join(dir, `run-${signal}.yaml`);
      await writeFile(
        cfg,
        `hub: { id: proc-test, dataDir: ${dataDir} }\nhttp: { port: 0 }\nlog: { format: json }\ndevices:\n  - { type: synthetic, id: sim, scenario: mixed, speed: 20 }\n`,
      );
      const child = spawn(process.execPath, [path.join(repoRoot, 'src', 'vigil.js'), 'run', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const deadline = Date.now() + 30_000;
      while (!/running at (http:\S+)/.test(out)) {
        if (Date.now() > deadline) throw new Error(`no URL printed; stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const url = /running at (http:\S+)/.exec(out)?.[1] as string;
      await new Promise((r) => setTimeout(r, 1500));
      const status = (await (await fetch(new URL('api/status', url))).json()) as { devices: Array<{ id: string; state: string }> };
      assert.equal(status.devices[0]?.state, 'connected');
      assert.equal((await fetch(new URL('health', url))).status, 200);
      assert.equal((await fetch(new URL('nope', url))).status, 404);

      child.kill(signal);
      assert.equal(await exited, 0, `exit code; stderr: ${err}`);
      const lines = err.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(lines.every((l) => typeof l.level === 'string' && typeof l.msg === 'string'), 'every log line is structured JSON');
      const stopped = lines.find((l) => String(l.msg).startsWith('hub stopped'));
      assert.ok(stopped, 'stop logged');
      const delivered = (stopped.delivered as Array<{ id: string; samples: number }>)[0];
      assert.ok(delivered && delivered.samples > 0);

      const store = await Store.open({ dir: dataDir });
      try {
        const segs = await store.readWave('sim', 'ECG', 0, Number.MAX_SAFE_INTEGER);
        const stored = segs.reduce((n, s) => n + s.samples.length, 0);
        assert.equal(stored, delivered.samples, 'every sample the driver delivered is in the store');
        const events = await store.readEvents(0, Number.MAX_SAFE_INTEGER);
        assert.ok(events.some((e) => e.event.kind === 'status' && (e.event as { state?: string }).state === 'closed'));
      } finally {
        await store.close();
      }
    });
  }
});
