/**
 * The hub's Bluetooth radios, made on first use: one noble instance (and one BleCentral) per
 * binding kind, shared by every BLE device of the bed. noble is only ever imported here, and
 * only through its `with-bindings` entry, so a hub without BLE devices never loads it and a
 * host without a Bluetooth adapter still starts (the real HCI binding throws EAFNOSUPPORT when
 * constructed there; that becomes VIGIL_BLE_UNAVAILABLE on the device, not a crash).
 */
import type { NobleBindings } from '@abandonware/noble/with-bindings.js';
import type { Clock } from '../../src/core/clock.ts';
import { VigilError, errorMessage, systemCode } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { silentLogger } from '../../src/core/log.ts';
import { BleCentral } from './central.ts';
import { SimulatedBinding } from './sim/binding.ts';

export type BleBindingKind = 'hci' | 'simulated';

export interface BleRadio {
  readonly central: BleCentral;
  /** The simulated binding, where peripherals are switched on (null for the real adapter). */
  readonly simulation: SimulatedBinding | null;
}

export interface BleHostDeps {
  clock: Clock;
  logger?: Logger;
  random?: () => number;
  /** How the real binding is made (tests replace it); default: noble's HCI socket binding. */
  hciBinding?: () => Promise<NobleBindings>;
}

export class BleHost {
  private readonly radios = new Map<BleBindingKind, Promise<BleRadio>>();
  private readonly made: BleRadio[] = [];
  private closed = false;

  constructor(private readonly deps: BleHostDeps) {}

  /** The radio for a binding kind, made once; a failure is not remembered, so a later call retries. */
  radio(kind: BleBindingKind): Promise<BleRadio> {
    if (this.closed) return Promise.reject(new VigilError('VIGIL_DRIVER_CANCELLED', 'BLE host closed'));
    let r = this.radios.get(kind);
    if (!r) {
      r = this.make(kind);
      this.radios.set(kind, r);
      r.catch(() => this.radios.delete(kind));
    }
    return r;
  }

  close(): void {
    this.closed = true;
    for (const r of this.made) {
      r.central.close();
      r.simulation?.shutdown();
    }
    this.made.length = 0;
    this.radios.clear();
  }

  private async make(kind: BleBindingKind): Promise<BleRadio> {
    const log = (this.deps.logger ?? silentLogger).child({ ble: kind });
    const simulation = kind === 'simulated' ? new SimulatedBinding({ clock: this.deps.clock }) : null;
    const bindings = simulation ?? (await (this.deps.hciBinding ?? hciBinding)());
    const noble = await withBindings(bindings);
    const radio: BleRadio = { central: new BleCentral(noble, { clock: this.deps.clock, logger: log, random: this.deps.random }), simulation };
    if (this.closed) {
      radio.central.close();
      simulation?.shutdown();
    } else this.made.push(radio);
    return radio;
  }
}

/** noble over a given binding, through the entry that does not open the HCI socket on import. */
export async function withBindings(bindings: NobleBindings): Promise<import('@abandonware/noble/with-bindings.js').Noble> {
  const mod = await import('@abandonware/noble/with-bindings.js');
  return mod.default(bindings);
}

/** noble's real HCI socket binding; VIGIL_BLE_UNAVAILABLE on a host without a usable adapter. */
export async function hciBinding(): Promise<NobleBindings> {
  try {
    const mod = await import('@abandonware/noble/lib/hci-socket/bindings.js');
    return new mod.default({});
  } catch (e: unknown) {
    const sys = systemCode(e);
    const why = sys === 'EAFNOSUPPORT' ? 'this host has no Bluetooth support (no HCI socket: no adapter, or a kernel/container without Bluetooth)' : errorMessage(e);
    throw new VigilError('VIGIL_BLE_UNAVAILABLE', `Bluetooth adapter unavailable: ${why}`, { cause: e, details: { errno: sys ?? null } });
  }
}
