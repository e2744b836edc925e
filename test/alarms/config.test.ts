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
});
