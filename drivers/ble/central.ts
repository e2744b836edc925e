/**
 * The hub's BLE central over one noble instance (one adapter): scans while a configured
 * device has not been seen yet, hands each discovered device to its link (drivers/ble/link.ts:
 * the per-device state machine), follows the adapter's power state, and serves `vigil ble
 * scan`. Several devices stream at once: noble routes each notification to its peripheral's
 * characteristic, and each link listens only to its own.
 *
 * noble is injected (built with `with-bindings` over the real HCI binding or the simulated
 * one), so this file never loads a native addon.
 */
import type { AdapterState, Noble, Peripheral } from '@abandonware/noble/with-bindings.js';
import type { Clock } from '../../src/core/clock.ts';
import type { Logger } from '../../src/core/log.ts';
import { silentLogger } from '../../src/core/log.ts';
import { BleLink, type BleLinkConfig, type BleLinkSink } from './link.ts';
import { PROFILES, shortUuid } from './profiles/index.ts';

export interface BleCentralDeps {
  clock: Clock;
  logger?: Logger;
  /** Jitter source for reconnect backoff, in [0, 1). */
  random?: () => number;
}

/** One device heard during a scan. */
export interface ScanEntry {
  address: string;
  name: string | null;
  rssi: number;
  connectable: boolean;
  /** Health profiles recognised from the advertised service UUIDs, e.g. ['pulse-oximeter']. */
  profiles: string[];
  /** Every advertised service UUID (noble form). */
  services: string[];
}

export class BleCentral {
  private readonly links = new Set<BleLink>();
  private readonly scanListeners = new Set<(p: Peripheral) => void>();
  private scanning = false;
  private closed = false;
  private adapter: AdapterState = 'unknown';
  private readonly log: Logger;

  constructor(
    readonly noble: Noble,
    private readonly deps: BleCentralDeps,
  ) {
    this.log = deps.logger ?? silentLogger;
    // Registering 'stateChange' is what makes noble initialise its binding (next tick).
    noble.on('stateChange', (s: AdapterState) => this.onState(s));
    noble.on('discover', (p: Peripheral) => this.onDiscover(p));
    noble.on('scanStop', () => {
      this.scanning = false;
      this.updateScan();
    });
    noble.on('warning', (m: string) => this.log.debug('noble warning', { message: m }));
  }

  get adapterState(): AdapterState {
    return this.adapter;
  }

  /** Start managing a configured device; it reports through `sink`. */
  attach(config: BleLinkConfig, sink: BleLinkSink): BleLink {
    const link = new BleLink(config, sink, { clock: this.deps.clock, logger: this.log.child({ device: config.deviceId }), random: this.deps.random });
    this.links.add(link);
    link.start();
    if (this.adapter !== 'poweredOn' && this.adapter !== 'unknown') link.adapterDown(this.adapter);
    this.updateScan();
    return link;
  }

  detach(link: BleLink): void {
    link.close();
    this.links.delete(link);
    this.updateScan();
  }

  /** Listen for advertisements for `ms` and list the devices heard, strongest first. */
  scan(ms: number): Promise<ScanEntry[]> {
    const seen = new Map<string, ScanEntry>();
    const listener = (p: Peripheral): void => {
      const services = (p.advertisement.serviceUuids ?? []).map(shortUuid);
      const profiles = PROFILES.filter((x) => services.includes(x.service)).map((x) => x.id);
      seen.set(p.address.toLowerCase(), {
        address: p.address.toUpperCase(),
        name: p.advertisement.localName ?? null,
        rssi: p.rssi,
        connectable: true,
        profiles,
        services,
      });
    };
    this.scanListeners.add(listener);
    this.updateScan();
    return new Promise((resolve) => {
      this.deps.clock.setTimeout(() => {
        this.scanListeners.delete(listener);
        this.updateScan();
        const all = [...seen.values()];
        // Devices offering a health service first, then by signal strength.
        all.sort((a, b) => Number(b.profiles.length > 0) - Number(a.profiles.length > 0) || b.rssi - a.rssi);
        resolve(all);
      }, ms);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.links) l.close();
    this.links.clear();
    this.scanListeners.clear();
    if (this.scanning) this.noble.stopScanning();
    this.scanning = false;
  }

  private onState(s: AdapterState): void {
    const was = this.adapter;
    this.adapter = s;
    this.log.info('Bluetooth adapter state', { state: s });
    if (s === 'poweredOn') {
      for (const l of this.links) l.adapterUp();
    } else if (was === 'poweredOn' || was === 'unknown') {
      this.scanning = false;
      for (const l of this.links) l.adapterDown(s);
    }
    this.updateScan();
  }

  private onDiscover(p: Peripheral): void {
    for (const f of this.scanListeners) f(p);
    const addr = p.address.toLowerCase();
    for (const l of this.links) if (l.address === addr) l.found(p);
    this.updateScan();
  }

  /** Scan while someone is looking (a link not found yet, or `scan()`), and only then. */
  private updateScan(): void {
    if (this.closed || this.adapter !== 'poweredOn') return;
    const want = this.scanListeners.size > 0 || [...this.links].some((l) => l.needsScan);
    if (want && !this.scanning) {
      this.scanning = true;
      // No service filter: bound devices are matched by address, and `vigil ble scan` lists
      // everything; duplicates allowed so RSSI stays current and a device that comes back is seen.
      this.noble.startScanning([], true, (err) => {
        if (err) {
          this.scanning = false;
          this.log.warn('BLE scan could not start', { err: err.message });
        }
      });
    } else if (!want && this.scanning) {
      this.scanning = false;
      this.noble.stopScanning();
    }
  }
}

