/**
 * The part of @abandonware/noble Vigil uses, declared here because its shipped typings cover
 * only the default entry (which opens the HCI socket on import and throws EAFNOSUPPORT on a
 * host without Bluetooth). Vigil loads `with-bindings` and passes a binding: the real HCI one
 * on a hub, the simulated one (drivers/ble/sim) in tests and the demo bed.
 * Checked against noble 1.9.2-26 lib/noble.js, lib/peripheral.js, lib/characteristic.js and
 * lib/hci-socket/bindings.js.
 */
declare module '@abandonware/noble/with-bindings.js' {
  import type { EventEmitter } from 'node:events';

  export type AdapterState = 'unknown' | 'resetting' | 'unsupported' | 'unauthorized' | 'poweredOff' | 'poweredOn';

  export interface Advertisement {
    localName?: string;
    serviceUuids?: string[];
    serviceData?: { uuid: string; data: Buffer }[];
    manufacturerData?: Buffer;
    txPowerLevel?: number;
  }

  export interface CharacteristicDescription {
    uuid: string;
    properties: string[];
  }

  /**
   * What noble calls on a binding (methods) and listens for (events, emitted with these
   * arguments): stateChange(state), scanStart(filterDuplicates), scanStop(),
   * discover(uuid, address, addressType, connectable, advertisement, rssi, scannable),
   * connect(uuid, error|null), disconnect(uuid, reason), servicesDiscover(uuid, serviceUuids),
   * characteristicsDiscover(uuid, serviceUuid, CharacteristicDescription[]),
   * read(uuid, serviceUuid, characteristicUuid, data, isNotification),
   * notify(uuid, serviceUuid, characteristicUuid, state), rssiUpdate(uuid, rssi).
   */
  export interface NobleBindings extends EventEmitter {
    init(): void;
    startScanning(serviceUuids?: string[], allowDuplicates?: boolean): void;
    stopScanning(): void;
    connect(peripheralUuid: string, parameters?: unknown): void;
    cancelConnect(peripheralUuid: string, parameters?: unknown): void;
    disconnect(peripheralUuid: string): void;
    updateRssi(peripheralUuid: string): void;
    discoverServices(peripheralUuid: string, uuids?: string[]): void;
    discoverCharacteristics(peripheralUuid: string, serviceUuid: string, characteristicUuids?: string[]): void;
    read(peripheralUuid: string, serviceUuid: string, characteristicUuid: string): void;
    write(peripheralUuid: string, serviceUuid: string, characteristicUuid: string, data: Buffer, withoutResponse: boolean): void;
    notify(peripheralUuid: string, serviceUuid: string, characteristicUuid: string, notify: boolean): void;
    setScanParameters?(interval: number, window: number): void;
    reset?(): void;
  }

  export interface Characteristic extends EventEmitter {
    readonly uuid: string;
    readonly properties: string[];
    read(callback?: (error: Error | null, data: Buffer) => void): void;
    subscribe(callback?: (error: Error | null) => void): void;
    unsubscribe(callback?: (error: Error | null) => void): void;
    on(event: 'data', listener: (data: Buffer, isNotification: boolean) => void): this;
  }

  export interface Service extends EventEmitter {
    readonly uuid: string;
    characteristics: Characteristic[] | null;
    discoverCharacteristics(uuids: string[], callback?: (error: Error | null, characteristics: Characteristic[]) => void): void;
  }

  export interface Peripheral extends EventEmitter {
    readonly id: string;
    readonly address: string;
    readonly addressType: string;
    readonly advertisement: Advertisement;
    rssi: number;
    state: 'disconnected' | 'connecting' | 'connected' | 'disconnecting' | 'error';
    connect(callback?: (error?: Error | null) => void): void;
    cancelConnect(): void;
    disconnect(callback?: () => void): void;
    discoverServices(uuids: string[], callback?: (error: Error | null, services: Service[]) => void): void;
  }

  export interface Noble extends EventEmitter {
    readonly state: AdapterState;
    startScanning(serviceUuids: string[], allowDuplicates: boolean, callback?: (error: Error | null) => void): void;
    stopScanning(callback?: () => void): void;
    on(event: 'stateChange', listener: (state: AdapterState) => void): this;
    on(event: 'discover', listener: (peripheral: Peripheral) => void): this;
    on(event: 'warning', listener: (message: string) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  const withBindings: (bindings: NobleBindings) => Noble;
  export default withBindings;
}

declare module '@abandonware/noble/lib/hci-socket/bindings.js' {
  import type { NobleBindings } from '@abandonware/noble/with-bindings.js';
  const HciBindings: new (options: { deviceId?: number; extended?: boolean }) => NobleBindings;
  export default HciBindings;
}
