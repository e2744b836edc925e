/**
 * A simulated noble binding: the object noble's `with-bindings` entry takes in place of the
 * HCI socket binding (same methods, same events with the same arguments; see
 * drivers/ble/noble.d.ts and noble's lib/hci-socket/bindings.js). Scripted peripherals
 * (./scenarios.ts) advertise, accept or refuse connections, answer GATT discovery, and notify
 * once subscribed. Everything happens on the injected clock, so tests drive it with a
 * ManualClock and the demo bed runs it in real time; no Bluetooth adapter is needed.
 */
import { EventEmitter } from 'node:events';
import type { NobleBindings } from '@abandonware/noble/with-bindings.js';
import type { Clock, TimerHandle } from '../../../src/core/clock.ts';
import { VigilError } from '../../../src/core/errors.ts';
import { Prng } from '../../synthetic/prng.ts';
import { simScenario, simScenarioNames, type SimAction, type SimScenario } from './scenarios.ts';

export interface SimPeripheralSpec {
  address: string;
  /** Built-in scenario name or a scenario object. */
  scenario: string | SimScenario;
  seed?: number;
  rssi?: number;
}

export interface SimulatedBindingOptions {
  clock: Clock;
  /** Adapter state after init (a powered-off adapter, for tests). */
  initialState?: 'poweredOn' | 'poweredOff' | 'unauthorized';
  advertiseEveryMs?: number;
  connectLatencyMs?: number;
  gattLatencyMs?: number;
}

/** HCI disconnect reasons (Bluetooth Core Vol 1 Part F): 0x08 supervision timeout, 0x16 terminated by local host. */
const REASON_TIMEOUT = 0x08;
const REASON_LOCAL = 0x16;

class SimPeripheral {
  readonly uuid: string;
  readonly rng: Prng;
  present = true;
  connected = false;
  muted = false;
  refuse = 0;
  pendingConnect: TimerHandle | null = null;
  readonly streams = new Map<string, { timer: TimerHandle | null; i: number }>();
  readonly scriptTimers: TimerHandle[] = [];

  constructor(
    readonly address: string,
    readonly scenario: SimScenario,
    seed: number,
    readonly rssi: number,
  ) {
    this.uuid = address.toLowerCase().replace(/:/g, '');
    this.rng = new Prng(seed);
  }

  serviceOf(characteristic: string): string | undefined {
    return this.scenario.services.find((s) => s.characteristics.some((c) => c.uuid === characteristic))?.uuid;
  }
}

export class SimulatedBinding extends EventEmitter implements NobleBindings {
  private readonly peripherals = new Map<string, SimPeripheral>();
  private state: 'poweredOn' | 'poweredOff' | 'unauthorized' | null = null;
  private scanning = false;
  private advTimer: TimerHandle | null = null;
  private readonly clock: Clock;
  private readonly opts: Required<Omit<SimulatedBindingOptions, 'clock'>>;
  /** Every notification sent (for tests and the demo's figures). */
  readonly sent = { notifications: 0, connects: 0, refused: 0 };

  constructor(options: SimulatedBindingOptions) {
    super();
    this.clock = options.clock;
    this.opts = { initialState: 'poweredOn', advertiseEveryMs: 1000, connectLatencyMs: 30, gattLatencyMs: 5, ...options };
  }

  /** Switch a scripted peripheral on (its script clock starts now). */
  addPeripheral(spec: SimPeripheralSpec): void {
    const scenario = typeof spec.scenario === 'string' ? simScenario(spec.scenario) : spec.scenario;
    if (!scenario) {
      throw new VigilError('VIGIL_BLE_SCENARIO_UNKNOWN', `no simulated BLE scenario "${String(spec.scenario)}" (known: ${simScenarioNames().join(', ')})`);
    }
    const p = new SimPeripheral(spec.address, scenario, spec.seed ?? 1, spec.rssi ?? -60);
    this.peripherals.set(p.uuid, p);
    this.playScript(p, 0);
  }

  /** Power the simulated adapter off or on (emits stateChange like the real one). */
  setAdapterState(state: 'poweredOn' | 'poweredOff'): void {
    if (state === 'poweredOff') {
      for (const p of this.peripherals.values()) if (p.connected) this.dropLink(p, REASON_TIMEOUT);
      this.scanning = false;
    }
    this.state = state;
    this.emit('stateChange', state);
  }

  /** Stop every timer (the hub is stopping). */
  shutdown(): void {
    if (this.advTimer) this.clock.clearTimeout(this.advTimer);
    this.advTimer = null;
    for (const p of this.peripherals.values()) {
      for (const t of p.scriptTimers) this.clock.clearTimeout(t);
      p.scriptTimers.length = 0;
      this.stopStreams(p);
      if (p.pendingConnect) this.clock.clearTimeout(p.pendingConnect);
    }
  }

  // --- NobleBindings ---------------------------------------------------------------------

  init(): void {
    this.later(0, () => {
      this.state = this.opts.initialState;
      this.emit('stateChange', this.state);
    });
  }

  startScanning(): void {
    this.scanning = true;
    this.later(0, () => this.emit('scanStart', false));
    if (!this.advTimer) this.advertise(100);
  }

  stopScanning(): void {
    this.scanning = false;
    this.later(0, () => this.emit('scanStop'));
  }

  connect(uuid: string): void {
    const p = this.peripherals.get(uuid);
    if (!p || p.connected) return;
    // Out of range: the controller keeps trying until the host cancels (as HCI LE Create Connection does).
    if (!p.present) return;
    p.pendingConnect = this.later(this.opts.connectLatencyMs, () => {
      p.pendingConnect = null;
      if (!p.present) return;
      if (p.refuse > 0) {
        p.refuse--;
        this.sent.refused++;
        this.emit('connect', uuid, new Error('Connection Failed to be Established (0x3e)'));
        return;
      }
      p.connected = true;
      p.muted = false;
      this.sent.connects++;
      this.emit('connect', uuid, null);
    });
  }

  cancelConnect(uuid: string): void {
    const p = this.peripherals.get(uuid);
    if (p?.pendingConnect) this.clock.clearTimeout(p.pendingConnect);
    if (p) p.pendingConnect = null;
  }

  disconnect(uuid: string): void {
    const p = this.peripherals.get(uuid);
    if (p?.connected) this.later(this.opts.gattLatencyMs, () => p.connected && this.dropLink(p, REASON_LOCAL));
  }

  updateRssi(uuid: string): void {
    const p = this.peripherals.get(uuid);
    if (p) this.later(this.opts.gattLatencyMs, () => this.emit('rssiUpdate', uuid, p.rssi));
  }

  discoverServices(uuid: string, uuids: string[] = []): void {
    const p = this.gatt(uuid);
    if (!p) return;
    const all = p.scenario.services.map((s) => s.uuid);
    this.later(this.opts.gattLatencyMs, () => p.connected && this.emit('servicesDiscover', uuid, uuids.length ? all.filter((s) => uuids.includes(s)) : all));
  }

  discoverCharacteristics(uuid: string, serviceUuid: string, characteristicUuids: string[] = []): void {
    const p = this.gatt(uuid);
    const s = p?.scenario.services.find((x) => x.uuid === serviceUuid);
    if (!p || !s) return;
    const list = s.characteristics.filter((c) => characteristicUuids.length === 0 || characteristicUuids.includes(c.uuid));
    this.later(this.opts.gattLatencyMs, () => p.connected && this.emit('characteristicsDiscover', uuid, serviceUuid, list.map((c) => ({ uuid: c.uuid, properties: [...c.properties] }))));
  }

  read(uuid: string, serviceUuid: string, characteristicUuid: string): void {
    const p = this.gatt(uuid);
    if (!p || characteristicUuid !== '2a19') return;
    this.later(this.opts.gattLatencyMs, () => p.connected && this.emit('read', uuid, serviceUuid, characteristicUuid, Buffer.from([p.scenario.battery]), false));
  }

  write(): void {
    // No writable characteristic is simulated.
  }

  notify(uuid: string, serviceUuid: string, characteristicUuid: string, enable: boolean): void {
    const p = this.gatt(uuid);
    if (!p) return;
    this.later(this.opts.gattLatencyMs, () => {
      if (!p.connected) return;
      this.emit('notify', uuid, serviceUuid, characteristicUuid, enable);
      if (enable) {
        // A new subscription revives a muted sensor (what reconnecting fixes on real ones).
        p.muted = false;
        this.startStream(p, characteristicUuid);
      } else this.stopStream(p, characteristicUuid);
    });
  }

  // --- behaviour ---------------------------------------------------------------------------

  private gatt(uuid: string): SimPeripheral | undefined {
    const p = this.peripherals.get(uuid);
    return p?.connected ? p : undefined;
  }

  private advertise(inMs: number): void {
    this.advTimer = this.later(inMs, () => {
      this.advTimer = null;
      if (!this.scanning || this.state !== 'poweredOn') return;
      for (const p of this.peripherals.values()) {
        if (!p.present || p.connected) continue;
        const rssi = p.rssi + Math.round(p.rng.uniform(-4, 4));
        const adv = { localName: p.scenario.localName, serviceUuids: p.scenario.services.map((s) => s.uuid) };
        this.emit('discover', p.uuid, p.address, 'public', true, adv, rssi, true);
      }
      this.advertise(this.opts.advertiseEveryMs);
    });
  }

  private startStream(p: SimPeripheral, characteristic: string): void {
    const def = p.scenario.streams.find((s) => s.characteristic === characteristic);
    if (!def || p.streams.get(characteristic)?.timer) return;
    const st = { timer: null as TimerHandle | null, i: 0 };
    p.streams.set(characteristic, st);
    const tick = (): void => {
      st.timer = this.later(def.periodMs, tick);
      if (!p.connected || p.muted) return;
      this.sendNotification(p, characteristic, def.payload({ i: st.i++, rng: p.rng, wallMs: this.clock.wallMs() }));
    };
    st.timer = this.later(def.firstMs, tick);
  }

  private stopStream(p: SimPeripheral, characteristic: string): void {
    const st = p.streams.get(characteristic);
    if (st?.timer) this.clock.clearTimeout(st.timer);
    p.streams.delete(characteristic);
  }

  private stopStreams(p: SimPeripheral): void {
    for (const c of [...p.streams.keys()]) this.stopStream(p, c);
  }

  private sendNotification(p: SimPeripheral, characteristic: string, data: Buffer): void {
    const service = p.serviceOf(characteristic);
    if (!service) return;
    this.sent.notifications++;
    this.emit('read', p.uuid, service, characteristic, data, true);
  }

  private dropLink(p: SimPeripheral, reason: number): void {
    p.connected = false;
    this.stopStreams(p);
    this.emit('disconnect', p.uuid, reason);
  }

  private playScript(p: SimPeripheral, offsetMs: number): void {
    const s = p.scenario;
    for (const step of s.script) p.scriptTimers.push(this.later(offsetMs + step.atMs, () => this.act(p, step.action)));
    if (s.repeatMs !== null && s.script.length > 0) {
      const repeat = s.repeatMs;
      p.scriptTimers.push(
        this.later(offsetMs + repeat, () => {
          p.scriptTimers.length = 0;
          this.playScript(p, 0);
        }),
      );
    }
  }

  private act(p: SimPeripheral, a: SimAction): void {
    switch (a.do) {
      case 'drop-link':
        if (p.connected) this.dropLink(p, REASON_TIMEOUT);
        break;
      case 'mute':
        p.muted = true;
        break;
      case 'leave':
        p.present = false;
        if (p.connected) this.dropLink(p, REASON_TIMEOUT);
        break;
      case 'return':
        p.present = true;
        break;
      case 'refuse-connects':
        p.refuse = a.count;
        break;
      case 'send':
        if (p.connected && p.streams.has(a.characteristic)) this.sendNotification(p, a.characteristic, Buffer.from(a.bytes));
        break;
    }
  }

  private later(ms: number, fn: () => void): TimerHandle {
    return this.clock.setTimeout(fn, ms);
  }
}
