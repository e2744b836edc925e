/**
 * Blood Pressure Measurement (0x2A35, Blood Pressure Service 0x1810, indicate; BLS 1.1,
 * GATT Specification Supplement 3.31). Little endian:
 *   flags uint8: b0 units (0 mmHg, 1 kPa), b1 time stamp present, b2 pulse rate present,
 *   b3 user id present, b4 measurement status present, b5-7 RFU.
 *   systolic, diastolic, mean arterial pressure: SFLOAT each; [time stamp: Date Time, 7
 *   bytes]; [pulse rate SFLOAT /min]; [user id uint8, 0xFF unknown user]; [measurement status
 *   uint16: b0 body movement, b1 cuff too loose, b2 irregular pulse, b3-4 pulse rate range
 *   (0 within, 1 above upper limit, 2 below lower limit, 3 RFU), b5 improper measurement
 *   position, b6-15 RFU].
 */
import type { MderFloat } from '../sfloat.ts';
import { ok, parseWith, type DateTime, type ParseResult } from './common.ts';

export type PulseRateRange = 'within' | 'above-upper' | 'below-lower' | 'reserved';

export interface BpStatus {
  readonly raw: number;
  readonly bodyMovement: boolean;
  readonly cuffTooLoose: boolean;
  readonly irregularPulse: boolean;
  readonly pulseRateRange: PulseRateRange;
  readonly improperPosition: boolean;
}

export interface BloodPressureMeasurement {
  readonly flags: number;
  readonly unit: 'mmHg' | 'kPa';
  readonly systolic: MderFloat;
  readonly diastolic: MderFloat;
  readonly meanArterial: MderFloat;
  readonly timestamp: DateTime | null;
  readonly pulseRate: MderFloat | null;
  /** null when absent; 255 means "unknown user" (BLS 3.1.1.4). */
  readonly userId: number | null;
  readonly status: BpStatus | null;
}

const RANGES: readonly PulseRateRange[] = ['within', 'above-upper', 'below-lower', 'reserved'];

export function parseBloodPressure(data: Uint8Array): ParseResult<BloodPressureMeasurement> {
  return parseWith(data, (c) => {
    const flags = c.u8('flags');
    const systolic = c.sfloat('systolic');
    const diastolic = c.sfloat('diastolic');
    const meanArterial = c.sfloat('mean arterial pressure');
    const timestamp = flags & 0x02 ? c.dateTime('time stamp') : null;
    const pulseRate = flags & 0x04 ? c.sfloat('pulse rate') : null;
    const userId = flags & 0x08 ? c.u8('user id') : null;
    let status: BpStatus | null = null;
    if (flags & 0x10) {
      const raw = c.u16('measurement status');
      status = {
        raw,
        bodyMovement: (raw & 0x01) !== 0,
        cuffTooLoose: (raw & 0x02) !== 0,
        irregularPulse: (raw & 0x04) !== 0,
        pulseRateRange: RANGES[(raw >> 3) & 0x03] ?? 'reserved',
        improperPosition: (raw & 0x20) !== 0,
      };
    }
    return ok({ flags, unit: flags & 0x01 ? 'kPa' : 'mmHg', systolic, diastolic, meanArterial, timestamp, pulseRate, userId, status });
  });
}
