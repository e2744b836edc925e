import type { BindingInterface } from '@serialport/bindings-interface';
import { SerialBoardSimulator, type SimSource } from '../../drivers/openview/simulator.ts';
import { EcgSynth } from '../../drivers/synthetic/ecgsyn.ts';
import { resolveScenario } from '../../drivers/synthetic/scenarios.ts';
import { builtinScenarios } from '../../drivers/synthetic/scenarios.ts';
import { SystemClock } from '../core/clock.ts';
import { VigilError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { readRecord } from '../wfdb/record.ts';
import { EXIT_OK, num, parse, report, str, type CommandSpec, type Io } from './common.ts';

export const simSerialSpec: CommandSpec = {
  name: 'sim serial',
  summary: 'Act as a HealthyPi board: write the OpenView byte stream to a serial port or pseudo-terminal.',
  usage: 'vigil sim serial --link PATH [--source synthetic|RECORD] [--scenario NAME] [--speed N] [--duration S] [options]',
  help: `
Plays the synthetic patient or a WFDB record (path without extension, e.g. ../shared/data/mitdb/100)
as OpenView data packets on PATH, which is usually one end of a socat pseudo-terminal pair:

  socat -d -d pty,raw,echo=0,link=/tmp/vigil-sim pty,raw,echo=0,link=/tmp/vigil-hub

Like a board it keeps producing while the link is gone (those frames are lost and counted) and
reopens PATH when it comes back.

Options:
  --link PATH          serial device or pty to write to (required)
  --source SRC         "synthetic" (default) or a WFDB record path
  --scenario NAME      synthetic scenario (default demo; see 'vigil sim scenarios'); NAME:HR sets the rate
  --seed N             synthetic seed (default 1)
  --sample-rate N      synthetic sample rate in Hz (default 250; a record plays at its own rate)
  --ecg-gain N         ADC units per mV in the packets (default 1000, the hub's default ecgGain)
  --speed N            1 = real time (default); N times faster
  --duration S         stop after S seconds of signal (default: until the source ends, or forever if it loops)
  --baud N             baud rate (default 115200)
  --stamp-counter      put a running frame counter in the PPG IR field (to check order and loss)
  --json               print the final counters as JSON on stdout
  -h, --help           show this help

Exit status: 0 when done or stopped by SIGINT/SIGTERM, 1 on failure, 2 on a bad command line.`,
  options: {
    link: { type: 'string' },
    source: { type: 'string' },
    scenario: { type: 'string' },
    seed: { type: 'string' },
    'sample-rate': { type: 'string' },
    'ecg-gain': { type: 'string' },
    speed: { type: 'string' },
    duration: { type: 'string' },
    baud: { type: 'string' },
    'stamp-counter': { type: 'boolean' },
    json: { type: 'boolean' },
  },
};

export const simScenariosSpec: CommandSpec = {
  name: 'sim scenarios',
  summary: 'List the built-in synthetic patient scenarios.',
  usage: 'vigil sim scenarios [--json]',
  help: `
Options:
  --json      one JSON array on stdout
  -h, --help  show this help`,
  options: { json: { type: 'boolean' } },
};

export async function simScenarios(argv: string[], io: Io): Promise<number> {
  try {
    const p = parse(simScenariosSpec, argv, io);
    if (!p) return EXIT_OK;
    const list = builtinScenarios();
    if (p.values.json === true) io.out(JSON.stringify(list) + '\n');
    else for (const s of list) io.out(`${s.name.padEnd(12)} ${s.describe}\n`);
    return EXIT_OK;
  } catch (e: unknown) {
    return report(e, io);
  }
}

function syntheticSource(scenario: string, seed: number, sampleRate: number, gain: number): SimSource {
  const sc = resolveScenario(scenario, { seed, sampleRate });
  const gen = new EcgSynth(sc, { gain, leads: ['II'] });
  const out: Int32Array[] = [new Int32Array(0)];
  return {
    sampleRate: sc.sampleRate,
    fill(ecg, n) {
      out[0] = ecg;
      const got = gen.generate(out, n);
      gen.drainTruth();
      return got;
    },
    vitals() {
      const v = gen.vitalsNow();
      return { hr: v.hr ?? 0, spo2: v.spo2 ?? 0, respRate: v.respRate ?? 0, tempCentiC: v.tempC === null ? 0 : Math.round(v.tempC * 100) };
    },
  };
}

async function recordSource(record: string, gain: number): Promise<SimSource> {
  const rec = await readRecord(record);
  const specs = rec.header.signals;
  // Prefer MLII (closest to a monitor's lead II); otherwise the first signal.
  let ch = specs.findIndex((s) => s.description === 'MLII');
  if (ch < 0) ch = 0;
  const spec = specs[ch];
  const sig = rec.signals[ch];
  if (!spec || !sig) throw new VigilError('VIGIL_WFDB_SIGNAL_INVALID', `${record}: no signal to play`);
  const scale = gain / (spec.gain || 200);
  let pos = 0;
  return {
    sampleRate: rec.header.samplingFrequency,
    fill(ecg, n) {
      const k = Math.min(n, rec.length - pos);
      for (let i = 0; i < k; i++) ecg[i] = Math.round(((sig[pos + i] as number) - spec.baseline) * scale);
      pos += k;
      return k;
    },
    vitals: () => ({ hr: 0, spo2: 0, respRate: 0, tempCentiC: 0 }),
  };
}

export async function simSerial(argv: string[], io: Io): Promise<number> {
  let json = false;
  try {
    const p = parse(simSerialSpec, argv, io);
    if (!p) return EXIT_OK;
    json = p.values.json === true;
    const link = str(p, 'link');
    if (!link) throw new VigilError('VIGIL_USAGE', `--link PATH is required\nusage: ${simSerialSpec.usage}`);
    const positive = (n: number): boolean => n > 0;
    const speed = num(p, 'speed', (n) => n > 0 && n <= 1000, 'a number > 0 and <= 1000') ?? 1;
    const durationS = num(p, 'duration', positive, 'seconds > 0') ?? Infinity;
    const gain = num(p, 'ecg-gain', positive, 'a number > 0') ?? 1000;
    const seed = num(p, 'seed', Number.isInteger, 'an integer') ?? 1;
    const sampleRate = num(p, 'sample-rate', (n) => Number.isInteger(n) && n >= 100 && n <= 1000, 'an integer 100-1000') ?? 250;
    const baud = num(p, 'baud', (n) => Number.isInteger(n) && n > 0, 'a baud rate') ?? 115200;
    const src = str(p, 'source') ?? 'synthetic';
    const source = src === 'synthetic' ? syntheticSource(str(p, 'scenario') ?? 'demo', seed, sampleRate, gain) : await recordSource(src, gain);

    const logger = createLogger({ level: 'info' });
    const { autoDetect } = await import('@serialport/bindings-cpp');
    const sim = new SerialBoardSimulator(
      source,
      { path: link, baudRate: baud, speed, durationS, stampCounter: p.values['stamp-counter'] === true },
      { binding: autoDetect() as unknown as BindingInterface, clock: new SystemClock(), logger },
    );
    const onSignal = (): void => void sim.stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let progress: NodeJS.Timeout | null = null;
    if (io.isTTY && !json) {
      progress = setInterval(() => {
        const s = sim.stats;
        io.err(`\rsim: ${(s.frames / source.sampleRate).toFixed(0)} s of signal, ${s.written} frames written, ${s.lostUnplugged} lost while unplugged   `);
      }, 500);
    }
    logger.info('simulated board started', { link, source: src, sampleRate: source.sampleRate, speed });
    sim.start();
    await sim.done;
    if (progress) {
      clearInterval(progress);
      io.err('\n');
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const summary = { ok: true, link, source: src, sampleRate: source.sampleRate, ...sim.stats };
    if (json) io.out(JSON.stringify(summary) + '\n');
    else io.err(`sim: done: ${sim.stats.frames} frames (${(sim.stats.frames / source.sampleRate).toFixed(1)} s), ${sim.stats.lostUnplugged} lost while unplugged, ${sim.stats.reconnects} reconnects\n`);
    return EXIT_OK;
  } catch (e: unknown) {
    return report(e, io, json);
  }
}
