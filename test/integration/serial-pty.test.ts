/**
 * End to end over a real pseudo-terminal pair (socat): `vigil sim serial` plays a 10-minute
 * synthetic scenario (faster than real time) as a HealthyPi board; the hub reads it through
 * the real serialport binding and stores it in a real LevelDB. In the middle the "cable" is
 * pulled (socat killed) and plugged back (socat restarted with the same links).
 *
 * The simulator stamps a frame counter into the PPG IR field, so the stored waveform proves
 * order and loss: every frame must arrive, in order, except the ones sent while unplugged.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface';
import { validateConfig } from '../../src/config/load.ts';
import { SystemClock } from '../../src/core/clock.ts';
import { createLogger, silentLogger } from '../../src/core/log.ts';
import { startHub, type RunningHub } from '../../src/main.ts';
import { Store } from '../../src/store/store.ts';
import { readRecord } from '../../src/wfdb/record.ts';
import { notRun, repoRoot, sharedData } from '../helpers/data.ts';

const haveSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

function startSocat(dir: string): ChildProcess {
  return spawn('socat', [`pty,raw,echo=0,link=${path.join(dir, 'sim')}`, `pty,raw,echo=0,link=${path.join(dir, 'hub')}`], { stdio: 'ignore' });
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (!haveSocat) {
  notRun('serial pty integration', 'socat is not installed (./scripts/test.sh installs it with apt-get)');
} else {
  describe('serial ingestion over a real pty (socat), with unplug/replug', function () {
    this.timeout(180_000);
    let dir = '';
    let socat: ChildProcess | null = null;
    let hub: RunningHub | null = null;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-pty-'));
    });

    after(async () => {
      await hub?.stop();
      socat?.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    });

    it('streams a 10-minute scenario in order, losing only what was sent while unplugged', async () => {
      const SPEED = 30;
      const FS = 250;
      const DURATION_S = 600;
      socat = startSocat(dir);
      await waitFor(() => existsSync(path.join(dir, 'hub')) && existsSync(path.join(dir, 'sim')), 10_000, 'socat links');

      const config = validateConfig({
        hub: { id: 'pty-test', dataDir: path.join(dir, 'data') },
        http: { port: 0 },
        devices: [
          {
            type: 'openview-serial',
            id: 'hp5',
            path: path.join(dir, 'hub'),
            sampleRate: FS,
            blockSamples: 25,
            reconnect: { baseMs: 50, capMs: 400 },
            noDataTimeoutMs: 0,
          },
        ],
      });
      hub = await startHub(config, {
        clock: new SystemClock(),
        logger: process.env.VIGIL_TEST_LOG ? createLogger({ format: 'pretty', level: 'debug', sink: { write: (l) => appendFileSync(process.env.VIGIL_TEST_LOG as string, l) } }) : silentLogger,
        baseDir: repoRoot,
        serialBinding: async () => (await import('@serialport/bindings-cpp')).autoDetect() as unknown as BindingInterface,
      });

      const sim = spawn(
        process.execPath,
        [path.join(repoRoot, 'src', 'vigil.js'), 'sim', 'serial', '--link', path.join(dir, 'sim'), '--scenario', 'mixed', '--sample-rate', String(FS), '--speed', String(SPEED), '--duration', String(DURATION_S), '--stamp-counter', '--json'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let simOut = '';
      let simErr = '';
      sim.stdout?.on('data', (b: Buffer) => (simOut += b.toString()));
      sim.stderr?.on('data', (b: Buffer) => {
        simErr += b.toString();
        if (process.env.VIGIL_TEST_LOG) appendFileSync(process.env.VIGIL_TEST_LOG, 'SIM ' + b.toString());
      });
      const simExit = new Promise<number | null>((r) => sim.on('exit', (code) => r(code)));

      // Let a third of the record through, then pull the cable for 1.5 s.
      const stored = async (): Promise<number> => (await hub!.status()).devices instanceof Array ? deviceSamples(await hub!.status()) : 0;
      await waitFor(async () => (await stored()) > (FS * DURATION_S) / 3, 60_000, 'a third of the scenario to arrive');
      socat.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 1500));
      socat = startSocat(dir);

      const code = await simExit;
      assert.equal(code, 0, `simulator failed: ${simErr}`);
      const simStats = JSON.parse(simOut.trim().split('\n').pop() ?? '{}') as { frames: number; lostUnplugged: number; reconnects: number };
      assert.equal(simStats.frames, FS * DURATION_S);
      assert.ok(simStats.reconnects >= 1, 'the simulator saw the unplug');

      // Everything written after the replug must reach the hub: wait until the stream has
      // been quiet for a second (the board stopped), then stop the hub, which flushes the
      // last partial block into the store.
      const last = FS * DURATION_S - 1;
      let seen = -1;
      await waitFor(async () => {
        const now = await stored();
        const quiet = now === seen;
        seen = now;
        if (!quiet) await new Promise((r) => setTimeout(r, 1000));
        return quiet;
      }, 60_000, 'the stream to go quiet');
      const status = await hub.status();
      await hub.stop();
      hub = null;

      const store = await Store.open({ dir: path.join(dir, 'data') });
      try {
        const segs = await store.readWave('hp5', 'PPG_IR', 0, Number.MAX_SAFE_INTEGER);
        const counters: number[] = [];
        for (const s of segs) for (const v of s.samples) counters.push(v);
        // Order and loss, from the stamped counters.
        const gaps: Array<{ after: number; missing: number }> = [];
        for (let i = 1; i < counters.length; i++) {
          const d = (counters[i] as number) - (counters[i - 1] as number);
          assert.ok(d >= 1, `frame ${counters[i]} arrived after ${counters[i - 1]}: out of order or duplicated`);
          if (d > 1) gaps.push({ after: counters[i - 1] as number, missing: d - 1 });
        }
        assert.ok((counters[0] as number) < FS, `the stream started late, at frame ${counters[0]}`);
        assert.equal(counters[counters.length - 1], last, 'the last frame arrived');
        assert.equal(gaps.length, 1, `exactly one gap, for the one unplug; got ${JSON.stringify(gaps)}`);
        const gap = gaps[0] as { missing: number };
        // Frames the simulator generated while its link was gone are missing, plus at most
        // what sat in the pty/socat buffers when socat was killed (a few KB = a few hundred frames).
        assert.ok(gap.missing >= simStats.lostUnplugged, `gap ${gap.missing} < frames lost while unplugged ${simStats.lostUnplugged}`);
        assert.ok(gap.missing - simStats.lostUnplugged <= 1500, `gap ${gap.missing} exceeds the unplugged frames ${simStats.lostUnplugged} by more than buffered bytes can explain`);
        assert.equal(counters.length, FS * DURATION_S - gap.missing);

        // Driver sequence numbers and sample indices: contiguous across stored segments (a
        // block may straddle two segments), and the first block after the reconnect marked
        // as following a loss.
        for (let i = 1; i < segs.length; i++) {
          const prev = segs[i - 1] as (typeof segs)[number];
          const cur = segs[i] as (typeof segs)[number];
          const seqStep = cur.firstSeq - prev.lastSeq;
          assert.ok(seqStep === 0 || seqStep === 1, `block sequence broken at segment ${i}: ${prev.lastSeq} -> ${cur.firstSeq}`);
          if (cur.gap === 0) assert.equal(cur.firstSample, prev.firstSample + prev.samples.length, `sample index broken at segment ${i}`);
        }
        assert.equal(segs.filter((s) => s.gap !== 0).length, 1, 'one segment records the loss');

        // The status history tells the engineer what happened.
        const events = await store.readEvents(0, Number.MAX_SAFE_INTEGER);
        const states = events.map((e) => e.event).filter((e) => e.kind === 'status').map((e) => (e as { state?: string }).state);
        const firstLoss = states.indexOf('disconnected');
        assert.ok(firstLoss > 0 && states.indexOf('connected', firstLoss) > firstLoss, `states: ${states.join(',')}`);
        const dev = (status.devices as Array<{ stats: { reconnects: number } }>)[0];
        assert.ok((dev?.stats.reconnects ?? 0) >= 1);
      } finally {
        await store.close();
      }
    });

    const mitdb = sharedData('mitdb');
    if (!mitdb) notRun('sim serial --source RECORD over a pty', '../shared/data/mitdb not found');
    else it('plays a WFDB record as a board (vigil sim serial --source RECORD): the hub stores the record\'s samples exactly', async function () {
      const sub = path.join(dir, 'rec');
      await mkdir(sub, { recursive: true });
      socat?.kill('SIGKILL');
      socat = startSocat(sub);
      await waitFor(() => existsSync(path.join(sub, 'hub')) && existsSync(path.join(sub, 'sim')), 10_000, 'socat links');
      const config = validateConfig({
        hub: { id: 'pty-rec', dataDir: path.join(sub, 'data') },
        http: { port: 0 },
        devices: [{ type: 'openview-serial', id: 'hp5', path: path.join(sub, 'hub'), sampleRate: 360, ecgGain: 1000, noDataTimeoutMs: 0 }],
      });
      hub = await startHub(config, {
        clock: new SystemClock(),
        logger: silentLogger,
        baseDir: repoRoot,
        serialBinding: async () => (await import('@serialport/bindings-cpp')).autoDetect() as unknown as BindingInterface,
      });
      const sim = spawn(process.execPath, [path.join(repoRoot, 'src', 'vigil.js'), 'sim', 'serial', '--link', path.join(sub, 'sim'), '--source', path.join(mitdb, '101'), '--speed', '20', '--duration', '20', '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      sim.stderr?.on('data', (b: Buffer) => (err += b.toString()));
      assert.equal(await new Promise<number | null>((r) => sim.on('exit', r)), 0, err);
      let seen = -1;
      await waitFor(async () => {
        const now = deviceSamples(await hub!.status());
        const quiet = now === seen && now > 0;
        seen = now;
        if (!quiet) await new Promise((r) => setTimeout(r, 500));
        return quiet;
      }, 30_000, 'the record to arrive');
      await hub.stop();
      hub = null;
      const store = await Store.open({ dir: path.join(sub, 'data') });
      try {
        const got: number[] = [];
        for (const seg of await store.readWave('hp5', 'ECG', 0, Number.MAX_SAFE_INTEGER)) for (const v of seg.samples) got.push(v);
        const rec = await readRecord(path.join(mitdb, '101'));
        const ch = rec.header.signals.findIndex((x) => x.description === 'MLII');
        const spec = rec.header.signals[ch];
        const sig = rec.signals[ch] as Int32Array;
        assert.equal(got.length, 20 * 360, 'all 20 s of the record arrived');
        // 200 ADC units per mV in the record, 1000 in the packets: exactly x5.
        for (let i = 0; i < got.length; i++) assert.equal(got[i], ((sig[i] as number) - (spec?.baseline ?? 0)) * 5, `sample ${i}`);
      } finally {
        await store.close();
      }
    });
  });
}

function deviceSamples(status: Record<string, unknown>): number {
  const devs = status.devices as Array<{ stats: { samples: number } }>;
  return devs[0]?.stats.samples ?? 0;
}

