/**
 * The Bluetooth SIG health profiles Vigil reads, as one declarative table (ARCHITECTURE.md:
 * data tables over code): service, characteristics, notify vs indicate, parser, and what
 * each payload becomes in the hub (metric, UCUM unit, precision, device time). The central
 * subscribes from this table; the driver decodes through it; tests walk every entry.
 */
import type { MetricName } from '../../contract.ts';
import { roundTo, type MderFloat } from '../sfloat.ts';
import { parseBatteryLevel } from './battery.ts';
import { parseBloodPressure } from './blood-pressure.ts';
import type { BleParseErrorCode, ParseResult } from './common.ts';
import { parseHeartRate } from './heart-rate.ts';
import { parsePlxContinuous, parsePlxSpotCheck } from './plx.ts';
import { parseTemperature } from './thermometer.ts';

export const BLE_PROFILE_IDS = ['heart-rate', 'pulse-oximeter', 'blood-pressure', 'thermometer', 'battery'] as const;
export type BleProfileId = (typeof BLE_PROFILE_IDS)[number];

/** One value for the hub, before it gets its device id and arrival times. */
export interface Reading {
  readonly metric: MetricName;
  /** null: the device sent "no valid value" (a special SFLOAT/FLOAT, an invalid-measurement flag). */
  readonly value: number | null;
  readonly unit: string;
  /** Digits after the decimal point the device reported. */
  readonly decimals: number;
  /** Device's own timestamp (epoch ms, its local time read as UTC), when the payload carries one. */
  readonly deviceTimeMs: number | null;
}

export type Decoded =
  | { readonly ok: true; readonly readings: readonly Reading[]; readonly sensorOff: boolean; readonly detail: string | null }
  | { readonly ok: false; readonly code: BleParseErrorCode; readonly detail: string };

export interface CharacteristicDef {
  /** 16-bit UUID in noble's form (lower-case hex, no dashes). */
  readonly uuid: string;
  readonly name: string;
  /** How values arrive: GATT notification, indication (acknowledged), or read once then notify if offered. */
  readonly mode: 'notify' | 'indicate' | 'read';
  /** A device without it does not offer the profile. */
  readonly required: boolean;
  readonly decode: (data: Uint8Array) => Decoded;
}

export interface ProfileDef {
  readonly id: BleProfileId;
  readonly name: string;
  readonly service: string;
  readonly characteristics: readonly CharacteristicDef[];
  /** Sends on its own every second or so (a watchdog makes sense), rather than per spot measurement. */
  readonly continuous: boolean;
  readonly metrics: readonly { readonly metric: MetricName; readonly unit: string }[];
}

function num(f: MderFloat, metric: MetricName, unit: string, deviceTimeMs: number | null, invalid = false): Reading {
  return { metric, value: invalid ? null : f.value, unit, decimals: f.decimals, deviceTimeMs };
}

function lift<T>(r: ParseResult<T>, map: (v: T) => { readings: Reading[]; sensorOff?: boolean; detail?: string | null }): Decoded {
  if (!r.ok) return r;
  const m = map(r.value);
  return { ok: true, readings: m.readings, sensorOff: m.sensorOff ?? false, detail: m.detail ?? null };
}

// 1 mmHg = 133.322387415 Pa (ISO 80000-4 conventional millimetre of mercury).
const MMHG_PER_KPA = 1000 / 133.322387415;

/** BP in mm[Hg] for the hub (alarm limits are in mmHg); kPa readings are converted, keeping their precision (0.1 kPa ~ 0.75 mmHg). */
function pressure(f: MderFloat, metric: MetricName, kpa: boolean, t: number | null): Reading {
  if (!kpa || f.value === null) return num(f, metric, 'mm[Hg]', t);
  const decimals = Math.max(0, f.decimals - 1);
  return { metric, value: roundTo(f.value * MMHG_PER_KPA, decimals), unit: 'mm[Hg]', decimals, deviceTimeMs: t };
}

const decodeHeartRate = (d: Uint8Array): Decoded =>
  lift(parseHeartRate(d), (m) => ({
    // A sensor that reports "no skin contact" sends a rate that means nothing (HRS 3.1.1.2).
    readings: [
      { metric: 'hr', value: m.sensorContact === 'no-contact' ? null : m.bpm, unit: '/min', decimals: 0, deviceTimeMs: null },
      ...m.rrRaw.map((r): Reading => ({ metric: 'rr_interval', value: r / 1024, unit: 's', decimals: 4, deviceTimeMs: null })),
    ],
    sensorOff: m.sensorContact === 'no-contact',
    detail: m.sensorContact === 'no-contact' ? 'no skin contact' : null,
  }));

const decodePlxContinuous = (d: Uint8Array): Decoded =>
  lift(parsePlxContinuous(d), (m) => ({
    readings: [num(m.normal.spo2, 'spo2', '%', null, m.invalid || m.sensorOff), num(m.normal.pulseRate, 'pulse_rate', '/min', null, m.invalid || m.sensorOff)],
    sensorOff: m.sensorOff,
    detail: m.deviceFlags.length > 0 ? m.deviceFlags.join(',') : null,
  }));

const decodePlxSpotCheck = (d: Uint8Array): Decoded =>
  lift(parsePlxSpotCheck(d), (m) => {
    const t = m.clockNotSet ? null : (m.timestamp?.epochMs ?? null);
    return {
      readings: [num(m.reading.spo2, 'spo2', '%', t, m.invalid), num(m.reading.pulseRate, 'pulse_rate', '/min', t, m.invalid)],
      sensorOff: m.sensorOff,
      detail: m.deviceFlags.length > 0 ? m.deviceFlags.join(',') : null,
    };
  });

const decodeBloodPressure = (d: Uint8Array): Decoded =>
  lift(parseBloodPressure(d), (m) => {
    const t = m.timestamp?.epochMs ?? null;
    const kpa = m.unit === 'kPa';
    const readings = [pressure(m.systolic, 'nibp_sys', kpa, t), pressure(m.diastolic, 'nibp_dia', kpa, t), pressure(m.meanArterial, 'nibp_map', kpa, t)];
    if (m.pulseRate) readings.push(num(m.pulseRate, 'pulse_rate', '/min', t));
    const s = m.status;
    const notes = s ? [s.bodyMovement && 'body-movement', s.cuffTooLoose && 'cuff-too-loose', s.irregularPulse && 'irregular-pulse', s.improperPosition && 'improper-position'].filter((x): x is string => typeof x === 'string') : [];
    return { readings, detail: notes.length > 0 ? notes.join(',') : null };
  });

const decodeTemperature = (d: Uint8Array): Decoded =>
  lift(parseTemperature(d), (m) => {
    const t = m.timestamp?.epochMs ?? null;
    const f = m.temperature;
    // The hub keeps Celsius (UCUM Cel); a Fahrenheit reading is converted at its own precision.
    const value = f.value === null ? null : m.unit === 'degF' ? roundTo(((f.value - 32) * 5) / 9, f.decimals) : f.value;
    return { readings: [{ metric: 'temp', value, unit: 'Cel', decimals: f.decimals, deviceTimeMs: t }], detail: m.site };
  });

const decodeBattery = (d: Uint8Array): Decoded =>
  lift(parseBatteryLevel(d), (m) => ({ readings: [{ metric: 'battery', value: m.percent, unit: '%', decimals: 0, deviceTimeMs: null }] }));

export const PROFILES: readonly ProfileDef[] = [
  {
    id: 'heart-rate', name: 'Heart Rate', service: '180d', continuous: true,
    characteristics: [{ uuid: '2a37', name: 'Heart Rate Measurement', mode: 'notify', required: true, decode: decodeHeartRate }],
    metrics: [{ metric: 'hr', unit: '/min' }, { metric: 'rr_interval', unit: 's' }],
  },
  {
    id: 'pulse-oximeter', name: 'Pulse Oximeter', service: '1822', continuous: true,
    characteristics: [
      { uuid: '2a5f', name: 'PLX Continuous Measurement', mode: 'notify', required: false, decode: decodePlxContinuous },
      { uuid: '2a5e', name: 'PLX Spot-check Measurement', mode: 'indicate', required: false, decode: decodePlxSpotCheck },
    ],
    metrics: [{ metric: 'spo2', unit: '%' }, { metric: 'pulse_rate', unit: '/min' }],
  },
  {
    id: 'blood-pressure', name: 'Blood Pressure', service: '1810', continuous: false,
    characteristics: [{ uuid: '2a35', name: 'Blood Pressure Measurement', mode: 'indicate', required: true, decode: decodeBloodPressure }],
    metrics: [{ metric: 'nibp_sys', unit: 'mm[Hg]' }, { metric: 'nibp_dia', unit: 'mm[Hg]' }, { metric: 'nibp_map', unit: 'mm[Hg]' }, { metric: 'pulse_rate', unit: '/min' }],
  },
  {
    id: 'thermometer', name: 'Health Thermometer', service: '1809', continuous: false,
    characteristics: [{ uuid: '2a1c', name: 'Temperature Measurement', mode: 'indicate', required: true, decode: decodeTemperature }],
    metrics: [{ metric: 'temp', unit: 'Cel' }],
  },
  {
    id: 'battery', name: 'Battery', service: '180f', continuous: false,
    characteristics: [{ uuid: '2a19', name: 'Battery Level', mode: 'read', required: true, decode: decodeBattery }],
    metrics: [{ metric: 'battery', unit: '%' }],
  },
];

/** noble's UUID form: lower-case hex without dashes; 16-bit SIG UUIDs from the base UUID shortened to 4 digits. */
export function shortUuid(uuid: string): string {
  const u = uuid.toLowerCase().replace(/-/g, '');
  const m = /^0000([0-9a-f]{4})00001000800000805f9b34fb$/.exec(u);
  return m?.[1] ?? u;
}

export function profileById(id: BleProfileId): ProfileDef {
  const p = PROFILES.find((x) => x.id === id);
  if (!p) throw new Error(`unknown BLE profile ${id}`);
  return p;
}

export function profileByService(service: string): ProfileDef | undefined {
  const s = shortUuid(service);
  return PROFILES.find((p) => p.service === s);
}

/** Every health service UUID Vigil knows (for scanning). */
export const HEALTH_SERVICES: readonly string[] = PROFILES.filter((p) => p.id !== 'battery').map((p) => p.service);
