import assert from 'node:assert/strict';
import { CONDITIONS, CONDITION_IDS, validateConditionTable, type ConditionDef } from '../../../src/detect/conditions.ts';
import { resolveRhythmConfig } from '../../../src/detect/rhythm/config.ts';
import { isVigilError } from '../../../src/core/errors.ts';

function throwsCode(fn: () => unknown, code: 'VIGIL_CONDITION_TABLE_INVALID' | 'VIGIL_RHYTHM_CONFIG_INVALID', path?: string): void {
  assert.throws(fn, (e: unknown) => isVigilError(e, code) && (path === undefined || e.details.path === path));
}

describe('condition table', () => {
  it('validates and covers every condition id once', () => {
    const byId = validateConditionTable(CONDITIONS);
    assert.equal(byId.size, CONDITION_IDS.length);
    assert.equal(CONDITIONS.length, CONDITION_IDS.length);
  });

  for (const c of CONDITIONS) {
    it(`${c.id}: defaults in range, sane flags and label`, () => {
      for (const q of c.params) {
        assert.ok(q.default >= q.min && q.default <= q.max, q.key);
        if (q.integer === true) assert.ok(Number.isInteger(q.default), q.key);
      }
      if (!c.canDisable && !c.technical) assert.equal(c.priority, 'high');
      if (c.mitAux !== null) assert.match(c.mitAux, /^\([A-Z]+$/);
      assert.ok(c.name.length > 0 && c.describe.length > 0);
    });
  }

  it('asystole, VF and VT are high priority, latching and cannot be switched off', () => {
    for (const id of ['asystole', 'vfib', 'vtach'] as const) {
      const c = CONDITIONS.find((x) => x.id === id);
      assert.ok(c);
      assert.equal(c.priority, 'high');
      assert.equal(c.latching, true);
      assert.equal(c.canDisable, false);
    }
  });

  it('IEC defaults: asystole 4 s (3-10), VF 4 s, VT 5 beats at 100 bpm, pause 2.5 s', () => {
    const cfg = resolveRhythmConfig();
    assert.equal(cfg.asystoleS, 4);
    assert.equal(cfg.vfDurationS, 4);
    assert.equal(cfg.vtMinBeats, 5);
    assert.equal(cfg.vtMinRateBpm, 100);
    assert.equal(cfg.pauseS, 2.5);
    const a = CONDITIONS.find((x) => x.id === 'asystole')?.params[0];
    assert.deepEqual([a?.min, a?.max], [3, 10]);
  });

  const mutate = (i: number, patch: Partial<ConditionDef>): ConditionDef[] => CONDITIONS.map((c, k) => (k === i ? { ...c, ...patch } : c));
  it('rejects bad tables with the offending path', () => {
    throwsCode(() => validateConditionTable(mutate(1, { id: 'asystole' })), 'VIGIL_CONDITION_TABLE_INVALID', '[1].id');
    throwsCode(() => validateConditionTable(mutate(5, { canDisable: false })), 'VIGIL_CONDITION_TABLE_INVALID', '[5].canDisable');
    throwsCode(() => validateConditionTable(mutate(2, { mitAux: 'VT' })), 'VIGIL_CONDITION_TABLE_INVALID', '[2].mitAux');
    const bad = CONDITIONS[0] as ConditionDef;
    throwsCode(() => validateConditionTable(mutate(0, { params: [{ ...(bad.params[0] as ConditionDef['params'][number]), default: 20 }] })), 'VIGIL_CONDITION_TABLE_INVALID', '[0].params[0].default');
    throwsCode(() => validateConditionTable(CONDITIONS.slice(1)), 'VIGIL_CONDITION_TABLE_INVALID', '(table)');
    const lo = CONDITIONS.findIndex((c) => c.id === 'lead-off');
    throwsCode(() => validateConditionTable(mutate(lo, { priority: 'high' })), 'VIGIL_CONDITION_TABLE_INVALID', `[${lo}].priority`);
    throwsCode(() => validateConditionTable(mutate(0, { alarmDelayS: 5 })), 'VIGIL_CONDITION_TABLE_INVALID', '[0].alarmDelayS');
    const hi = CONDITIONS.findIndex((c) => c.id === 'hr-high');
    throwsCode(() => validateConditionTable(mutate(hi, { alarmDelayS: -1 })), 'VIGIL_CONDITION_TABLE_INVALID', `[${hi}].alarmDelayS`);
    throwsCode(() => validateConditionTable(mutate(hi, { alarmDelayS: 121 })), 'VIGIL_CONDITION_TABLE_INVALID', `[${hi}].alarmDelayS`);
  });

  it('rejects bad rhythm configuration', () => {
    throwsCode(() => resolveRhythmConfig({ asystoleS: 2 }), 'VIGIL_RHYTHM_CONFIG_INVALID', 'asystoleS');
    throwsCode(() => resolveRhythmConfig({ vtMinBeats: 4.5 }), 'VIGIL_RHYTHM_CONFIG_INVALID', 'vtMinBeats');
    throwsCode(() => resolveRhythmConfig({ hrLowBpm: 130, hrHighBpm: 120 }), 'VIGIL_RHYTHM_CONFIG_INVALID', 'hrLowBpm');
    throwsCode(() => resolveRhythmConfig({ disabled: ['vfib'] }), 'VIGIL_RHYTHM_CONFIG_INVALID', 'disabled');
    assert.deepEqual(resolveRhythmConfig({ disabled: ['couplet'] }).disabled, ['couplet']);
    assert.equal(resolveRhythmConfig({ asystoleS: 6 }).asystoleS, 6);
  });
});
