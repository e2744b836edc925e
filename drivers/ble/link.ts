/**
 * One configured BLE device's connection state machine, over a noble Peripheral:
 *
 *   searching --found--> connecting --connect--> discovering --subscribed--> connected
 *       ^                    |  timeout/error         | timeout/missing         |  link loss /
 *       |                    v                        v                         |  watchdog
 *       +---(not found)--- disconnected <--- retry after capped backoff + jitter <-+
 *
 * Every (re)connection discovers services and characteristics again and re-subscribes: a
 * peripheral's GATT handles may change between connections, and noble drops subscriptions
 * with the link. A watchdog reports a connected device that stopped notifying ('stale') and,
 * one period later, drops the link so the reconnection re-subscribes. A device that stays
 * unreachable longer than `goneAfterMs` becomes 'gone' (a technical alarm condition) until it
 * is connected again; while gone the retries go on silently (logs only), so the store does not
 * fill with one 'disconnected' event per attempt.
 *
 * Callbacks from noble that arrive after the link moved on (a late connect after a timeout)
 * are recognised by the attempt number and ignored.
 */
import type { Characteristic, Peripheral, Service } from '@abandonware/noble/with-bindings.js';
import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { errorMessage } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log.ts';
import { Backoff } from '../backoff.ts';
import type { DeviceState } from '../contract.ts';
import { PROFILES, shortUuid, type BleProfileId, type CharacteristicDef, type ProfileDef } from './profiles/index.ts';

export interface BleLinkConfig {
  deviceId: string;
  /** "AA:BB:CC:DD:EE:FF" (any case). */
  address: string;
  /** Profiles to use; null: every profile in the table the device offers. */
  profiles: readonly BleProfileId[] | null;
  reconnect: { baseMs: number; capMs: number };
  connectTimeoutMs: number;
  /** Service/characteristic discovery and subscription, each step. */
  gattTimeoutMs: number;
  /** Connected without a notification this long: 'stale' (0: no watchdog). */
  watchdogMs: number;
  /** Unreachable this long: 'gone' (0: never). */
  goneAfterMs: number;
}

export interface StatusInfo {
  code?: string;
  detail?: string;
  retryInMs?: number;
}

/** Where a link reports to (the driver). */
export interface BleLinkSink {
  status(state: DeviceState, info: StatusInfo): void;
  data(profile: ProfileDef, characteristic: CharacteristicDef, data: Buffer): void;
}

export interface BleLinkDeps {
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

type Phase = 'searching' | 'connecting' | 'discovering' | 'connected' | 'stale' | 'waiting' | 'closed';

interface Subscription {
  characteristic: Characteristic;
  listener: (data: Buffer, isNotification: boolean) => void;
}

export class BleLink {
  readonly address: string;
  peripheral: Peripheral | null = null;
  private phase: Phase = 'searching';
  private attempt = 0;
  private timer: TimerHandle | null = null;
  private watchdog: TimerHandle | null = null;
  private goneTimer: TimerHandle | null = null;
  private gone = false;
  private lastDataAt = 0;
  private lastState: DeviceState | null = null;
  private subscriptions: Subscription[] = [];
  private readonly backoff: Backoff;
  private readonly profiles: readonly ProfileDef[];
  readonly counters = { reconnects: 0, notifications: 0, failedAttempts: 0 };

  constructor(
    readonly config: BleLinkConfig,
    private readonly sink: BleLinkSink,
    private readonly deps: BleLinkDeps,
  ) {
    this.address = config.address.toLowerCase();
    this.backoff = new Backoff({ ...config.reconnect, random: deps.random });
    this.profiles = config.profiles === null ? PROFILES : PROFILES.filter((p) => config.profiles?.includes(p.id));
  }

  get isGone(): boolean {
    return this.gone;
  }

  get needsScan(): boolean {
    return this.phase !== 'closed' && this.peripheral === null;
  }

  start(): void {
    this.emit('connecting', { detail: `searching for ${this.config.address}` });
    this.armGone();
  }

  /** The adapter cannot be used now (powered off, unauthorized ...): every attempt waits for it. */
  adapterDown(state: string): void {
    if (this.phase === 'closed') return;
    this.attempt++;
    this.clearTimer();
    this.stopWatchdog();
    this.dropSubscriptions();
    if (this.phase === 'connected' || this.phase === 'stale') this.counters.reconnects++;
    this.phase = this.peripheral ? 'waiting' : 'searching';
    this.emit('disconnected', { code: 'VIGIL_BLE_UNAVAILABLE', detail: `Bluetooth adapter ${state}` });
    this.armGone();
  }

  /** The adapter is back: reconnect at once. */
  adapterUp(): void {
    if (this.phase === 'waiting') this.connectNow();
  }

  /** The scan saw this device. */
  found(p: Peripheral): void {
    if (this.phase === 'closed' || this.peripheral !== null) return;
    this.peripheral = p;
    p.on('disconnect', (reason: unknown) => this.onDisconnect(reason));
    this.connectNow();
  }

  close(): void {
    if (this.phase === 'closed') return;
    const was = this.phase;
    this.phase = 'closed';
    this.attempt++;
    this.clearTimer();
    this.stopWatchdog();
    if (this.goneTimer) this.deps.clock.clearTimeout(this.goneTimer);
    this.goneTimer = null;
    this.dropSubscriptions();
    const p = this.peripheral;
    if (p) {
      if (was === 'connecting') p.cancelConnect();
      else if (p.state === 'connected') p.disconnect();
    }
    this.emit('closed', {});
  }

  private connectNow(): void {
    const p = this.peripheral;
    if (!p || this.phase === 'closed') return;
    const gen = ++this.attempt;
    this.clearTimer();
    this.phase = 'connecting';
    this.emit('connecting', { detail: `connecting to ${this.config.address}` });
    this.timer = this.deps.clock.setTimeout(() => {
      if (gen !== this.attempt) return;
      this.attempt++;
      // noble answers a cancel with a 'connect' error event, which the attempt number turns away.
      p.cancelConnect();
      this.retry('VIGIL_BLE_CONNECT_FAILED', `no connection within ${this.config.connectTimeoutMs} ms (out of range or not advertising)`);
    }, this.config.connectTimeoutMs);
    p.connect((err) => {
      if (gen !== this.attempt) return;
      this.clearTimer();
      if (err) this.retry('VIGIL_BLE_CONNECT_FAILED', errorMessage(err));
      else this.discover(gen, p);
    });
  }

  private discover(gen: number, p: Peripheral): void {
    this.phase = 'discovering';
    this.gattTimeout(gen, 'service discovery');
    const wanted = this.profiles.map((x) => x.service);
    p.discoverServices(wanted, (_err, services) => {
      if (gen !== this.attempt) return;
      const found: { profile: ProfileDef; service: Service }[] = [];
      for (const s of services ?? []) {
        const profile = this.profiles.find((x) => x.service === shortUuid(s.uuid));
        if (profile) found.push({ profile, service: s });
      }
      if (!found.some((f) => f.profile.id !== 'battery')) {
        this.failConnected('VIGIL_BLE_PROFILE_MISSING', `offers none of the services ${this.profiles.map((x) => `${x.name} (0x${x.service})`).join(', ')}`);
        return;
      }
      this.clearTimer();
      this.gattTimeout(gen, 'characteristic discovery');
      let pending = found.length;
      const chars: { profile: ProfileDef; def: CharacteristicDef; ch: Characteristic }[] = [];
      for (const f of found) {
        f.service.discoverCharacteristics(
          f.profile.characteristics.map((c) => c.uuid),
          (_e, list) => {
            if (gen !== this.attempt) return;
            for (const ch of list ?? []) {
              const def = f.profile.characteristics.find((c) => c.uuid === shortUuid(ch.uuid));
              if (def) chars.push({ profile: f.profile, def, ch });
            }
            if (--pending === 0) this.subscribe(gen, chars);
          },
        );
      }
    });
  }

  private subscribe(gen: number, chars: { profile: ProfileDef; def: CharacteristicDef; ch: Characteristic }[]): void {
    this.clearTimer();
    const usable = chars.filter((c) => c.profile.id !== 'battery');
    if (usable.length === 0) {
      this.failConnected('VIGIL_BLE_PROFILE_MISSING', 'none of the measurement characteristics is offered');
      return;
    }
    this.gattTimeout(gen, 'subscription');
    let pending = 0;
    const done = (): void => {
      if (gen === this.attempt && --pending === 0) this.connected();
    };
    for (const c of chars) {
      const listener = (data: Buffer): void => this.onData(gen, c.profile, c.def, data);
      c.ch.on('data', listener);
      this.subscriptions.push({ characteristic: c.ch, listener });
      // Notifications and indications both arrive as 'data'; noble enables the right one from
      // the characteristic's properties when it writes the CCCD.
      const canSubscribe = c.ch.properties.includes('notify') || c.ch.properties.includes('indicate');
      if (c.def.mode === 'read' && c.ch.properties.includes('read')) c.ch.read();
      if (canSubscribe) {
        pending++;
        c.ch.subscribe(() => done());
      }
    }
    if (pending === 0) {
      pending = 1;
      done();
    }
  }

  private connected(): void {
    this.clearTimer();
    this.backoff.reset();
    this.phase = 'connected';
    this.lastDataAt = this.deps.clock.monotonicMs();
    const back = this.gone;
    if (this.goneTimer) this.deps.clock.clearTimeout(this.goneTimer);
    this.goneTimer = null;
    this.gone = false;
    this.emit('connected', back ? { detail: 'device back' } : {});
    this.armWatchdog();
  }

  private onData(gen: number, profile: ProfileDef, def: CharacteristicDef, data: Buffer): void {
    if (gen !== this.attempt || this.phase === 'closed') return;
    this.counters.notifications++;
    this.lastDataAt = this.deps.clock.monotonicMs();
    if (this.phase === 'stale') {
      this.phase = 'connected';
      this.emit('connected', { detail: 'notifications resumed' });
    }
    this.sink.data(profile, def, data);
  }

  private onDisconnect(reason: unknown): void {
    if (this.phase === 'closed' || this.phase === 'waiting' || this.phase === 'searching') return;
    this.retry('VIGIL_DRIVER_DISCONNECTED', `link lost${typeof reason === 'number' ? ` (HCI reason 0x${reason.toString(16)})` : ''}`);
  }

  /** Give up on this connection (GATT step failed) and retry; the link is dropped first. */
  private failConnected(code: string, detail: string): void {
    const p = this.peripheral;
    this.retry(code, detail);
    if (p && p.state === 'connected') p.disconnect();
  }

  private retry(code: string, detail: string): void {
    if (this.phase === 'closed') return;
    if (this.phase === 'connected' || this.phase === 'stale') this.counters.reconnects++;
    else this.counters.failedAttempts++;
    this.attempt++;
    this.clearTimer();
    this.stopWatchdog();
    this.dropSubscriptions();
    this.phase = 'waiting';
    const delay = this.backoff.next();
    this.deps.logger.debug('BLE attempt failed', { device: this.config.deviceId, code, detail, retryInMs: delay });
    this.emit('disconnected', { code, detail, retryInMs: delay });
    this.armGone();
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.connectNow();
    }, delay);
  }

  private gattTimeout(gen: number, what: string): void {
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      if (gen === this.attempt) this.failConnected('VIGIL_BLE_GATT_TIMEOUT', `${what} did not finish within ${this.config.gattTimeoutMs} ms`);
    }, this.config.gattTimeoutMs);
  }

  private armWatchdog(): void {
    const t = this.config.watchdogMs;
    if (t <= 0) return;
    this.watchdog = this.deps.clock.setTimeout(() => {
      this.watchdog = null;
      if (this.phase !== 'connected' && this.phase !== 'stale') return;
      const silent = this.deps.clock.monotonicMs() - this.lastDataAt;
      if (this.phase === 'stale' && silent >= 2 * t) {
        // Still silent one period after 'stale': drop the link; reconnecting re-subscribes.
        this.failConnected('VIGIL_BLE_NO_NOTIFICATIONS', `no notification for ${Math.round(silent)} ms: reconnecting`);
        return;
      }
      if (this.phase === 'connected' && silent >= t) {
        this.phase = 'stale';
        this.emit('stale', { code: 'VIGIL_BLE_NO_NOTIFICATIONS', detail: `no notification for ${Math.round(silent)} ms` });
      }
      this.armWatchdog();
    }, Math.max(50, t / 4));
  }

  private armGone(): void {
    const t = this.config.goneAfterMs;
    if (t <= 0 || this.gone || this.goneTimer !== null || this.phase === 'closed') return;
    this.goneTimer = this.deps.clock.setTimeout(() => {
      this.goneTimer = null;
      if (this.phase === 'connected' || this.phase === 'stale' || this.phase === 'closed') return;
      this.gone = true;
      this.emit('gone', { code: 'VIGIL_BLE_DEVICE_GONE', detail: `not connected for ${Math.round(t / 1000)} s; still trying` });
    }, t);
  }

  private emit(state: DeviceState, info: StatusInfo): void {
    // While gone, the attempts go on without one event each: 'gone' holds until connected.
    if (this.gone && state !== 'gone' && state !== 'connected' && state !== 'closed') return;
    // One event per change of state; each failed attempt is reported (with its retry delay).
    if (state === this.lastState && state !== 'disconnected') return;
    this.lastState = state;
    this.sink.status(state, info);
  }

  private dropSubscriptions(): void {
    for (const s of this.subscriptions) s.characteristic.removeListener('data', s.listener);
    this.subscriptions = [];
  }

  private clearTimer(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private stopWatchdog(): void {
    if (this.watchdog) this.deps.clock.clearTimeout(this.watchdog);
    this.watchdog = null;
  }
}
