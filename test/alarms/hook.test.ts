import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AlarmView } from '../../src/api/live.ts';
import { AlarmHook } from '../../src/alarms/hook.ts';
import { silentLogger } from '../../src/core/log.ts';

const alarm = (priority: AlarmView['priority'], condition = 'asystole'): AlarmView => ({
  id: `${condition}@ecg`, condition, label: condition, priority, technical: false, deviceId: 'ecg', state: 'active',
  onsetMs: 1_800_000_000_000, acknowledged: null, escalated: false, value: null, limits: null,
});
const hub = { id: 'hub-1', bed: 'bed-9' };

describe('alarm command hook', function () {
  this.timeout(20_000);
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-hook-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the program with the alarm as JSON on stdin and in VIGIL_ALARM_* variables', async () => {
    const out = path.join(dir, 'got.json');
    const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>require('fs').writeFileSync(${JSON.stringify(out)},JSON.stringify({stdin:JSON.parse(s),env:{p:process.env.VIGIL_ALARM_PRIORITY,c:process.env.VIGIL_ALARM_CONDITION,b:process.env.VIGIL_BED,e:process.env.VIGIL_ALARM_EVENT}})))`;
    const hook = new AlarmHook({ command: [process.execPath, '-e', script], timeoutMs: 10_000, priorities: ['high', 'medium', 'low'], logger: silentLogger });
    hook.fire({ event: 'onset', alarm: alarm('high'), hub });
    await hook.idle();
    const got = JSON.parse(await readFile(out, 'utf8')) as { stdin: { event: string; alarm: AlarmView; hub: typeof hub }; env: Record<string, string> };
    assert.equal(got.stdin.alarm.id, 'asystole@ecg');
    assert.equal(got.stdin.event, 'onset');
    assert.deepEqual(got.stdin.hub, hub);
    assert.deepEqual(got.env, { p: 'high', c: 'asystole', b: 'bed-9', e: 'onset' });
    assert.equal(hook.failures, 0);
  });

  it('a failing, missing or hanging program is counted and logged, never thrown; priorities filter', async () => {
    const failing = new AlarmHook({ command: [process.execPath, '-e', 'process.exit(3)'], timeoutMs: 10_000, priorities: ['high'], logger: silentLogger });
    failing.fire({ event: 'onset', alarm: alarm('high'), hub });
    failing.fire({ event: 'onset', alarm: alarm('low', 'couplet'), hub });
    await failing.idle();
    assert.equal(failing.runs, 1, 'the low alarm is not for this hook');
    assert.equal(failing.failures, 1);

    const missing = new AlarmHook({ command: [path.join(dir, 'no-such-program')], timeoutMs: 10_000, priorities: ['high'], logger: silentLogger });
    missing.fire({ event: 'onset', alarm: alarm('high'), hub });
    await missing.idle();
    assert.equal(missing.failures, 1);

    const hanging = new AlarmHook({ command: [process.execPath, '-e', 'setInterval(()=>{},1000)'], timeoutMs: 300, priorities: ['high'], logger: silentLogger });
    hanging.fire({ event: 'onset', alarm: alarm('high'), hub });
    await hanging.idle();
    assert.equal(hanging.failures, 1, 'killed after its timeout');
  });

  it('runs at most maxConcurrent at once and queues the rest (all still run)', async () => {
    const hook = new AlarmHook({ command: [process.execPath, '-e', 'setTimeout(()=>{},200)'], timeoutMs: 10_000, priorities: ['high'], logger: silentLogger, maxConcurrent: 2 });
    for (let i = 0; i < 5; i++) hook.fire({ event: 'onset', alarm: alarm('high'), hub });
    await hook.idle();
    assert.equal(hook.runs, 5);
    assert.equal(hook.failures, 0);
  });
});
