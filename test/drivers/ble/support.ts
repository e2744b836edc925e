/**
 * BLE test plumbing: real noble (`with-bindings`) over the simulated binding, on a
 * ManualClock; a recording link sink; time stepping that lets noble's nextTick/microtask hops run.
 */
import type { DeviceState } from '../../../drivers/contract.ts';
import { BleCentral } from '../../../drivers/ble/central.ts';
import { withBindings } from '../../../drivers/ble/host.ts';
import type { BleLinkConfig, BleLinkSink, StatusInfo } from '../../../drivers/ble/link.ts';
import { SimulatedBinding, type SimulatedBindingOptions } from '../../../drivers/ble/sim/binding.ts';
import { ManualClock } from '../../../src/core/clock.ts';
import { mulberry32 } from '../../support/prng.ts';

export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Advance the clock by `ms` in `step` slices, letting promise/nextTick work run in between. */
export async function run(clock: ManualClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

export async function simRadio(opts: Partial<SimulatedBindingOptions> = {}): Promise<{ clock: ManualClock; binding: SimulatedBinding; central: BleCentral }> {
  const clock = new ManualClock();
  const binding = new SimulatedBinding({ clock, ...opts });
  const noble = await withBindings(binding);
  const central = new BleCentral(noble, { clock, random: mulberry32(7) });
  await flush();
  await run(clock, 10);
  return { clock, binding, central };
}

export interface Recorded {
  t: number;
  state: DeviceState;
  info: StatusInfo;
}

export class RecordingSink implements BleLinkSink {
  readonly statuses: Recorded[] = [];
  readonly received: { t: number; characteristic: string; bytes: Buffer }[] = [];
  constructor(private readonly clock: ManualClock) {}
  status(state: DeviceState, info: StatusInfo): void {
    this.statuses.push({ t: this.clock.monotonicMs(), state, info });
  }
  data(_p: unknown, c: { uuid: string }, bytes: Buffer): void {
    this.received.push({ t: this.clock.monotonicMs(), characteristic: c.uuid, bytes });
  }
  states(): string[] {
    return this.statuses.map((s) => s.state);
  }
  last(): Recorded | undefined {
    return this.statuses[this.statuses.length - 1];
  }
  dataAfter(t: number): number {
    return this.received.filter((d) => d.t > t).length;
  }
}

export function linkConfig(address: string, over: Partial<BleLinkConfig> = {}): BleLinkConfig {
  return {
    deviceId: `dev-${address.slice(-2)}`,
    address,
    profiles: null,
    reconnect: { baseMs: 1000, capMs: 8000 },
    connectTimeoutMs: 5000,
    gattTimeoutMs: 2000,
    watchdogMs: 0,
    goneAfterMs: 0,
    ...over,
  };
}
