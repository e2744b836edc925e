/**
 * Temperature Measurement (0x2A1C, Health Thermometer Service 0x1809, indicate; HTS 1.0,
 * GATT Specification Supplement 3.216). Little endian:
 *   flags uint8: b0 units (0 Celsius, 1 Fahrenheit), b1 time stamp present, b2 temperature
 *   type present, b3-7 RFU.
 *   temperature FLOAT; [time stamp: Date Time, 7 bytes]; [temperature type uint8].
 * Temperature Type (0x2A1D): 1 armpit, 2 body (general), 3 ear, 4 finger, 5 gastro-intestinal
 * tract, 6 mouth, 7 rectum, 8 toe, 9 tympanum (ear drum); others reserved.
 */
import type { MderFloat } from '../sfloat.ts';
import { ok, parseWith, type DateTime, type ParseResult } from './common.ts';

export const TEMPERATURE_TYPES: Readonly<Record<number, string>> = {
  1: 'armpit',
  2: 'body',
  3: 'ear',
  4: 'finger',
  5: 'gastro-intestinal-tract',
  6: 'mouth',
  7: 'rectum',
  8: 'toe',
  9: 'tympanum',
};

export interface TemperatureMeasurement {
  readonly flags: number;
  readonly unit: 'Cel' | 'degF';
  readonly temperature: MderFloat;
  readonly timestamp: DateTime | null;
  /** Raw type code, or null when absent. */
  readonly typeCode: number | null;
  /** Site name for a known code, 'reserved' for others, null when absent. */
  readonly site: string | null;
}

export function parseTemperature(data: Uint8Array): ParseResult<TemperatureMeasurement> {
  return parseWith(data, (c) => {
    const flags = c.u8('flags');
    const temperature = c.float('temperature');
    const timestamp = flags & 0x02 ? c.dateTime('time stamp') : null;
    const typeCode = flags & 0x04 ? c.u8('temperature type') : null;
    const site = typeCode === null ? null : (TEMPERATURE_TYPES[typeCode] ?? 'reserved');
    return ok({ flags, unit: flags & 0x01 ? 'degF' : 'Cel', temperature, timestamp, typeCode, site });
  });
}
