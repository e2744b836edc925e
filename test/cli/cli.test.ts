import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.ts';
import { captureIo } from '../support/io.ts';
import { Store } from '../../src/store/store.ts';

const capture = captureIo;

describe('vigil CLI', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists its commands with --help and exits 0; no arguments is a usage error', async () => {
    const io = capture();
    assert.equal(await main(['--help'], io), 0);
    for (const c of ['run', 'config check', 'sim serial', 'sim scenarios']) assert.match(io.stdout(), new RegExp(`vigil ${c}`));
    assert.equal(await main([], capture()), 2);
  });

  for (const cmd of [['run'], ['config', 'check'], ['sim', 'serial'], ['sim', 'scenarios'], ['store', 'stats'], ['store', 'repair']]) {
    it(`'vigil ${cmd.join(' ')} --help' prints usage on stdout and exits 0`, async () => {
      const io = capture();
      assert.equal(await main([...cmd, '--help'], io), 0);
      assert.match(io.stdout(), new RegExp(`^usage: vigil ${cmd.join(' ')}`));
      assert.equal(io.stderr(), '');
    });
  }

  it('rejects an unknown command or option with exit 2 and a message on stderr', async () => {
    const a = capture();
    assert.equal(await main(['frobnicate'], a), 2);
    assert.match(a.stderr(), /unknown command/);
    const b = capture();
    assert.equal(await main(['run', '--no-such-flag'], b), 2);
    assert.match(b.stderr(), /VIGIL_USAGE/);
    assert.equal(b.stdout(), '');
  });

  it('config check: a valid file exits 0; a bad one exits 2 naming each key path, value and expectation', async () => {
    const good = path.join(dir, 'good.yaml');
    await writeFile(good, 'hub:\n  id: bed-12\ndevices:\n  - type: synthetic\n    id: sim\n    scenario: sinus\n');
    const ok = capture();
    assert.equal(await main(['config', 'check', good], ok), 0);
    assert.match(ok.stderr(), /valid/);

    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'http:\n  port: 99999\ndevices:\n  - type: openview-serial\n    id: hp\n    path: /dev/ttyACM0\n    baudRate: fast\n');
    const io = capture();
    assert.equal(await main(['config', 'check', bad], io), 2);
    assert.match(io.stderr(), /http\.port: got 99999; expected <= 65535/);
    assert.match(io.stderr(), /devices\[0\]\.baudRate: got "fast"; expected number/);
    assert.match(io.stderr(), /VIGIL_CONFIG_INVALID/);

    const js = capture();
    assert.equal(await main(['config', 'check', bad, '--json'], js), 2);
    const doc = JSON.parse(js.stdout()) as { ok: boolean; error: { code: string; problems: Array<{ path: string }> } };
    assert.equal(doc.ok, false);
    assert.equal(doc.error.code, 'VIGIL_CONFIG_INVALID');
    assert.deepEqual(doc.error.problems.map((p) => p.path).sort(), ['devices[0].baudRate', 'http.port']);
  });

  it('config check: a missing file and a non-YAML file exit 2 with stable codes', async () => {
    const a = capture();
    assert.equal(await main(['config', 'check', path.join(dir, 'nope.yaml')], a), 2);
    assert.match(a.stderr(), /VIGIL_CONFIG_UNREADABLE/);
    const f = path.join(dir, 'broken.json');
    await writeFile(f, '{"hub": ');
    const b = capture();
    assert.equal(await main(['config', 'check', f], b), 2);
    assert.match(b.stderr(), /not valid JSON.*VIGIL_CONFIG_INVALID/s);
  });

  it('run with a bad configuration exits 2 before opening anything', async () => {
    const dataDir = path.join(dir, 'never-created');
    const cfg = path.join(dir, 'bad-run.yaml');
    await writeFile(cfg, `hub:\n  dataDir: ${dataDir}\nstore:\n  retention:\n    maxBytes: -5\n`);
    const io = capture();
    assert.equal(await main(['run', '--config', cfg], io), 2);
    assert.match(io.stderr(), /store\.retention\.maxBytes/);
    assert.equal(existsSync(dataDir), false, 'the data directory was not created');
  });

  it('run on a store that is already held open (another vigil) exits 1 with VIGIL_STORE_LOCKED, not a stack trace', async () => {
    const dataDir = path.join(dir, 'locked');
    const holder = await Store.open({ dir: dataDir });
    try {
      const cfg = path.join(dir, 'locked.yaml');
      await writeFile(cfg, `hub:\n  dataDir: ${dataDir}\nhttp:\n  port: 0\n`);
      const io = capture();
      assert.equal(await main(['run', '--config', cfg], io), 1);
      assert.match(io.stderr(), /VIGIL_STORE_LOCKED/);
      assert.doesNotMatch(io.stderr(), /\n\s+at /, 'no stack trace');
    } finally {
      await holder.close();
    }
  });

  it('store stats reports a store; a corrupt store gives VIGIL_STORE_CORRUPT and store repair brings it back', async () => {
    const dataDir = path.join(dir, 'repairable');
    const st = await Store.open({ dir: dataDir });
    st.appendEvent({ kind: 'note', wallTimeMs: 1_700_000_000_000, text: 'kept' });
    await st.close();

    const ok = capture();
    assert.equal(await main(['store', 'stats', dataDir, '--json'], ok), 0);
    assert.equal((JSON.parse(ok.stdout()) as { events: { keys: number } }).events.keys, 1);

    for (const f of await readdir(dataDir)) if (f.startsWith('MANIFEST-')) await writeFile(path.join(dataDir, f), Buffer.alloc(300, 0x55));
    const bad = capture();
    assert.equal(await main(['store', 'stats', dataDir], bad), 1);
    assert.match(bad.stderr(), /VIGIL_STORE_CORRUPT/);
    assert.match(bad.stderr(), /vigil store repair/);

    const fix = capture();
    assert.equal(await main(['store', 'repair', dataDir], fix), 0, fix.stderr());
    const after = capture();
    assert.equal(await main(['store', 'stats', dataDir, '--json'], after), 0);
    assert.equal((JSON.parse(after.stdout()) as { events: { keys: number } }).events.keys, 1, 'the event survived the repair');
  });

  it('sim scenarios lists the built-ins, as text and as JSON', async () => {
    const io = capture();
    assert.equal(await main(['sim', 'scenarios', '--json'], io), 0);
    const list = JSON.parse(io.stdout()) as Array<{ name: string }>;
    for (const n of ['demo', 'mixed', 'vt-run', 'asystole', 'lead-off']) assert.ok(list.some((s) => s.name === n), n);
  });

  it('sim serial without --link is a usage error', async () => {
    const io = capture();
    assert.equal(await main(['sim', 'serial'], io), 2);
    assert.match(io.stderr(), /--link PATH is required/);
  });
});
