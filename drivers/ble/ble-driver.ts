/**
 * One configured BLE health device as a Driver (drivers/contract.ts), like the serial
 * drivers: measurements and status events into the same pipeline (store, alarms, uplink).
 * The connection itself is the link's business (./link.ts) on the hub's shared central
 * (./host.ts); this class turns notifications into Measurements through the profile table and
 * never lets a bad payload stop the device (it is counted in droppedFrames and logged).
 *
 * Times: every measurement is stamped on arrival (hub monotonic and wall clock); when the
 * profile carries the device's own time stamp (BP, thermometer, PLX spot-check), that goes in
 * deviceTimeMs as well.
 */
import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { AsyncChannel } from '../../src/core/channel.ts';
import { errorMessage, isVigilError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Backoff } from '../backoff.ts';
import type { DeviceState, Driver, DriverEvent, DriverStats } from '../contract.ts';
import { emptyStats } from '../contract.ts';
import type { BleBindingKind, BleHost } from './host.ts';
import type { BleLink, BleLinkSink, StatusInfo } from './link.ts';
import { PROFILES, type BleProfileId, type Decoded } from './profiles/index.ts';

export interface BleDriverOptions {
  deviceId: string;
  address: string;
  profiles: readonly BleProfileId[] | null;
  binding: BleBindingKind;
  /** Simulated binding: the scripted peripheral played at `address`. */
  scenario: string;
  seed: number;
  reconnect: { baseMs: number; capMs: number };
  connectTimeoutMs: number;
  gattTimeoutMs: number;
  /** null: 5 s for devices with a continuous profile (HR, PLX), off for spot-check devices. */
  watchdogMs: number | null;
  /** null: 60 s for devices with a continuous profile, off for spot-check devices (a cuff sleeps between readings). */
  goneAlarmAfterS: number | null;
}

export interface BleDriverDeps {
  host: BleHost;
  clock: Clock;
  logger?: Logger;
  queueCapacity?: number;
}

/** Defaults taken when the configuration leaves them null. */
export const CONTINUOUS_WATCHDOG_MS = 5000;
export const CONTINUOUS_GONE_AFTER_S = 60;

export class BleDriver implements Driver {
  readonly kind = 'ble';
  readonly id: string;
  private readonly channel: AsyncChannel<DriverEvent>;
  private readonly log: Logger;
  private link: BleLink | null = null;
  private started = false;
  private closing = false;
  private sensorOff = false;
  private loggedBad = 0;
  private radioRetry: TimerHandle | null = null;
  private readonly radioBackoff: Backoff;
  private readonly counters: DriverStats = emptyStats();

  constructor(
    private readonly opts: BleDriverOptions,
    private readonly deps: BleDriverDeps,
  ) {
    this.id = opts.deviceId;
    this.log = (deps.logger ?? silentLogger).child({ device: opts.deviceId, address: opts.address });
    this.channel = new AsyncChannel<DriverEvent>(deps.queueCapacity ?? 4096);
    // A missing adapter (a USB dongle not plugged yet) is retried, slowly.
    this.radioBackoff = new Backoff({ baseMs: Math.max(1000, opts.reconnect.baseMs), capMs: Math.max(60_000, opts.reconnect.capMs) });
  }

  events(): AsyncIterable<DriverEvent> {
    return this.channel;
  }

  stats(): DriverStats {
    return { ...this.counters, reconnects: this.link?.counters.reconnects ?? 0, overflow: this.channel.dropped };
  }

  async open(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.attach();
  }

  async close(): Promise<void> {
    if (this.closing || !this.started) return;
    this.closing = true;
    if (this.radioRetry) this.deps.clock.clearTimeout(this.radioRetry);
    this.radioRetry = null;
    if (this.link) {
      const link = this.link;
      this.link = null;
      // The link reports 'closed' through the sink.
      (await this.deps.host.radio(this.opts.binding).catch(() => null))?.central.detach(link);
    }
    this.status('closed', {});
    this.channel.close();
  }

  private async attach(): Promise<void> {
    let radio;
    try {
      radio = await this.deps.host.radio(this.opts.binding);
    } catch (e: unknown) {
      if (this.closing) return;
      const delay = this.radioBackoff.next();
      const code = isVigilError(e) ? e.code : 'VIGIL_BLE_UNAVAILABLE';
      this.log.error('BLE unavailable: the device cannot be reached; the rest of the bed runs on', { code, err: errorMessage(e), retryInMs: delay });
      this.status('disconnected', { code, detail: errorMessage(e), retryInMs: delay });
      this.radioRetry = this.deps.clock.setTimeout(() => {
        this.radioRetry = null;
        void this.attach();
      }, delay);
      return;
    }
    if (this.closing) return;
    // An unknown scenario is a configuration mistake: it stops the start like a missing record file.
    radio.simulation?.addPeripheral({ address: this.opts.address, scenario: this.opts.scenario, seed: this.opts.seed });
    const continuous = this.continuous();
    const sink: BleLinkSink = {
      status: (state, info) => this.onLinkStatus(state, info),
      data: (profile, def, data) => this.onData(profile.id, def.decode, data),
    };
    this.link = radio.central.attach(
      {
        deviceId: this.id,
        address: this.opts.address,
        profiles: this.opts.profiles,
        reconnect: this.opts.reconnect,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        gattTimeoutMs: this.opts.gattTimeoutMs,
        watchdogMs: this.opts.watchdogMs ?? (continuous ? CONTINUOUS_WATCHDOG_MS : 0),
        goneAfterMs: (this.opts.goneAlarmAfterS ?? (continuous ? CONTINUOUS_GONE_AFTER_S : 0)) * 1000,
      },
      sink,
    );
  }

  /** Whether the profiles this device is bound to send on their own (HR, PLX); unknown (null) counts as continuous. */
  private continuous(): boolean {
    const ids = this.opts.profiles;
    if (ids === null) return true;
    return PROFILES.some((p) => p.continuous && ids.includes(p.id));
  }

  private onLinkStatus(state: DeviceState, info: StatusInfo): void {
    if (state !== 'connected') this.sensorOff = false;
    if (state === 'closed' && this.closing) return; // close() reports it once
    this.status(state, info);
  }

  private onData(profile: BleProfileId, decode: (d: Uint8Array) => Decoded, data: Buffer): void {
    if (this.closing) return;
    const d = decode(data);
    if (!d.ok) {
      this.counters.droppedFrames++;
      this.counters.droppedBytes += data.length;
      // The first few in full, then quietly: a broken sensor must not flood the log.
      const level = this.loggedBad++ < 5 ? 'warn' : 'debug';
      this.log[level]('BLE payload rejected', { profile, code: d.code, detail: d.detail, bytes: data.toString('hex') });
      return;
    }
    const hubTimeMs = this.deps.clock.monotonicMs();
    const wallTimeMs = this.deps.clock.wallMs();
    if (d.sensorOff !== this.sensorOff) {
      this.sensorOff = d.sensorOff;
      if (d.sensorOff) this.status('sensor-fault', { code: 'VIGIL_BLE_SENSOR_OFF', detail: d.detail ?? 'sensor off the patient' });
      else this.status('connected', { detail: 'sensor back on the patient' });
    }
    for (const r of d.readings) {
      this.counters.measurements++;
      this.channel.push({ kind: 'measurement', deviceId: this.id, metric: r.metric, value: r.value, unit: r.unit, decimals: r.decimals, deviceTimeMs: r.deviceTimeMs, hubTimeMs, wallTimeMs });
    }
  }

  private status(state: DeviceState, info: StatusInfo): void {
    const now = { hubTimeMs: this.deps.clock.monotonicMs(), wallTimeMs: this.deps.clock.wallMs() };
    this.channel.push({ kind: 'status', deviceId: this.id, state, ...info, ...now });
    const level = state === 'disconnected' || state === 'gone' || state === 'stale' ? 'warn' : 'info';
    this.log[level](`BLE device ${state}`, { ...info });
  }
}
