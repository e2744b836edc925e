/**
 * Driver states -> technical alarms (src/main.ts deviceCondition), with the real AlarmManager.
 * Review 2026-11: a serial board's own no-data watchdog (state sensor-fault) and a BLE sensor
 * off the patient raised no alarm at all.
 */
import assert from 'node:assert/strict';
import type { AlarmLogEntry } from '../../src/api/live.ts';
import { AlarmManager, type PersistedAlarm } from '../../src/alarms/manager.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { deviceCondition } from '../../src/main.ts';

function manager(): AlarmManager {
  const sink = { record: (_e: AlarmLogEntry, _f: readonly PersistedAlarm[]): void => {} };
  return new AlarmManager({ clock: new ManualClock(), sink, logger: silentLogger });
}
const ids = (m: AlarmManager): string[] => m.alarms().map((a) => a.id).sort();

describe('driver states as technical alarms', () => {
  it('a serial board silent past its watchdog (sensor-fault, VIGIL_DRIVER_NO_DATA) is "No Data From Device" until data is back', () => {
    const m = manager();
    deviceCondition('sensor-fault', 'hp5', 'no data for 5000 ms', m, 'VIGIL_DRIVER_NO_DATA');
    assert.deepEqual(ids(m), ['no-data@hp5']);
    deviceCondition('connected', 'hp5', null, m);
    assert.deepEqual(ids(m), []);
  });

  it('a BLE sensor off the patient (sensor-fault, VIGIL_BLE_SENSOR_OFF) is "Sensor Off Patient" until it is back on', () => {
    const m = manager();
    deviceCondition('sensor-fault', 'oxi', 'sensor off the patient', m, 'VIGIL_BLE_SENSOR_OFF');
    assert.deepEqual(ids(m), ['sensor-off@oxi']);
    assert.equal(m.alarms()[0]!.priority, 'medium');
    deviceCondition('connected', 'oxi', 'sensor back on the patient', m);
    assert.deepEqual(ids(m), []);
  });
});
