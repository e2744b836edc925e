/**
 * Heart Rate Measurement (0x2A37, Heart Rate Service 0x180D; GATT Specification Supplement
 * 3.113 and HRS 1.0). Little endian:
 *   flags uint8: b0 rate format (0 uint8, 1 uint16), b1-2 sensor contact status (0/1 not
 *   supported, 2 supported but no contact, 3 supported and contact), b3 energy expended
 *   present, b4 RR intervals present, b5-7 RFU (ignored).
 *   rate uint8|uint16 bpm; [energy expended uint16 kJ]; [RR interval uint16, 1/1024 s]...
 * A notification may carry several RR intervals, oldest first; whatever fits in the ATT MTU.
 */
import { fail, ok, parseWith, type ParseResult } from './common.ts';

export type SensorContact = 'not-supported' | 'no-contact' | 'contact';

export interface HeartRateMeasurement {
  readonly flags: number;
  /** Beats per minute as sent. */
  readonly bpm: number;
  readonly sensorContact: SensorContact;
  /** Cumulative energy expended in kJ, or null when absent. */
  readonly energyExpendedKj: number | null;
  /** RR intervals in raw 1/1024 s units, oldest first. */
  readonly rrRaw: readonly number[];
  /** RR intervals in seconds (raw / 1024: exact in binary floating point). */
  readonly rrSeconds: readonly number[];
}

export function parseHeartRate(data: Uint8Array): ParseResult<HeartRateMeasurement> {
  return parseWith(data, (c) => {
    const flags = c.u8('flags');
    const bpm = flags & 0x01 ? c.u16('heart rate (uint16)') : c.u8('heart rate (uint8)');
    const contactBits = (flags >> 1) & 0x03;
    const sensorContact: SensorContact = contactBits === 3 ? 'contact' : contactBits === 2 ? 'no-contact' : 'not-supported';
    const energyExpendedKj = flags & 0x08 ? c.u16('energy expended') : null;
    const rrRaw: number[] = [];
    if (flags & 0x10) {
      // The field runs to the end of the payload in 2-byte steps and, when flagged present,
      // holds at least one interval: nothing or an odd byte left is a cut packet.
      if (c.remaining === 0) return fail('VIGIL_BLE_PAYLOAD_TRUNCATED', 'RR interval flag set but no RR interval');
      if (c.remaining % 2 !== 0) return fail('VIGIL_BLE_PAYLOAD_TRUNCATED', `RR interval field of ${c.remaining} bytes is not a whole number of uint16`);
      while (c.remaining >= 2) rrRaw.push(c.u16('RR interval'));
    }
    return ok({ flags, bpm, sensorContact, energyExpendedKj, rrRaw, rrSeconds: rrRaw.map((r) => r / 1024) });
  });
}
