/**
 * `vigil ble scan`: the pairing aid. Lists the BLE devices heard nearby with their address,
 * name, RSSI and the health profiles they advertise, so an engineer can bind one to the bed
 * by address in the configuration. `--simulated` scans the simulated peripherals instead.
 */
import { BleHost, type BleBindingKind } from '../../drivers/ble/host.ts';
import { simScenarioNames } from '../../drivers/ble/sim/scenarios.ts';
import type { ScanEntry } from '../../drivers/ble/central.ts';
import { SystemClock } from '../core/clock.ts';
import { VigilError } from '../core/errors.ts';
import { EXIT_OK, num, parse, report, type CommandSpec, type Io } from './common.ts';

export const bleScanSpec: CommandSpec = {
  name: 'ble scan',
  summary: 'List nearby Bluetooth LE health devices (address, name, RSSI, health profiles) to bind one to the bed.',
  usage: 'vigil ble scan [--seconds N] [--json] [--simulated]',
  help: `
Listens for advertisements for a few seconds and prints one line per device heard, those
offering a health service (heart rate, pulse oximeter, blood pressure, thermometer) first.
Put the address in the configuration to bind the device to this bed:

  devices:
    - { type: ble, id: spo2, address: "A4:C1:38:12:34:56" }

Options:
  --seconds N    how long to listen (default 10)
  --json         one JSON array on stdout
  --simulated    scan the simulated peripherals (every scripted scenario) instead of the adapter
  -h, --help     show this help

Exit status: 0 after the scan (even if nothing was heard), 1 when there is no usable
Bluetooth adapter (VIGIL_BLE_UNAVAILABLE), 2 for a bad command line.`,
  options: {
    seconds: { type: 'string' },
    json: { type: 'boolean' },
    simulated: { type: 'boolean' },
  },
};

export async function bleScan(argv: string[], io: Io): Promise<number> {
  let json = false;
  const clock = new SystemClock();
  const host = new BleHost({ clock });
  try {
    const p = parse(bleScanSpec, argv, io);
    if (!p) return EXIT_OK;
    json = p.values.json === true;
    const seconds = num(p, 'seconds', (n) => n > 0 && n <= 300, 'seconds between 0 and 300') ?? 10;
    const kind: BleBindingKind = p.values.simulated === true ? 'simulated' : 'hci';
    const radio = await host.radio(kind);
    simScenarioNames().forEach((scenario, i) => radio.simulation?.addPeripheral({ address: `C0:DE:00:00:01:${(i + 1).toString(16).padStart(2, '0').toUpperCase()}`, scenario, seed: i + 1, rssi: -50 - 4 * i }));
    const state = await waitPoweredOn(radio.central, clock, 3000);
    if (state !== 'poweredOn') throw new VigilError('VIGIL_BLE_UNAVAILABLE', `Bluetooth adapter is ${state}; cannot scan`);
    if (!json) io.err(`vigil: listening for ${seconds} s ...\n`);
    const found = await radio.central.scan(seconds * 1000);
    io.out(json ? JSON.stringify(found) + '\n' : table(found));
    return EXIT_OK;
  } catch (e: unknown) {
    return report(e, io, json);
  } finally {
    host.close();
  }
}

function waitPoweredOn(central: { adapterState: string }, clock: SystemClock, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const started = clock.monotonicMs();
    const poll = (): void => {
      if (central.adapterState === 'poweredOn' || clock.monotonicMs() - started >= ms) resolve(central.adapterState);
      else clock.setTimeout(poll, 50);
    };
    poll();
  });
}

function table(rows: ScanEntry[]): string {
  if (rows.length === 0) return 'no BLE devices heard\n';
  const lines = rows.map((r) => `${r.address}  ${String(r.rssi).padStart(4)} dBm  ${(r.name ?? '-').padEnd(24)}  ${r.profiles.length > 0 ? r.profiles.join(',') : `(no health profile; services ${r.services.join(',') || '-'})`}`);
  return `ADDRESS            RSSI      NAME                      HEALTH PROFILES\n${lines.join('\n')}\n`;
}
