/**
 * Pulse Oximeter Service (0x1822; PLXS 1.0, GATT Specification Supplement 3.166/3.167).
 * Little endian; SpO2 (%) and pulse rate (/min) are SFLOATs.
 *
 * PLX Continuous Measurement (0x2A5F, notify):
 *   flags uint8: b0 SpO2PR-Fast present, b1 SpO2PR-Slow present, b2 measurement status
 *   present, b3 device and sensor status present, b4 pulse amplitude index present.
 *   SpO2PR-Normal (SpO2, PR), [Fast pair], [Slow pair], [measurement status uint16],
 *   [device and sensor status uint24], [PAI SFLOAT, %].
 * PLX Spot-check Measurement (0x2A5E, indicate):
 *   flags uint8: b0 timestamp present, b1 measurement status present, b2 device and sensor
 *   status present, b3 PAI present, b4 device clock is not set.
 *   SpO2, PR, [timestamp (Date Time, 7 bytes)], [measurement status], [device and sensor
 *   status], [PAI].
 */
import type { MderFloat } from '../sfloat.ts';
import { bitNames, ok, parseWith, type Cursor, type DateTime, type ParseResult } from './common.ts';

/** PLXS 3.1.1.3 Measurement Status: bits 0-4 RFU. */
export const PLX_MEASUREMENT_STATUS_BITS = [
  null, null, null, null, null,
  'measurement-ongoing',
  'early-estimated-data',
  'validated-data',
  'fully-qualified-data',
  'data-from-storage',
  'data-for-demonstration',
  'data-for-testing',
  'calibration-ongoing',
  'measurement-unavailable',
  'questionable-measurement',
  'invalid-measurement',
] as const;

/** PLXS 3.1.1.4 Device and Sensor Status: bits 16-23 RFU. */
export const PLX_DEVICE_STATUS_BITS = [
  'extended-display-update-ongoing',
  'equipment-malfunction',
  'signal-processing-irregularity',
  'inadequate-signal',
  'poor-signal',
  'low-perfusion',
  'erratic-signal',
  'non-pulsatile-signal',
  'questionable-pulse',
  'signal-analysis-ongoing',
  'sensor-interference',
  'sensor-unconnected-to-user',
  'unknown-sensor-connected',
  'sensor-displaced',
  'sensor-malfunctioning',
  'sensor-disconnected',
] as const;

/** Measurement status bits that make the reading unusable. */
const MEAS_INVALID = (1 << 13) | (1 << 15);
/** Device/sensor status bits meaning the probe is not measuring the patient. */
const SENSOR_OFF = (1 << 11) | (1 << 13) | (1 << 15);

export interface SpO2Pr {
  readonly spo2: MderFloat;
  readonly pulseRate: MderFloat;
}

export interface PlxStatus {
  /** Raw 16-bit measurement status, or null when absent. */
  readonly measurementStatus: number | null;
  /** Raw 24-bit device and sensor status, or null when absent. */
  readonly deviceStatus: number | null;
  readonly measurementFlags: readonly string[];
  readonly deviceFlags: readonly string[];
  /** 'measurement-unavailable' or 'invalid-measurement' set: SpO2/PR are not to be used. */
  readonly invalid: boolean;
  /** The probe reports itself off the patient (unconnected, displaced, disconnected). */
  readonly sensorOff: boolean;
}

export interface PlxContinuous extends PlxStatus {
  readonly flags: number;
  readonly normal: SpO2Pr;
  readonly fast: SpO2Pr | null;
  readonly slow: SpO2Pr | null;
  readonly pulseAmplitudeIndex: MderFloat | null;
}

export interface PlxSpotCheck extends PlxStatus {
  readonly flags: number;
  readonly reading: SpO2Pr;
  readonly timestamp: DateTime | null;
  /** Flag b4: the device's clock is not set, so its timestamp means nothing. */
  readonly clockNotSet: boolean;
  readonly pulseAmplitudeIndex: MderFloat | null;
}

function pair(c: Cursor, what: string): SpO2Pr {
  return { spo2: c.sfloat(`${what} SpO2`), pulseRate: c.sfloat(`${what} pulse rate`) };
}

function status(measurementStatus: number | null, deviceStatus: number | null): PlxStatus {
  return {
    measurementStatus,
    deviceStatus,
    measurementFlags: measurementStatus === null ? [] : bitNames(measurementStatus, PLX_MEASUREMENT_STATUS_BITS),
    deviceFlags: deviceStatus === null ? [] : bitNames(deviceStatus, PLX_DEVICE_STATUS_BITS),
    invalid: measurementStatus !== null && (measurementStatus & MEAS_INVALID) !== 0,
    sensorOff: deviceStatus !== null && (deviceStatus & SENSOR_OFF) !== 0,
  };
}

export function parsePlxContinuous(data: Uint8Array): ParseResult<PlxContinuous> {
  return parseWith(data, (c) => {
    const flags = c.u8('flags');
    const normal = pair(c, 'normal');
    const fast = flags & 0x01 ? pair(c, 'fast') : null;
    const slow = flags & 0x02 ? pair(c, 'slow') : null;
    const ms = flags & 0x04 ? c.u16('measurement status') : null;
    const ds = flags & 0x08 ? c.u24('device and sensor status') : null;
    const pulseAmplitudeIndex = flags & 0x10 ? c.sfloat('pulse amplitude index') : null;
    return ok({ flags, normal, fast, slow, pulseAmplitudeIndex, ...status(ms, ds) });
  });
}

export function parsePlxSpotCheck(data: Uint8Array): ParseResult<PlxSpotCheck> {
  return parseWith(data, (c) => {
    const flags = c.u8('flags');
    const reading = pair(c, 'spot-check');
    const timestamp = flags & 0x01 ? c.dateTime('timestamp') : null;
    const ms = flags & 0x02 ? c.u16('measurement status') : null;
    const ds = flags & 0x04 ? c.u24('device and sensor status') : null;
    const pulseAmplitudeIndex = flags & 0x08 ? c.sfloat('pulse amplitude index') : null;
    return ok({ flags, reading, timestamp, clockNotSet: (flags & 0x10) !== 0, pulseAmplitudeIndex, ...status(ms, ds) });
  });
}
