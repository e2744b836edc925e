/**
 * The one Driver contract every device source implements (serial boards, WFDB replay,
 * synthetic patient, BLE later). Bytes -> frames -> protocol -> Driver: only this last
 * layer is seen by the rest of the hub.
 */

/** Description of one channel in a sample block. Physical value = (raw - baseline) / gain. */
export interface ChannelInfo {
  /** Signal name, e.g. "ECG", "MLII", "V1", "RESP", "PPG_IR". */
  readonly name: string;
  /** Physical units after scaling, e.g. "mV". */
  readonly units: string;
  /** ADC units per physical unit (WFDB convention: 200 means 200 units per mV). */
  readonly gain: number;
  /** ADC value of physical zero. */
  readonly baseline: number;
  /** Samples per second. */
  readonly sampleRate: number;
}

/**
 * A block of consecutive samples for all channels of one device.
 * `data[c][i]` is sample i of channel c, raw integer ADC units.
 */
export interface SampleBlock {
  readonly kind: 'samples';
  readonly deviceId: string;
  /** Block sequence number, +1 per block from this driver instance, never reused. */
  readonly seq: number;
  /**
   * Index of the first sample in the device's sample stream since the driver opened.
   * Consecutive blocks are contiguous unless `gap` says otherwise.
   */
  readonly firstSample: number;
  /**
   * Samples lost right before this block: 0 when contiguous, N > 0 when the driver knows how
   * many, -1 when some were lost but the count is unknown (e.g. after a serial reconnect:
   * OpenView packets carry no sequence number).
   */
  readonly gap: number;
  readonly channels: readonly ChannelInfo[];
  readonly data: readonly Int32Array[];
  /** Samples per channel in this block. */
  readonly length: number;
  /** Device's own timestamp of the first sample in ms, when the device has one. */
  readonly deviceTimeMs: number | null;
  /** Hub monotonic time (ms) of the first sample. */
  readonly hubTimeMs: number;
  /** Wall-clock (epoch ms) of the first sample, as estimated by the hub. */
  readonly wallTimeMs: number;
}

export type MetricName =
  | 'hr'
  | 'spo2'
  | 'pulse_rate'
  | 'resp_rate'
  | 'temp'
  | 'nibp_sys'
  | 'nibp_dia'
  | 'nibp_map'
  | 'battery'
  /** One beat-to-beat interval reported by a heart-rate sensor (BLE 0x2A37), in s. */
  | 'rr_interval';

/** One numeric vital sign reported by a device. */
export interface Measurement {
  readonly kind: 'measurement';
  readonly deviceId: string;
  readonly metric: MetricName;
  /** null when the device reported "no valid value". */
  readonly value: number | null;
  /** UCUM unit: "/min", "%", "Cel", "mm[Hg]". */
  readonly unit: string;
  /**
   * Digits after the decimal point the device reported (BLE: the IEEE 11073 exponent), when
   * known: 98 % and 98.0 % are different statements of precision.
   */
  readonly decimals?: number;
  readonly deviceTimeMs: number | null;
  readonly hubTimeMs: number;
  readonly wallTimeMs: number;
}

export type DeviceState =
  | 'connecting'
  | 'connected'
  | 'disconnected'
  | 'lead-off'
  | 'lead-on'
  | 'sensor-fault'
  /** Connected, but the device stopped notifying (BLE watchdog). */
  | 'stale'
  /** Out of reach longer than the configured time: a technical alarm condition (BLE); still retrying. */
  | 'gone'
  | 'closed';

export interface StatusEvent {
  readonly kind: 'status';
  readonly deviceId: string;
  readonly state: DeviceState;
  /** Stable error code when the state is caused by an error. */
  readonly code?: string;
  readonly detail?: string;
  /** For 'disconnected': milliseconds until the next attempt. */
  readonly retryInMs?: number;
  readonly hubTimeMs: number;
  readonly wallTimeMs: number;
}

export type DriverEvent = SampleBlock | Measurement | StatusEvent;

export interface DriverStats {
  blocks: number;
  samples: number;
  measurements: number;
  /** Bytes or frames discarded by the protocol layer (garbage, truncated, unknown type). */
  droppedBytes: number;
  droppedFrames: number;
  /** Events dropped because the consumer fell behind. */
  overflow: number;
  reconnects: number;
}

export interface Driver {
  readonly id: string;
  /** Driver kind, e.g. "openview-serial", "wfdb-replay", "synthetic". */
  readonly kind: string;
  /** Starts the driver. Resolves when started, not necessarily connected: connection is reported as status events. */
  open(): Promise<void>;
  /** Stops the driver, ends `events()`. Idempotent. */
  close(): Promise<void>;
  /** The event stream. Single consumer; ends after close(). */
  events(): AsyncIterable<DriverEvent>;
  stats(): DriverStats;
}

export function emptyStats(): DriverStats {
  return { blocks: 0, samples: 0, measurements: 0, droppedBytes: 0, droppedFrames: 0, overflow: 0, reconnects: 0 };
}
