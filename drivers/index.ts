/**
 * Which driver serves which configured device type: a table, not a chain of ifs, so a new
 * device type is one entry here and one schema variant in src/config/schema.ts.
 */
import path from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { DeviceConfig } from '../src/config/schema.ts';
import type { Clock } from '../src/core/clock.ts';
import type { Logger } from '../src/core/log.ts';
import type { Driver, DriverEvent, DriverStats } from './contract.ts';
import { emptyStats } from './contract.ts';
import { WfdbReplayDriver } from './replay/replay-driver.ts';
import { OpenViewSerialDriver } from './serial/openview-serial-driver.ts';
import { SyntheticDriver } from './synthetic/synthetic-driver.ts';
import { BleDriver } from './ble/ble-driver.ts';
import type { BleHost } from './ble/host.ts';

export interface DriverFactoryDeps {
  clock: Clock;
  logger: Logger;
  serialBinding: () => Promise<BindingInterface>;
  /** The hub's Bluetooth radios, shared by its BLE devices (noble loads on first use). */
  ble: BleHost;
  baseDir: string;
}

type Factories = { [T in DeviceConfig['type']]: (c: Extract<DeviceConfig, { type: T }>, d: DriverFactoryDeps) => Driver };

const FACTORIES: Factories = {
  'openview-serial': (c, d) => new LazyBindingDriver(c.id, c.type, d.serialBinding, (binding) => new OpenViewSerialDriver({ ...c, deviceId: c.id }, { binding, clock: d.clock, logger: d.logger })),
  synthetic: (c, d) =>
    new SyntheticDriver(
      { deviceId: c.id, scenario: c.scenario, seed: c.seed, sampleRate: c.sampleRate, speed: c.speed, ...(c.loop !== null ? { loop: c.loop } : {}) },
      { clock: d.clock, logger: d.logger },
    ),
  'wfdb-replay': (c, d) =>
    new WfdbReplayDriver(
      { deviceId: c.id, record: path.resolve(d.baseDir, c.record), speed: c.speed, loop: c.loop, blockMs: c.blockMs },
      { clock: d.clock, logger: d.logger },
    ),
  ble: (c, d) =>
    new BleDriver(
      {
        deviceId: c.id, address: c.address, profiles: c.profiles, binding: c.binding, scenario: c.scenario, seed: c.seed, reconnect: c.reconnect,
        connectTimeoutMs: c.connectTimeoutMs, gattTimeoutMs: c.gattTimeoutMs, watchdogMs: c.watchdogMs, goneAlarmAfterS: c.goneAlarmAfterS,
      },
      { host: d.ble, clock: d.clock, logger: d.logger },
    ),
};

export function createDriver(config: DeviceConfig, deps: DriverFactoryDeps): Driver {
  const make = FACTORIES[config.type] as (c: DeviceConfig, d: DriverFactoryDeps) => Driver;
  return make(config, deps);
}

/**
 * Loads the native serial binding only when a serial device is configured, so a hub with
 * only simulated or replayed beds never touches the native addon.
 */
class LazyBindingDriver implements Driver {
  private inner: Driver | null = null;
  private readonly waiting: Promise<Driver>;
  private resolveInner!: (d: Driver) => void;

  constructor(
    readonly id: string,
    readonly kind: string,
    private readonly binding: () => Promise<BindingInterface>,
    private readonly make: (b: BindingInterface) => Driver,
  ) {
    this.waiting = new Promise((r) => (this.resolveInner = r));
  }

  async open(): Promise<void> {
    if (!this.inner) {
      this.inner = this.make(await this.binding());
      this.resolveInner(this.inner);
    }
    await this.inner.open();
  }

  async close(): Promise<void> {
    if (this.inner) await this.inner.close();
    else {
      // Never opened: end the (empty) stream so consumers finish.
      this.inner = new ClosedDriver(this.id, this.kind);
      this.resolveInner(this.inner);
    }
  }

  events(): AsyncIterable<DriverEvent> {
    const waiting = this.waiting;
    return {
      async *[Symbol.asyncIterator]() {
        yield* (await waiting).events();
      },
    };
  }

  stats(): DriverStats {
    return this.inner ? this.inner.stats() : emptyStats();
  }
}

class ClosedDriver implements Driver {
  constructor(
    readonly id: string,
    readonly kind: string,
  ) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  events(): AsyncIterable<DriverEvent> {
    return { async *[Symbol.asyncIterator]() {} };
  }
  stats(): DriverStats {
    return emptyStats();
  }
}
