import assert from 'node:assert/strict';
import { parseBatteryLevel } from '../../../drivers/ble/profiles/battery.ts';
import { parseBloodPressure } from '../../../drivers/ble/profiles/blood-pressure.ts';
import type { ParseResult } from '../../../drivers/ble/profiles/common.ts';
import { parseHeartRate } from '../../../drivers/ble/profiles/heart-rate.ts';
import { PROFILES, profileById, shortUuid, type Decoded, type Reading } from '../../../drivers/ble/profiles/index.ts';
import { parsePlxContinuous, parsePlxSpotCheck } from '../../../drivers/ble/profiles/plx.ts';
import { parseTemperature } from '../../../drivers/ble/profiles/thermometer.ts';

// Every payload below is written out byte by byte from the field tables of the Bluetooth SIG
// specifications (HRS, PLXS, BLS, HTS, BAS; GATT Specification Supplement), little endian.
const u8 = (...b: number[]): Uint8Array => Uint8Array.from(b);

function value<T>(r: ParseResult<T>): T {
  if (!r.ok) assert.fail(`expected a parsed value, got ${r.code}: ${r.detail}`);
  return r.value;
}

function code<T>(r: ParseResult<T> | Decoded): string {
  assert.equal(r.ok, false, 'expected a rejected payload');
  return (r as { code: string }).code;
}

function decode(profile: string, char: string, data: Uint8Array): Reading[] {
  const def = PROFILES.find((p) => p.id === profile)?.characteristics.find((c) => c.uuid === char);
  assert.ok(def, `${profile}/${char} in the table`);
  const d = def.decode(data);
  if (!d.ok) assert.fail(`${d.code}: ${d.detail}`);
  return [...d.readings];
}

describe('BLE Heart Rate Measurement (0x2A37)', () => {
  it('uint8 rate, no optional fields', () => {
    const m = value(parseHeartRate(u8(0x00, 0x48)));
    assert.equal(m.bpm, 72);
    assert.equal(m.sensorContact, 'not-supported');
    assert.equal(m.energyExpendedKj, null);
    assert.deepEqual(m.rrRaw, []);
  });
  it('uint16 rate (flag b0)', () => {
    assert.equal(value(parseHeartRate(u8(0x01, 0x2c, 0x01))).bpm, 300);
  });
  it('sensor contact status: 0/1 not supported, 2 no contact, 3 contact', () => {
    assert.equal(value(parseHeartRate(u8(0x00, 60))).sensorContact, 'not-supported');
    assert.equal(value(parseHeartRate(u8(0x02, 60))).sensorContact, 'not-supported');
    assert.equal(value(parseHeartRate(u8(0x04, 60))).sensorContact, 'no-contact');
    assert.equal(value(parseHeartRate(u8(0x06, 60))).sensorContact, 'contact');
  });
  it('energy expended and several RR intervals in 1/1024 s, oldest first', () => {
    const m = value(parseHeartRate(u8(0x18, 0x50, 0x10, 0x27, 0x00, 0x04, 0x33, 0x03)));
    assert.equal(m.bpm, 80);
    assert.equal(m.energyExpendedKj, 10_000);
    assert.deepEqual(m.rrRaw, [1024, 819]);
    assert.deepEqual(m.rrSeconds, [1, 0.7998046875]);
  });
  it('uint16 rate with RR intervals and no energy field', () => {
    const m = value(parseHeartRate(u8(0x11, 0x48, 0x00, 0x55, 0x03)));
    assert.equal(m.bpm, 72);
    assert.deepEqual(m.rrRaw, [0x0355]);
  });
  it('RFU flag bits are ignored', () => {
    assert.equal(value(parseHeartRate(u8(0xe0, 0x48))).bpm, 72);
  });
  it('rejects empty and cut payloads with stable codes', () => {
    assert.equal(code(parseHeartRate(u8())), 'VIGIL_BLE_PAYLOAD_EMPTY');
    assert.equal(code(parseHeartRate(u8(0x01, 0x2c))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
    assert.equal(code(parseHeartRate(u8(0x08, 0x50, 0x10))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
    assert.equal(code(parseHeartRate(u8(0x10, 0x50, 0x00, 0x04, 0x33))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
    assert.equal(code(parseHeartRate(u8(0x10, 0x50))), 'VIGIL_BLE_PAYLOAD_TRUNCATED', 'RR flag set, no interval');
  });
  it('becomes hr (/min) and rr_interval (s) readings; no skin contact makes the rate "no valid value"', () => {
    const r = decode('heart-rate', '2a37', u8(0x16, 0x50, 0x00, 0x04));
    assert.deepEqual(r.map((x) => [x.metric, x.value, x.unit]), [['hr', 80, '/min'], ['rr_interval', 1, 's']]);
    assert.equal(decode('heart-rate', '2a37', u8(0x04, 0x50))[0]?.value, null);
  });
});

describe('BLE PLX Continuous Measurement (0x2A5F)', () => {
  it('SpO2PR-Normal only', () => {
    const m = value(parsePlxContinuous(u8(0x00, 0x61, 0x00, 0x48, 0x00)));
    assert.equal(m.normal.spo2.value, 97);
    assert.equal(m.normal.pulseRate.value, 72);
    assert.equal(m.fast, null);
    assert.equal(m.slow, null);
    assert.equal(m.measurementStatus, null);
    assert.equal(m.pulseAmplitudeIndex, null);
  });
  it('every optional field, in specification order', () => {
    const m = value(
      parsePlxContinuous(
        u8(0x1f, 0xca, 0xf3, 0x48, 0x00, 0x60, 0x00, 0x4a, 0x00, 0x62, 0x00, 0x46, 0x00, 0x80, 0x00, 0x20, 0x00, 0x00, 0xf4, 0xe1),
      ),
    );
    assert.equal(m.normal.spo2.value, 97);
    assert.equal(m.normal.spo2.decimals, 1, '0xF3CA is 97.0: one decimal');
    assert.equal(m.fast?.spo2.value, 96);
    assert.equal(m.fast?.pulseRate.value, 74);
    assert.equal(m.slow?.spo2.value, 98);
    assert.equal(m.slow?.pulseRate.value, 70);
    assert.equal(m.measurementStatus, 0x0080);
    assert.deepEqual(m.measurementFlags, ['validated-data']);
    assert.equal(m.deviceStatus, 0x000020);
    assert.deepEqual(m.deviceFlags, ['low-perfusion']);
    assert.equal(m.pulseAmplitudeIndex?.value, 5);
    assert.equal(m.pulseAmplitudeIndex?.decimals, 2);
    assert.equal(m.invalid, false);
    assert.equal(m.sensorOff, false);
  });
  it('a NaN SpO2 is "no valid value"', () => {
    const m = value(parsePlxContinuous(u8(0x00, 0xff, 0x07, 0x48, 0x00)));
    assert.equal(m.normal.spo2.value, null);
    assert.equal(m.normal.spo2.special, 'nan');
    assert.deepEqual(decode('pulse-oximeter', '2a5f', u8(0x00, 0xff, 0x07, 0x48, 0x00)).map((r) => r.value), [null, 72]);
  });
  it('invalid-measurement status and a disconnected sensor void the readings', () => {
    assert.deepEqual(decode('pulse-oximeter', '2a5f', u8(0x04, 0x61, 0x00, 0x48, 0x00, 0x00, 0x80)).map((r) => r.value), [null, null]);
    const def = profileById('pulse-oximeter').characteristics[0];
    const d = def?.decode(u8(0x08, 0x61, 0x00, 0x48, 0x00, 0x00, 0x80, 0x00));
    assert.ok(d?.ok);
    assert.equal(d.sensorOff, true);
    assert.equal(d.detail, 'sensor-disconnected');
    assert.deepEqual(d.readings.map((r) => r.value), [null, null]);
  });
  it('rejects a payload cut inside the device and sensor status', () => {
    assert.equal(code(parsePlxContinuous(u8(0x08, 0x61, 0x00, 0x48, 0x00, 0x00, 0x80))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
    assert.equal(code(parsePlxContinuous(u8(0x01, 0x61, 0x00, 0x48, 0x00, 0x60))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
  });
});

describe('BLE PLX Spot-check Measurement (0x2A5E)', () => {
  it('with time stamp: the device time goes with the reading', () => {
    const m = value(parsePlxSpotCheck(u8(0x01, 0x62, 0x00, 0x41, 0x00, 0xe8, 0x07, 0x03, 0x0f, 0x08, 0x1e, 0x00)));
    assert.equal(m.reading.spo2.value, 98);
    assert.equal(m.reading.pulseRate.value, 65);
    assert.equal(m.timestamp?.epochMs, Date.UTC(2024, 2, 15, 8, 30, 0));
    const r = decode('pulse-oximeter', '2a5e', u8(0x01, 0x62, 0x00, 0x41, 0x00, 0xe8, 0x07, 0x03, 0x0f, 0x08, 0x1e, 0x00));
    assert.deepEqual(r.map((x) => x.deviceTimeMs), [Date.UTC(2024, 2, 15, 8, 30, 0), Date.UTC(2024, 2, 15, 8, 30, 0)]);
  });
  it('"device clock not set" (b4): the time stamp is parsed but not used', () => {
    const bytes = u8(0x11, 0x62, 0x00, 0x41, 0x00, 0xe8, 0x07, 0x03, 0x0f, 0x08, 0x1e, 0x00);
    assert.equal(value(parsePlxSpotCheck(bytes)).clockNotSet, true);
    assert.deepEqual(decode('pulse-oximeter', '2a5e', bytes).map((x) => x.deviceTimeMs), [null, null]);
  });
  it('every field (94.0 %, 147.0 /min, 2024-11-29 23:08:57, status, PAI 8.70)', () => {
    const m = value(parsePlxSpotCheck(u8(15, 172, 243, 190, 245, 232, 7, 11, 29, 23, 8, 57, 32, 64, 34, 0, 0, 102, 227)));
    assert.equal(m.reading.spo2.value, 94);
    assert.equal(m.reading.spo2.decimals, 1);
    assert.equal(m.reading.pulseRate.value, 147);
    assert.equal(m.timestamp?.epochMs, Date.UTC(2024, 10, 29, 23, 8, 57));
    assert.deepEqual(m.measurementFlags, ['measurement-ongoing', 'questionable-measurement']);
    assert.deepEqual(m.deviceFlags, ['equipment-malfunction', 'low-perfusion']);
    assert.equal(m.pulseAmplitudeIndex?.value, 8.7);
    assert.equal(m.pulseAmplitudeIndex?.decimals, 2);
  });
  it('rejects a cut time stamp', () => {
    assert.equal(code(parsePlxSpotCheck(u8(0x01, 0x62, 0x00, 0x41, 0x00, 0xe8, 0x07, 0x03))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
  });
});

describe('BLE Blood Pressure Measurement (0x2A35)', () => {
  const full = u8(0x1e, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0xe9, 0x07, 0x01, 0x02, 0x03, 0x04, 0x05, 0x48, 0x00, 0x01, 0x0d, 0x00);
  it('mmHg with time stamp, pulse rate, user id and status', () => {
    const m = value(parseBloodPressure(full));
    assert.equal(m.unit, 'mmHg');
    assert.deepEqual([m.systolic.value, m.diastolic.value, m.meanArterial.value], [120, 80, 93]);
    assert.equal(m.timestamp?.epochMs, Date.UTC(2025, 0, 2, 3, 4, 5));
    assert.equal(m.pulseRate?.value, 72);
    assert.equal(m.userId, 1);
    assert.deepEqual(m.status, { raw: 0x0d, bodyMovement: true, cuffTooLoose: false, irregularPulse: true, pulseRateRange: 'above-upper', improperPosition: false });
  });
  it('becomes nibp_sys/dia/map in mm[Hg] and pulse_rate, all with the device time', () => {
    const r = decode('blood-pressure', '2a35', full);
    assert.deepEqual(r.map((x) => [x.metric, x.value, x.unit]), [['nibp_sys', 120, 'mm[Hg]'], ['nibp_dia', 80, 'mm[Hg]'], ['nibp_map', 93, 'mm[Hg]'], ['pulse_rate', 72, '/min']]);
    assert.ok(r.every((x) => x.deviceTimeMs === Date.UTC(2025, 0, 2, 3, 4, 5)));
  });
  it('kPa (b0) is converted to mm[Hg] at the precision the device gave', () => {
    const bytes = u8(0x01, 0xa0, 0xf0, 0x6b, 0xf0, 0x7d, 0xf0);
    const m = value(parseBloodPressure(bytes));
    assert.equal(m.unit, 'kPa');
    assert.deepEqual([m.systolic.value, m.diastolic.value, m.meanArterial.value], [16, 10.7, 12.5]);
    assert.deepEqual(decode('blood-pressure', '2a35', bytes).map((x) => [x.value, x.decimals]), [[120, 0], [80, 0], [94, 0]]);
  });
  it('a NaN mean arterial pressure is "no valid value"; pulse-rate range values 2 and 3', () => {
    assert.equal(decode('blood-pressure', '2a35', u8(0x00, 0x78, 0x00, 0x50, 0x00, 0xff, 0x07))[2]?.value, null);
    assert.equal(value(parseBloodPressure(u8(0x10, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0x10, 0x00))).status?.pulseRateRange, 'below-lower');
    assert.equal(value(parseBloodPressure(u8(0x10, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0x38, 0x00))).status?.pulseRateRange, 'reserved');
    assert.equal(value(parseBloodPressure(u8(0x10, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0x38, 0x00))).status?.improperPosition, true);
  });
  it('unknown user 0xFF is kept as sent', () => {
    assert.equal(value(parseBloodPressure(u8(0x08, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0xff))).userId, 255);
  });
  it('rejects a payload cut in the time stamp or before MAP', () => {
    assert.equal(code(parseBloodPressure(u8(0x02, 0x78, 0x00, 0x50, 0x00, 0x5d, 0x00, 0xe9, 0x07))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
    assert.equal(code(parseBloodPressure(u8(0x00, 0x78, 0x00, 0x50, 0x00, 0x5d))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
  });
});

describe('BLE Temperature Measurement (0x2A1C)', () => {
  it('Celsius FLOAT 36.6 with one decimal', () => {
    const m = value(parseTemperature(u8(0x00, 0x6e, 0x01, 0x00, 0xff)));
    assert.equal(m.unit, 'Cel');
    assert.equal(m.temperature.value, 36.6);
    assert.equal(m.temperature.decimals, 1);
    assert.equal(m.timestamp, null);
    assert.equal(m.site, null);
  });
  it('with time stamp and type (ear)', () => {
    const m = value(parseTemperature(u8(0x06, 0x6e, 0x01, 0x00, 0xff, 0xe9, 0x07, 0x06, 0x1e, 0x17, 0x3b, 0x3b, 0x03)));
    assert.equal(m.timestamp?.epochMs, Date.UTC(2025, 5, 30, 23, 59, 59));
    assert.equal(m.typeCode, 3);
    assert.equal(m.site, 'ear');
    assert.equal(decode('thermometer', '2a1c', u8(0x06, 0x6e, 0x01, 0x00, 0xff, 0xe9, 0x07, 0x06, 0x1e, 0x17, 0x3b, 0x3b, 0x03))[0]?.deviceTimeMs, Date.UTC(2025, 5, 30, 23, 59, 59));
  });
  it('Fahrenheit is converted to Celsius at the reported precision', () => {
    const bytes = u8(0x01, 0xd6, 0x03, 0x00, 0xff);
    assert.equal(value(parseTemperature(bytes)).temperature.value, 98.2);
    assert.deepEqual(decode('thermometer', '2a1c', bytes).map((r) => [r.value, r.unit, r.decimals]), [[36.8, 'Cel', 1]]);
  });
  it('FLOAT specials are "no valid value"', () => {
    for (const [bytes, special] of [
      [[0xff, 0xff, 0x7f, 0x00], 'nan'],
      [[0x00, 0x00, 0x80, 0x00], 'nres'],
      [[0xfe, 0xff, 0x7f, 0x00], '+inf'],
      [[0x02, 0x00, 0x80, 0x00], '-inf'],
      [[0x01, 0x00, 0x80, 0x00], 'reserved'],
    ] as const) {
      const m = value(parseTemperature(u8(0x00, ...bytes)));
      assert.equal(m.temperature.special, special);
      assert.equal(decode('thermometer', '2a1c', u8(0x00, ...bytes))[0]?.value, null);
    }
  });
  it('a reserved type code and an impossible date are kept apart from the reading', () => {
    const m = value(parseTemperature(u8(0x06, 0x6e, 0x01, 0x00, 0xff, 0xe9, 0x07, 0x0d, 0x01, 0x00, 0x00, 0x00, 0x0a)));
    assert.equal(m.site, 'reserved');
    assert.equal(m.timestamp?.month, 13);
    assert.equal(m.timestamp?.epochMs, null);
    assert.equal(m.temperature.value, 36.6);
  });
  it('rejects a cut FLOAT', () => {
    assert.equal(code(parseTemperature(u8(0x00, 0x6e, 0x01, 0x00))), 'VIGIL_BLE_PAYLOAD_TRUNCATED');
  });
});

describe('BLE Battery Level (0x2A19)', () => {
  it('0-100 %, above is out of range', () => {
    assert.equal(value(parseBatteryLevel(u8(100))).percent, 100);
    assert.equal(value(parseBatteryLevel(u8(0))).percent, 0);
    assert.equal(code(parseBatteryLevel(u8(101))), 'VIGIL_BLE_VALUE_OUT_OF_RANGE');
    assert.equal(code(parseBatteryLevel(u8())), 'VIGIL_BLE_PAYLOAD_EMPTY');
  });
});

describe('BLE profile table', () => {
  it('every entry is complete and consistent', () => {
    const services = new Set<string>();
    const chars = new Set<string>();
    for (const p of PROFILES) {
      assert.match(p.service, /^[0-9a-f]{4}$/, p.id);
      assert.ok(!services.has(p.service), `duplicate service ${p.service}`);
      services.add(p.service);
      assert.ok(p.characteristics.length > 0, p.id);
      assert.ok(p.metrics.length > 0, p.id);
      for (const c of p.characteristics) {
        assert.match(c.uuid, /^2a[0-9a-f]{2}$/, `${p.id} ${c.name}`);
        assert.ok(!chars.has(c.uuid), `duplicate characteristic ${c.uuid}`);
        chars.add(c.uuid);
        // Decoding an empty payload is a stable rejection, never a throw.
        const d = c.decode(u8());
        assert.equal(d.ok, false);
      }
    }
    assert.deepEqual([...services].sort(), ['1809', '180d', '180f', '1810', '1822']);
  });
  it('measurement services match the SIG assigned numbers and use the right transport', () => {
    const mode = (id: string, uuid: string): string | undefined => PROFILES.find((p) => p.id === id)?.characteristics.find((c) => c.uuid === uuid)?.mode;
    assert.equal(mode('heart-rate', '2a37'), 'notify');
    assert.equal(mode('pulse-oximeter', '2a5f'), 'notify');
    assert.equal(mode('pulse-oximeter', '2a5e'), 'indicate');
    assert.equal(mode('blood-pressure', '2a35'), 'indicate');
    assert.equal(mode('thermometer', '2a1c'), 'indicate');
  });
  it('shortUuid folds 128-bit base UUIDs to noble\'s 16-bit form', () => {
    assert.equal(shortUuid('0000180D-0000-1000-8000-00805F9B34FB'), '180d');
    assert.equal(shortUuid('2A37'), '2a37');
    assert.equal(shortUuid('6e400001b5a3f393e0a9e50e24dcca9e'), '6e400001b5a3f393e0a9e50e24dcca9e');
  });
});
