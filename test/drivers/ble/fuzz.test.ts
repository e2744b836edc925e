import assert from 'node:assert/strict';
import { parseBatteryLevel } from '../../../drivers/ble/profiles/battery.ts';
import { parseBloodPressure } from '../../../drivers/ble/profiles/blood-pressure.ts';
import { parseHeartRate } from '../../../drivers/ble/profiles/heart-rate.ts';
import { PROFILES } from '../../../drivers/ble/profiles/index.ts';
import { parsePlxContinuous, parsePlxSpotCheck } from '../../../drivers/ble/profiles/plx.ts';
import { parseTemperature } from '../../../drivers/ble/profiles/thermometer.ts';
import { mulberry32 } from '../../support/prng.ts';

const CODES = new Set(['VIGIL_BLE_PAYLOAD_EMPTY', 'VIGIL_BLE_PAYLOAD_TRUNCATED', 'VIGIL_BLE_VALUE_OUT_OF_RANGE']);

const PARSERS: [string, (d: Uint8Array) => { ok: boolean }][] = [
  ['heart rate', parseHeartRate],
  ['PLX continuous', parsePlxContinuous],
  ['PLX spot-check', parsePlxSpotCheck],
  ['blood pressure', parseBloodPressure],
  ['temperature', parseTemperature],
  ['battery', parseBatteryLevel],
];

describe('BLE parsers under random payloads (seeded fuzz)', () => {
  it('150 000 random payloads: every parser and table decoder returns a result, never throws', () => {
    const rnd = mulberry32(0xb1e);
    const buf = new Uint8Array(32);
    const decoders = PROFILES.flatMap((p) => p.characteristics.map((c) => [`${p.id}/${c.uuid}`, c.decode] as const));
    let accepted = 0;
    let rejected = 0;
    for (let n = 0; n < 150_000; n++) {
      // Mostly short payloads (where the flag/length logic lives), some longer.
      const len = rnd() < 0.8 ? Math.floor(rnd() * 12) : Math.floor(rnd() * 33);
      for (let i = 0; i < len; i++) buf[i] = Math.floor(rnd() * 256);
      const data = buf.subarray(0, len);
      for (const [name, parse] of PARSERS) {
        let r: { ok: boolean; code?: string };
        try {
          r = parse(data) as { ok: boolean; code?: string };
        } catch (e: unknown) {
          assert.fail(`${name} threw on ${Buffer.from(data).toString('hex')}: ${String(e)}`);
        }
        if (r.ok) accepted++;
        else {
          rejected++;
          assert.ok(CODES.has(r.code ?? ''), `${name}: unknown code ${r.code}`);
        }
      }
      for (const [name, decode] of decoders) {
        const d = decode(data);
        if (d.ok) {
          for (const reading of d.readings) {
            assert.ok(reading.value === null || Number.isFinite(reading.value), `${name}: non-finite value from ${Buffer.from(data).toString('hex')}`);
            assert.ok(reading.deviceTimeMs === null || Number.isFinite(reading.deviceTimeMs), `${name}: bad device time`);
          }
        } else assert.ok(CODES.has(d.code), `${name}: unknown code ${d.code}`);
      }
    }
    // Both paths were exercised, so the fuzz is not just feeding one branch.
    assert.ok(accepted > 100_000, `accepted ${accepted}`);
    assert.ok(rejected > 100_000, `rejected ${rejected}`);
  });

  it('every truncation of every valid payload is rejected as truncated, never misread', () => {
    const full: [string, (d: Uint8Array) => { ok: boolean; code?: string }, number[]][] = [
      ['heart rate', parseHeartRate as never, [0x19, 0x50, 0x00, 0x10, 0x27, 0x00, 0x04]],
      ['PLX continuous', parsePlxContinuous as never, [0x1f, 0xca, 0xf3, 0x48, 0, 0x60, 0, 0x4a, 0, 0x62, 0, 0x46, 0, 0x80, 0, 0x20, 0, 0, 0xf4, 0xe1]],
      ['PLX spot-check', parsePlxSpotCheck as never, [15, 172, 243, 190, 245, 232, 7, 11, 29, 23, 8, 57, 32, 64, 34, 0, 0, 102, 227]],
      ['blood pressure', parseBloodPressure as never, [0x1e, 0x78, 0, 0x50, 0, 0x5d, 0, 0xe9, 0x07, 1, 2, 3, 4, 5, 0x48, 0, 1, 0x0d, 0]],
      ['temperature', parseTemperature as never, [0x06, 0x6e, 0x01, 0x00, 0xff, 0xe9, 0x07, 0x06, 0x1e, 0x17, 0x3b, 0x3b, 0x03]],
    ];
    for (const [name, parse, bytes] of full) {
      assert.equal(parse(Uint8Array.from(bytes)).ok, true, `${name} full payload`);
      for (let cut = 1; cut < bytes.length; cut++) {
        const r = parse(Uint8Array.from(bytes.slice(0, cut)));
        assert.equal(r.ok, false, `${name} cut to ${cut} bytes`);
        assert.equal(r.code, 'VIGIL_BLE_PAYLOAD_TRUNCATED', `${name} cut to ${cut}`);
      }
    }
  });
});
