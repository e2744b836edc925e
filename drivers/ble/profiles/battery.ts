/** Battery Level (0x2A19, Battery Service 0x180F): uint8 percent, 0-100 (101-255 are not allowed). */
import { fail, ok, parseWith, type ParseResult } from './common.ts';

export interface BatteryLevel {
  readonly percent: number;
}

export function parseBatteryLevel(data: Uint8Array): ParseResult<BatteryLevel> {
  return parseWith(data, (c) => {
    const percent = c.u8('battery level');
    if (percent > 100) return fail('VIGIL_BLE_VALUE_OUT_OF_RANGE', `battery level ${percent} > 100`);
    return ok({ percent });
  });
}
