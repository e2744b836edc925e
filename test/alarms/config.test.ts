import assert from 'node:assert/strict';
import { alarmSettings, rhythmOverrides } from '../../src/alarms/config.ts';
import { validateConfig } from '../../src/config/load.ts';
import { isVigilError } from '../../src/core/errors.ts';

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e: unknown) {
    if (isVigilError(e) && e.code === 'VIGIL_CONFIG_INVALID') return e.message.split('\n');
    throw e;
  }
  return [];
}

describe('alarms config section', () => {
  it('defaults: 2-min audio pause, no limits overridden, no hook', () => {
    const c = validateConfig({});
    assert.equal(c.alarms.audioPauseS, 120);
    assert.equal(c.alarms.hook.command, null);
    assert.deepEqual(alarmSettings(c.alarms).limits, {});
  });

  it('refuses to switch off asystole, VF, VT or a technical alarm, and unknown names', () => {
    const text = problems({ alarms: { disabled: ['asystole', 'vfib', 'vtach', 'lead-off', 'no-such', 'couplet'] } }).join('\n');
    for (const id of ['asystole', 'vfib', 'vtach', 'lead-off']) assert.match(text, new RegExp(`"${id}" cannot be switched off`));
    assert.match(text, /unknown alarm condition "no-such"/);
    assert.doesNotMatch(text, /couplet/);
  });

  it('checks limits: known limit alarms, plausible ranges; HR limits go to the rhythm detectors', () => {
    assert.match(problems({ alarms: { limits: { 'spo2-low': 40 } } }).join('\n'), /alarms\.limits\.spo2-low.*outside 50\.\.100\.5/);
    assert.match(problems({ alarms: { limits: { afib: 3 } } }).join('\n'), /"afib" is not a limit alarm/);
    assert.match(problems({ alarms: { limits: { 'hr-high': 400 } } }).join('\n'), /outside/);
    const c = validateConfig({ alarms: { limits: { 'spo2-low': 88, 'hr-high': 130, 'nibp-sys-low': null }, delaysS: { 'spo2-low': 15 }, escalateAfterS: 0 } });
    assert.deepEqual(alarmSettings(c.alarms).limits, { 'spo2-low': 88, 'nibp-sys-low': null });
    assert.deepEqual(alarmSettings(c.alarms).delaysMs, { 'spo2-low': 15_000 });
    assert.equal(alarmSettings(c.alarms).escalateAfterMs, 0);
    assert.deepEqual(rhythmOverrides(c.alarms), { hrHighBpm: 130 });
  });

  it('refuses HR limits that do not fit together at load (they used to stop the ECG analysis at the first block)', () => {
    assert.match(problems({ alarms: { limits: { 'hr-high': 210 } } }).join('\n'), /alarms\.limits\b.*HR limits do not fit together.*extremeTachyBpm/);
    assert.match(problems({ alarms: { limits: { 'hr-low': 30 } } }).join('\n'), /alarms\.limits.*HR limits do not fit together.*extremeBradyBpm/);
    assert.match(problems({ alarms: { limits: { 'hr-low': 40, 'hr-high': 35 } } }).join('\n'), /HR limits do not fit together.*hrLowBpm: must be below hrHighBpm/);
    // Moving the extreme limit with it is fine.
    assert.deepEqual(problems({ alarms: { limits: { 'hr-high': 210, 'extreme-tachy': 220 } } }), []);
  });

  it('refuses an alarm delay for asystole, VF, VTach and extreme brady/tachy; allows one for medium conditions', () => {
    const text = problems({ alarms: { delaysS: { asystole: 120, vfib: 1, vtach: 5, 'extreme-brady': 5, 'extreme-tachy': 5, afib: 30 } } }).join('\n');
    for (const id of ['asystole', 'vfib', 'vtach', 'extreme-brady', 'extreme-tachy']) assert.match(text, new RegExp(`delaysS\\.${id}.*takes no alarm delay`));
    assert.doesNotMatch(text, /afib/);
  });

  it('refuses vital-sign limits that leave no room (low at or above high, desat above SpO2 low)', () => {
    assert.match(problems({ alarms: { limits: { 'spo2-low': 99, 'spo2-high': 98 } } }).join('\n'), /spo2-low 99 must be below spo2-high 98/);
    assert.match(problems({ alarms: { limits: { 'pulse-low': 130 } } }).join('\n'), /pulse-low 130 must be below pulse-high 120/);
    assert.match(problems({ alarms: { limits: { 'spo2-desat': 92 } } }).join('\n'), /spo2-desat 92 must not be above spo2-low 90/);
    // A limit switched off (null) leaves nothing to compare.
    assert.deepEqual(problems({ alarms: { limits: { 'pulse-low': 130, 'pulse-high': null } } }), []);
    assert.deepEqual(problems({ alarms: { limits: { 'spo2-low': 88, 'spo2-desat': 85 } } }), []);
  });
});
