import assert from 'node:assert/strict';
import type { AlarmLogEntry } from '../../src/api/live.ts';
import { AlarmManager, type AlarmManagerEvent, type AlarmSettings, type PersistedAlarm } from '../../src/alarms/manager.ts';
import { ALARM_CONDITIONS, validateAlarmTable, type AlarmConditionDef } from '../../src/alarms/table.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { isVigilError } from '../../src/core/errors.ts';

class MemorySink {
  entries: AlarmLogEntry[] = [];
  inForce: readonly PersistedAlarm[] = [];
  record(entry: AlarmLogEntry, inForce: readonly PersistedAlarm[]): void {
    this.entries.push(entry);
    this.inForce = inForce;
  }
  events(): string[] {
    return this.entries.map((e) => `${e.event} ${e.alarmId}`);
  }
}

function setup(settings: Partial<AlarmSettings> = {}) {
  const clock = new ManualClock();
  const sink = new MemorySink();
  const mgr = new AlarmManager({ clock, sink, logger: silentLogger, settings });
  const seen: AlarmManagerEvent[] = [];
  mgr.subscribe((e) => seen.push(e));
  return { clock, sink, mgr, seen };
}

describe('alarm table', () => {
  it('every entry is valid, ids unique, and the life-threatening ones cannot be switched off', () => {
    const byId = validateAlarmTable(ALARM_CONDITIONS);
    assert.equal(byId.size, ALARM_CONDITIONS.length);
    for (const id of ['asystole', 'vfib', 'vtach']) {
      const d = byId.get(id);
      assert.ok(d);
      assert.equal(d.priority, 'high');
      assert.equal(d.latching, true);
      assert.equal(d.canDisable, false);
    }
    for (const d of ALARM_CONDITIONS) {
      if (d.source === 'limit') assert.ok(d.limit, d.id);
      if (d.technical) assert.notEqual(d.priority, 'high', d.id);
    }
    for (const tech of ['lead-off', 'noise', 'device-disconnected', 'no-data', 'sensor-off', 'storage-failure', 'alarm-log-failed', 'alarm-state-lost', 'uplink-down', 'outbox-drop', 'model-failed', 'ecg-analysis-failed']) {
      assert.equal(byId.get(tech)?.technical, true, tech);
    }
  });

  it('the storage watch and the alarm log have separate technical conditions; the alarm log ones latch', () => {
    const byId = validateAlarmTable(ALARM_CONDITIONS);
    const pick = (id: string) => {
      const d = byId.get(id);
      return d && { name: d.name, priority: d.priority, latching: d.latching, canDisable: d.canDisable, delayMs: d.delayMs, escalateAfterMs: d.escalateAfterMs };
    };
    assert.deepEqual(pick('storage-failure'), { name: 'Storage Failure', priority: 'medium', latching: false, canDisable: false, delayMs: 0, escalateAfterMs: null });
    assert.deepEqual(pick('alarm-log-failed'), { name: 'Alarm Log Failure', priority: 'medium', latching: true, canDisable: false, delayMs: 0, escalateAfterMs: null });
    assert.deepEqual(pick('alarm-state-lost'), { name: 'Prior Alarms Not Restored', priority: 'medium', latching: true, canDisable: false, delayMs: 0, escalateAfterMs: null });
    // Same shape as the beat classifier's technical alarm.
    assert.deepEqual({ ...byId.get('ecg-analysis-failed'), id: 'x', name: 'x' }, { ...byId.get('model-failed'), id: 'x', name: 'x' });
    assert.equal(byId.get('ecg-analysis-failed')?.name, 'ECG Analysis Failed');
  });

  it('rejects a bad table with a stable code naming the field', () => {
    const bad: AlarmConditionDef[] = [...ALARM_CONDITIONS, { ...(ALARM_CONDITIONS[0] as AlarmConditionDef) }];
    assert.throws(() => validateAlarmTable(bad), (e: unknown) => isVigilError(e) && e.code === 'VIGIL_CONDITION_TABLE_INVALID');
    const tech = ALARM_CONDITIONS.find((d) => d.id === 'no-data') as AlarmConditionDef;
    assert.throws(() => validateAlarmTable([{ ...tech, priority: 'high' }]), (e: unknown) => isVigilError(e) && e.details.path === '[0].priority');
  });
});

describe('AlarmManager', () => {
  it('raises a rhythm alarm at once (the detector applied the delay) and logs the onset', () => {
    const { mgr, sink, seen } = setup();
    mgr.setCondition('asystole', 'ecg', true);
    const [a] = mgr.alarms();
    assert.equal(a?.id, 'asystole@ecg');
    assert.equal(a?.priority, 'high');
    assert.equal(a?.state, 'active');
    assert.deepEqual(sink.events(), ['onset asystole@ecg']);
    assert.equal(mgr.audio().tone, 'high');
    assert.ok(seen.some((e) => e.type === 'raised' && e.alarm.id === 'asystole@ecg'));
  });

  it('latching: a high alarm stays LATCHED after its condition ends, until acknowledged', () => {
    const { mgr, sink } = setup();
    mgr.setCondition('vtach', 'ecg', true);
    mgr.setCondition('vtach', 'ecg', false);
    assert.equal(mgr.alarms()[0]?.state, 'latched');
    assert.equal(mgr.audio().tone, 'high', 'a latched unacknowledged alarm keeps sounding');
    const r = mgr.acknowledge('vtach@ecg', 'nurse-1');
    assert.deepEqual(r, { ok: true, affected: 1 });
    assert.equal(mgr.alarms().length, 0);
    assert.deepEqual(sink.events(), ['onset vtach@ecg', 'offset vtach@ecg', 'latched vtach@ecg', 'acknowledged vtach@ecg', 'cleared vtach@ecg']);
    assert.equal(sink.entries[3]?.by, 'nurse-1');
  });

  it('non-latching: the alarm clears with its condition', () => {
    const { mgr, sink } = setup();
    mgr.setCondition('afib', 'ecg', true);
    mgr.setCondition('afib', 'ecg', false);
    assert.equal(mgr.alarms().length, 0);
    assert.deepEqual(sink.events(), ['onset afib@ecg', 'offset afib@ecg', 'cleared afib@ecg']);
  });

  it('acknowledging an active alarm silences it but keeps it shown; it clears when the condition ends', () => {
    const { mgr, sink } = setup();
    mgr.setCondition('asystole', 'ecg', true);
    mgr.acknowledge(null, 'bedside');
    const [a] = mgr.alarms();
    assert.equal(a?.state, 'active');
    assert.equal(a?.acknowledged?.by, 'bedside');
    assert.equal(mgr.audio().tone, null);
    mgr.setCondition('asystole', 'ecg', false);
    assert.equal(mgr.alarms().length, 0, 'acknowledged: no latch');
    assert.deepEqual(sink.events().slice(-2), ['offset asystole@ecg', 'cleared asystole@ecg']);
  });

  it('re-alarm: a latched alarm whose condition recurs sounds again; a recurrence after clearing is logged as re-alarm', () => {
    const { mgr, sink, clock } = setup();
    mgr.setCondition('vfib', 'ecg', true);
    mgr.setCondition('vfib', 'ecg', false);
    mgr.setCondition('vfib', 'ecg', true);
    assert.equal(mgr.alarms()[0]?.state, 'active');
    assert.equal(sink.entries.at(-1)?.event, 're-alarm');
    mgr.acknowledge(null, 'n');
    mgr.setCondition('vfib', 'ecg', false);
    clock.advance(60_000);
    mgr.setCondition('vfib', 'ecg', true);
    assert.equal(sink.entries.at(-1)?.event, 're-alarm');
    assert.equal(mgr.alarms()[0]?.acknowledged, null, 'a new occurrence is unacknowledged');
    assert.equal(mgr.audio().tone, 'high');
    // Long after, it is a new onset.
    mgr.acknowledge(null, 'n');
    mgr.setCondition('vfib', 'ecg', false);
    clock.advance(3_600_000);
    mgr.setCondition('vfib', 'ecg', true);
    assert.equal(sink.entries.at(-1)?.event, 'onset');
  });

  it('a latched alarm whose condition recurs waits the alarm-condition delay again: a 1-s dip neither re-alarms nor ends an audio pause', () => {
    const { mgr, sink, clock } = setup();
    const spo2 = (v: number, times = 1): void => {
      for (let i = 0; i < times; i++) {
        mgr.observe('spo2', 'ox', v);
        clock.advance(1000);
      }
    };
    spo2(78, 8); // a real desaturation (desat delay 5 s)
    spo2(95, 5); // recovered: the desat latches, SpO2 low clears
    assert.deepEqual(mgr.alarms().map((a) => `${a.id}:${a.state}`), ['spo2-desat@ox:latched']);
    mgr.pauseAudio('nurse');
    const n = sink.entries.length;
    spo2(79); // one artefact reading
    spo2(95);
    assert.deepEqual(sink.events().slice(n), [], 'shorter than the 5-s delay: nothing happens');
    assert.notEqual(mgr.audio().pausedUntilMs, null, 'the audio pause holds');
    assert.equal(mgr.alarms()[0]?.state, 'latched');
    // A recurrence that lasts the delay sounds again, on the same (latched) alarm.
    const onset = mgr.alarms()[0]?.onsetMs;
    spo2(77, 4);
    assert.equal(mgr.alarms()[0]?.state, 'latched', 'still waiting the delay');
    spo2(77, 1);
    assert.deepEqual(sink.events().slice(n), ['re-alarm spo2-desat@ox', 'audio-resumed audio@hub']);
    assert.deepEqual([mgr.alarms()[0]?.state, mgr.alarms()[0]?.onsetMs, mgr.alarms()[0]?.value], ['active', onset, 77]);
    // Acknowledged (cleared) while a recurrence waits its delay: a new alarm when it falls due.
    spo2(95, 3);
    spo2(76, 2);
    assert.deepEqual(mgr.acknowledge('spo2-desat@ox', 'n'), { ok: true, affected: 1 });
    assert.equal(mgr.alarms().some((a) => a.condition === 'spo2-desat'), false);
    spo2(76, 3);
    assert.equal(mgr.alarms().find((a) => a.condition === 'spo2-desat')?.acknowledged, null);
    assert.equal(sink.entries.filter((e) => e.alarmId === 'spo2-desat@ox').at(-1)?.event, 're-alarm');
  });

  it('a limit alarm\'s label follows the value, while pending and while in force, not the first violating reading', () => {
    const { mgr, clock } = setup();
    mgr.observe('resp_rate', 'mon', 31);
    for (let i = 1; i <= 10; i++) {
      clock.advance(1000);
      mgr.observe('resp_rate', 'mon', 31 + 3 * i);
    }
    const label = (): string | undefined => mgr.alarms()[0]?.label;
    assert.equal(label(), 'Resp High 61 > 30 /min', 'raised with the reading when the delay fell due');
    mgr.observe('resp_rate', 'mon', 64);
    assert.deepEqual([label(), mgr.alarms()[0]?.value], ['Resp High 64 > 30 /min', 64]);
    mgr.observe('resp_rate', 'mon', 29.5); // inside the hysteresis band: holds, but is not above the limit
    assert.deepEqual([label(), mgr.alarms()[0]?.value], ['Resp High 29.5, limit 30 /min', 29.5]);
    mgr.observe('resp_rate', 'mon', 35);
    assert.equal(label(), 'Resp High 35 > 30 /min');
  });

  it('after close(), acknowledge and audio pause are refused with VIGIL_ALARMS_CLOSED: nothing logged, no timer armed', () => {
    const { mgr, sink, clock } = setup();
    mgr.setCondition('vtach', 'ecg', true);
    mgr.close();
    const n = sink.entries.length;
    const timers = clock.pendingTimers();
    const p = mgr.pauseAudio('n');
    const a = mgr.acknowledge(null, 'n');
    const one = mgr.acknowledge('vtach@ecg', 'n');
    for (const r of [p, a, one]) assert.deepEqual(r.ok ? null : r.code, 'VIGIL_ALARMS_CLOSED');
    assert.equal(sink.entries.length, n, 'no log entry after close');
    assert.equal(clock.pendingTimers(), timers, 'no audio pause timer');
    assert.deepEqual([mgr.audio().pausedUntilMs, mgr.alarms()[0]?.acknowledged], [null, null]);
  });

  it('acknowledge of an unknown alarm is a clear error; acknowledging twice affects nothing', () => {
    const { mgr } = setup();
    const r = mgr.acknowledge('nope@x', 'n');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'VIGIL_ALARM_UNKNOWN');
    mgr.setCondition('pause', 'ecg', true);
    assert.deepEqual(mgr.acknowledge(null, 'n'), { ok: true, affected: 1 });
    assert.deepEqual(mgr.acknowledge(null, 'n'), { ok: true, affected: 0 });
  });

  it('escalates a medium alarm left unacknowledged (default 2 min), not an acknowledged one', () => {
    const { mgr, sink, clock } = setup();
    mgr.setCondition('afib', 'ecg', true);
    mgr.setCondition('pause', 'ecg', true);
    mgr.acknowledge('pause@ecg', 'n');
    clock.advance(119_000);
    assert.equal(mgr.alarms().find((a) => a.condition === 'afib')?.priority, 'medium');
    clock.advance(1_000);
    const af = mgr.alarms().find((a) => a.condition === 'afib');
    assert.equal(af?.priority, 'high');
    assert.equal(af?.escalated, true);
    assert.equal(mgr.alarms().find((a) => a.condition === 'pause')?.priority, 'medium');
    assert.equal(mgr.audio().tone, 'high');
    assert.ok(sink.events().includes('escalated afib@ecg'));
    assert.ok(!sink.events().includes('escalated pause@ecg'));
  });

  it('technical and low alarms do not escalate; escalation can be turned off per bed', () => {
    const { mgr, clock } = setup({ escalateAfterMs: 0 });
    mgr.setCondition('afib', 'ecg', true);
    mgr.setCondition('lead-off', 'ecg', true);
    clock.advance(3_600_000);
    assert.deepEqual(mgr.alarms().map((a) => a.priority).sort(), ['medium', 'medium']);
  });

  it('audio pause: silent for the configured time, resumes by itself, logged both ways', () => {
    const { mgr, sink, clock } = setup({ audioPauseMs: 60_000 });
    mgr.setCondition('asystole', 'ecg', true);
    const t0 = clock.wallMs();
    mgr.pauseAudio('nurse-2');
    assert.equal(mgr.audio().pausedUntilMs, t0 + 60_000);
    assert.equal(mgr.audio().pausedBy, 'nurse-2');
    clock.advance(59_999);
    assert.notEqual(mgr.audio().pausedUntilMs, null);
    clock.advance(1);
    assert.equal(mgr.audio().pausedUntilMs, null);
    assert.deepEqual(sink.events().slice(-2), ['audio-paused audio@hub', 'audio-resumed audio@hub']);
    assert.equal(sink.entries.at(-2)?.by, 'nurse-2');
  });

  it('a new alarm condition ends an audio pause', () => {
    const { mgr, sink } = setup();
    mgr.setCondition('afib', 'ecg', true);
    mgr.pauseAudio('n');
    mgr.setCondition('asystole', 'ecg', true);
    assert.equal(mgr.audio().pausedUntilMs, null);
    assert.equal(sink.entries.find((e) => e.event === 'audio-resumed')?.detail, 'new alarm condition');
  });

  it('alarm-condition delay: a limit violation shorter than the delay raises nothing', () => {
    const { mgr, clock } = setup();
    mgr.observe('spo2', 'ox', 88);
    clock.advance(9_000);
    mgr.observe('spo2', 'ox', 95);
    clock.advance(60_000);
    assert.equal(mgr.alarms().length, 0);
    mgr.observe('spo2', 'ox', 88);
    clock.advance(10_000);
    const [a] = mgr.alarms();
    assert.equal(a?.condition, 'spo2-low');
    assert.equal(a?.value, 88);
    assert.deepEqual(a?.limits, { low: 90, high: 100.5 });
    assert.match(a?.label ?? '', /SpO2 Low 88 < 90 %/);
  });

  it('ECG HR limits have a 5-s alarm-condition delay (a rate hovering at a limit); extreme brady/tachy none; a bed may change it', () => {
    const { mgr, clock, sink } = setup();
    for (let i = 0; i < 5; i++) {
      mgr.setCondition('hr-high', 'ecg', true);
      clock.advance(4_500);
      mgr.setCondition('hr-high', 'ecg', false);
      clock.advance(1_000);
    }
    mgr.setCondition('hr-low', 'ecg', true);
    clock.advance(4_900);
    mgr.setCondition('hr-low', 'ecg', false);
    assert.equal(mgr.alarms().length, 0, 'conditions shorter than 5 s sound nothing');
    mgr.setCondition('extreme-tachy', 'ecg', true);
    assert.equal(mgr.alarms()[0]?.condition, 'extreme-tachy', 'extreme tachycardia sounds at once');
    mgr.setCondition('hr-high', 'ecg', true);
    clock.advance(4_999);
    assert.equal(mgr.alarms().length, 1);
    clock.advance(1);
    assert.deepEqual(mgr.alarms().map((a) => a.condition).sort(), ['extreme-tachy', 'hr-high']);
    assert.deepEqual(sink.events().filter((e) => e.startsWith('onset')), ['onset extreme-tachy@ecg', 'onset hr-high@ecg']);
    const bed = setup({ delaysMs: { 'hr-high': 0 } });
    bed.mgr.setCondition('hr-high', 'ecg', true);
    assert.equal(bed.mgr.alarms()[0]?.condition, 'hr-high', 'config alarms.delaysS overrides the default');
  });

  it('hysteresis: a value hovering at the limit does not flap', () => {
    const { mgr, sink, clock } = setup();
    mgr.observe('resp_rate', 'ov', 31);
    clock.advance(10_000);
    assert.equal(mgr.alarms().length, 1);
    for (const v of [30, 30.5, 29.5, 31, 30, 29.2]) {
      mgr.observe('resp_rate', 'ov', v);
      clock.advance(1_000);
    }
    assert.equal(mgr.alarms().length, 1, 'inside the hysteresis band the alarm holds');
    mgr.observe('resp_rate', 'ov', 29);
    assert.equal(mgr.alarms().length, 0);
    assert.equal(sink.entries.filter((e) => e.event === 'onset').length, 1);
  });

  it('per-bed limits and switched-off limits apply; "no valid value" neither raises nor clears', () => {
    const { mgr, clock } = setup({ limits: { 'nibp-sys-high': 140, 'nibp-sys-low': null } });
    mgr.observe('nibp_sys', 'cuff', 150);
    assert.equal(mgr.alarms()[0]?.condition, 'nibp-sys-high', 'NIBP is episodic: no delay');
    mgr.observe('nibp_sys', 'cuff', null);
    assert.equal(mgr.alarms().length, 1);
    mgr.observe('nibp_sys', 'cuff', 60);
    clock.advance(1000);
    assert.equal(mgr.alarms().length, 0, 'the low limit is off for this bed');
  });

  it('a deep desaturation raises the high-priority desat alarm and the SpO2 low alarm', () => {
    const { mgr, clock } = setup();
    mgr.observe('spo2', 'ox', 75);
    clock.advance(5_000);
    assert.deepEqual(mgr.alarms().map((a) => a.condition), ['spo2-desat']);
    clock.advance(5_000);
    assert.deepEqual(mgr.alarms().map((a) => a.condition), ['spo2-desat', 'spo2-low'], 'high first');
  });

  it('asystole, VF and VT cannot be switched off; other conditions can', () => {
    const { mgr } = setup({ disabled: ['asystole', 'vtach', 'afib'] });
    mgr.setCondition('asystole', 'ecg', true);
    mgr.setCondition('vtach', 'ecg', true);
    mgr.setCondition('afib', 'ecg', true);
    assert.deepEqual(mgr.alarms().map((a) => a.condition).sort(), ['asystole', 'vtach']);
  });

  it('restores latched unacknowledged alarms after a restart, not acknowledged or non-latching ones', () => {
    const first = setup();
    first.mgr.setCondition('asystole', 'ecg', true);
    first.mgr.setCondition('vfib', 'ecg', true);
    first.mgr.acknowledge('vfib@ecg', 'n');
    first.mgr.setCondition('afib', 'ecg', true);
    const persisted = first.sink.inForce;
    assert.equal(persisted.length, 3);
    const lastSeq = first.sink.entries.at(-1)?.seq ?? 0;
    const clock = new ManualClock();
    const sink = new MemorySink();
    const mgr = new AlarmManager({ clock, sink, logger: silentLogger, lastSeq });
    mgr.restore(persisted);
    assert.deepEqual(mgr.alarms().map((a) => `${a.id}:${a.state}`), ['asystole@ecg:latched']);
    assert.equal(sink.entries[0]?.event, 'restored');
    assert.equal(sink.entries[0]?.seq, lastSeq + 1, 'the log sequence continues');
    // The detector sees asystole again: the restored alarm becomes active again.
    mgr.setCondition('asystole', 'ecg', true);
    assert.equal(mgr.alarms()[0]?.state, 'active');
  });

  it('does not restore a latched alarm of a condition switched off for this bed since', () => {
    const first = setup();
    first.mgr.setCondition('extreme-brady', 'ecg', true);
    first.mgr.setCondition('extreme-brady', 'ecg', false);
    first.mgr.setCondition('vtach', 'ecg', true);
    first.mgr.setCondition('vtach', 'ecg', false);
    assert.deepEqual(first.sink.inForce.map((a) => `${a.id}:${a.state}`), ['extreme-brady@ecg:latched', 'vtach@ecg:latched']);
    // vtach cannot be switched off: the setting is ignored for it, and it comes back.
    const { mgr, sink } = setup({ disabled: ['extreme-brady', 'vtach'] });
    mgr.restore(first.sink.inForce);
    assert.deepEqual(mgr.alarms().map((a) => `${a.id}:${a.state}`), ['vtach@ecg:latched']);
    assert.deepEqual(sink.events(), ['restored vtach@ecg']);
    assert.equal(mgr.audio().tone, 'high');
    mgr.acknowledge(null, 'n');
    assert.deepEqual([mgr.alarms().length, mgr.audio().tone], [0, null]);
  });

  it('a listener that throws does not stop the manager', () => {
    const { mgr } = setup();
    mgr.subscribe(() => {
      throw new Error('boom');
    });
    mgr.setCondition('asystole', 'ecg', true);
    assert.equal(mgr.alarms().length, 1);
  });

  it('unknown conditions are ignored, not thrown', () => {
    const { mgr } = setup();
    mgr.setCondition('made-up', 'ecg', true);
    assert.equal(mgr.alarms().length, 0);
  });
});
