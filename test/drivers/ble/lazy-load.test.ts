import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../helpers/data.ts';

const run = promisify(execFile);
const probe = path.join(repoRoot, 'test/drivers/ble/fixtures/noble-probe.ts');

async function loadedModules(mode: 'none' | 'ble'): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-noble-'));
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', probe, dir, mode], { cwd: repoRoot });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as string[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('noble is loaded only for a configured BLE device', function () {
  this.timeout(60_000);
  it('a hub without BLE devices never loads noble', async () => {
    assert.deepEqual(await loadedModules('none'), []);
  });
  it('with one, it loads the with-bindings entry and never the default (HCI-opening) entry', async () => {
    const mods = await loadedModules('ble');
    assert.ok(mods.some((m) => m.endsWith('noble/with-bindings.js')), mods.join('\n'));
    assert.ok(!mods.some((m) => m.endsWith('noble/index.js') || m.includes('hci-socket')), mods.join('\n'));
  });
});
