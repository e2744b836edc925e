import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PinGuard } from '../../src/api/bedside/auth.ts';
import { HubHttpServer } from '../../src/api/http-server.ts';
import { validateConfig } from '../../src/config/load.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { openBedside, type Bedside } from '../../src/pipeline/bedside.ts';
import { Store } from '../../src/store/store.ts';
import { post, startFixture, type Fixture } from './fixture.ts';

const PIN = '4711';
const auth = (pin: string): Record<string, string> => ({ authorization: `Bearer ${pin}` });

describe('bedside controls: acknowledge and audio pause', () => {
  let fx: Fixture;
  afterEach(async () => {
    await fx.close();
  });

  it('without a configured PIN the view is read-only: 403 VIGIL_VIEW_READONLY, nothing reaches the source', async () => {
    fx = await startFixture({ pin: null });
    fx.live.raiseAlarm({ condition: 'asystole', label: 'Asystole', priority: 'high' });
    for (const [path, body] of [['api/alarms/ack', { alarmId: null }], ['api/alarms/audio-pause', {}]] as const) {
      const r = await post(new URL(path, fx.url).href, body, auth(PIN));
      assert.equal(r.status, 403, path);
      assert.equal(r.body.error?.code, 'VIGIL_VIEW_READONLY');
    }
    assert.deepEqual([fx.live.calls.acknowledge.length, fx.live.calls.pauseAudio.length], [0, 0]);
  });

  it('acknowledges with the PIN; the log names the terminal and the client address', async () => {
    fx = await startFixture({ pin: PIN });
    const a = fx.live.raiseAlarm({ condition: 'asystole', label: 'Asystole', priority: 'high' });
    const none = await post(new URL('api/alarms/ack', fx.url).href, { alarmId: a.id });
    assert.equal(none.status, 401);
    assert.equal(none.body.error?.code, 'VIGIL_AUTH_REQUIRED');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const ok = await post(new URL('api/alarms/ack', fx.url).href, { alarmId: a.id, terminal: 'bed12-screen' }, auth(PIN));
    assert.equal(ok.status, 200);
    assert.deepEqual([ok.body.ok, ok.body.affected, ok.body.by], [true, 1, 'bed12-screen@127.0.0.1']);
    const entry = fx.live.log.find((e) => e.event === 'acknowledged');
    assert.deepEqual([entry?.alarmId, entry?.by], [a.id, 'bed12-screen@127.0.0.1']);
    // Default terminal name, and audio pause.
    const p = await post(new URL('api/alarms/audio-pause', fx.url).href, {}, auth(PIN));
    assert.equal(p.status, 200);
    assert.deepEqual(fx.live.calls.pauseAudio, ['bedside@127.0.0.1']);
  });

  it('a failed control from the source is a 409 with its reason', async () => {
    fx = await startFixture({ pin: PIN });
    const r = await post(new URL('api/alarms/ack', fx.url).href, { alarmId: 'no-such@alarm' }, auth(PIN));
    assert.equal(r.status, 409);
    assert.deepEqual([r.body.error?.code, r.body.error?.reason], ['VIGIL_LIVE_CONTROL_FAILED', 'VIGIL_ALARM_NOT_FOUND']);
  });

  it('wrong PINs are 401 VIGIL_AUTH_FAILED, then the client is locked out (429, Retry-After) even with the right PIN', async () => {
    fx = await startFixture({ pin: PIN, maxPinFailures: 3, lockoutMs: 10_000 });
    const url = new URL('api/alarms/ack', fx.url).href;
    for (let i = 0; i < 2; i++) {
      const r = await post(url, { alarmId: null }, auth('0000'));
      assert.equal(r.status, 401);
      assert.equal(r.body.error?.code, 'VIGIL_AUTH_FAILED');
    }
    const third = await post(url, { alarmId: null }, auth('0000'));
    assert.equal(third.status, 429);
    assert.equal(third.body.error?.code, 'VIGIL_AUTH_LOCKED');
    assert.equal(third.headers.get('retry-after'), '10');
    const right = await post(url, { alarmId: null }, auth(PIN));
    assert.equal(right.status, 429, 'the right PIN is not even compared while locked out');
    assert.equal(fx.live.calls.acknowledge.length, 0);
    fx.clock.advance(10_001);
    // One more wrong PIN after the lockout: locked again, for twice as long.
    const again = await post(url, { alarmId: null }, auth('1111'));
    assert.equal(again.status, 429);
    assert.equal(again.headers.get('retry-after'), '20');
    fx.clock.advance(20_001);
    const ok = await post(url, { alarmId: null }, auth(PIN));
    assert.equal(ok.status, 200);
    // A success resets the count.
    assert.equal((await post(url, { alarmId: null }, auth('2222'))).status, 401);
  });

  it('refuses bad bodies with codes: bad JSON 400, too large 413, not JSON 415, bad fields 400', async () => {
    fx = await startFixture({ pin: PIN });
    const url = new URL('api/alarms/ack', fx.url).href;
    const bad = await post(url, '{"alarmId":', auth(PIN));
    assert.deepEqual([bad.status, bad.body.error?.code], [400, 'VIGIL_HTTP_BAD_JSON']);
    const big = await post(url, JSON.stringify({ alarmId: null, pad: 'x'.repeat(20_000) }), auth(PIN));
    assert.deepEqual([big.status, big.body.error?.code], [413, 'VIGIL_HTTP_BODY_TOO_LARGE']);
    const chunked = await chunkedPost(url, 'x'.repeat(20_000), auth(PIN));
    assert.deepEqual([chunked.status, chunked.code], [413, 'VIGIL_HTTP_BODY_TOO_LARGE'], 'a body without content-length is limited too');
    const form = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth(PIN) }, body: 'alarmId=x' });
    assert.equal(form.status, 415);
    const shown = { id: 'a@b', onsetMs: 1, state: 'active' };
    const badShown = [{ shown: 'a@b' }, { shown: [shown, 'a@b'] }, { shown: [{ ...shown, state: 'gone' }] }, { shown: [{ ...shown, onsetMs: '1' }] }, { shown: [{ ...shown, id: '' }] }, { shown: Array(101).fill(shown) }];
    for (const body of [[1], { alarmId: 5 }, { alarmId: '' }, { terminal: 'bad name' }, { terminal: 'x'.repeat(40) }, 'null', ...badShown]) {
      const r = await post(url, typeof body === 'string' ? body : body, auth(PIN));
      assert.deepEqual([r.status, r.body.error?.code], [400, 'VIGIL_HTTP_BAD_REQUEST'], JSON.stringify(body));
    }
    assert.equal(fx.live.calls.acknowledge.length, 0);
    // An empty body is {}: acknowledge all.
    const empty = await fetch(url, { method: 'POST', headers: auth(PIN) });
    assert.equal(empty.status, 200);
    assert.deepEqual(fx.live.calls.acknowledge, [{ alarmId: null, by: 'bedside@127.0.0.1' }]);
  });
});

describe('bedside acknowledge scope and shutdown (real alarm manager, LiveHub and alarm log behind the HTTP API)', () => {
  let dir = '';
  let store: Store;
  let clock: ManualClock;
  let bedside: Bedside;
  let server: HubHttpServer;
  let url = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ack-scope-'));
    store = await Store.open({ dir });
    clock = new ManualClock();
    bedside = await openBedside({ config: validateConfig({}).alarms, hub: { id: 'h', bed: '12' }, store, clock, logger: silentLogger });
    server = new HubHttpServer({ status: { status: async () => ({}) }, live: bedside.live, bedside: { pin: PIN, pxPerMm: null, maxPinFailures: 5, lockoutMs: 30_000 }, clock, log: silentLogger });
    url = new URL('api/alarms/ack', await server.listen('127.0.0.1', 0)).href;
  });
  afterEach(async () => {
    await server.close();
    await bedside.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const alarms = (): string[] => bedside.alarms.alarms().map((a) => `${a.id}:${a.state}:${a.acknowledged === null ? 'unack' : 'ack'}`);
  /** The screen's `shown` list: the unacknowledged alarms of the view's live snapshot. */
  const screen = (): Array<{ id: string; onsetMs: number; state: string }> =>
    bedside.live.snapshot().alarms.filter((a) => a.acknowledged === null).map((a) => ({ id: a.id, onsetMs: a.onsetMs, state: a.state }));

  it('acknowledges only the alarms the screen showed: VF raised while the PIN was typed, and a latched VT sounding again, keep sounding', async () => {
    bedside.alarms.setCondition('couplet', 'ecg', true);
    bedside.alarms.setCondition('vtach', 'ecg', true);
    bedside.alarms.setCondition('vtach', 'ecg', false);
    const shown = screen(); // the nurse presses Acknowledge: couplet active, VT latched
    clock.advance(4000); // types the PIN
    bedside.alarms.setCondition('vfib', 'ecg', true); // VF starts meanwhile
    bedside.alarms.setCondition('vtach', 'ecg', true); // and VT is back (re-alarm)
    const r = await post(url, { alarmId: null, shown, terminal: 'bed12-screen' }, auth(PIN));
    assert.deepEqual([r.status, r.body.affected], [200, 1]);
    assert.deepEqual(alarms().sort(), ['couplet@ecg:active:ack', 'vfib@ecg:active:unack', 'vtach@ecg:active:unack']);
    assert.equal(bedside.alarms.audio().tone, 'high', 'VF and VT still sound');
    // Once shown, they are acknowledged like any other.
    const again = await post(url, { shown: screen() }, auth(PIN));
    assert.deepEqual([again.status, again.body.affected, bedside.alarms.audio().tone], [200, 2, null]);
  });

  it('an alarm that cleared and started again since it was shown is a new one: not acknowledged, not even by id', async () => {
    bedside.alarms.setCondition('afib', 'ecg', true);
    const shown = screen();
    clock.advance(3000);
    bedside.alarms.setCondition('afib', 'ecg', false); // non-latching: cleared
    clock.advance(3000);
    bedside.alarms.setCondition('afib', 'ecg', true); // a new AF alarm, same id
    for (const body of [{ shown }, { alarmId: 'afib@ecg', shown }]) {
      const r = await post(url, body, auth(PIN));
      assert.deepEqual([r.status, r.body.affected], [200, 0], JSON.stringify(body));
    }
    assert.deepEqual(alarms(), ['afib@ecg:active:unack']);
  });

  it('an older client without `shown`: an alarm raised after the request reached the hub is not acknowledged', async () => {
    bedside.alarms.setCondition('couplet', 'ecg', true);
    // The request arrives (headers, PIN) but its body comes later; VF starts in between.
    const arrived = new Promise<void>((resolve) => {
      const snapshot = bedside.live.snapshot.bind(bedside.live);
      bedside.live.snapshot = () => {
        resolve();
        return snapshot();
      };
    });
    const body = '{"alarmId":null}';
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...auth(PIN) } });
    const answer = new Promise<{ status: number; body: { affected?: number } }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { affected?: number } }));
      });
      req.on('error', reject);
    });
    req.flushHeaders();
    // (Bounded: should the hub not look at the alarms on arrival, VF still starts before the body.)
    await Promise.race([arrived, new Promise((r) => setTimeout(r, 1000))]);
    bedside.alarms.setCondition('vfib', 'ecg', true);
    req.end(body);
    const r = await answer;
    assert.deepEqual([r.status, r.body.affected], [200, 1]);
    assert.deepEqual(alarms().sort(), ['couplet@ecg:active:ack', 'vfib@ecg:active:unack']);
    assert.equal(bedside.alarms.audio().tone, 'high');
    // With nothing racing it, the old request still acknowledges everything (one acknowledge-all).
    const all = await post(url, { alarmId: null }, auth(PIN));
    assert.deepEqual([all.status, all.body.affected, bedside.alarms.audio().tone], [200, 1, null]);
  });

  it('after the hub closed its alarms, acknowledge and audio pause are 503 with reason VIGIL_ALARMS_CLOSED', async () => {
    bedside.alarms.setCondition('vtach', 'ecg', true);
    await bedside.close();
    const n = (await bedside.alarmLog.read({ limit: 100 })).length;
    for (const [p, body] of [['api/alarms/ack', { alarmId: 'vtach@ecg' }], ['api/alarms/ack', {}], ['api/alarms/audio-pause', {}]] as const) {
      const r = await post(new URL(`/${p}`, url).href, body, auth(PIN));
      assert.deepEqual([r.status, r.body.error?.code, r.body.error?.reason], [503, 'VIGIL_LIVE_CONTROL_FAILED', 'VIGIL_ALARMS_CLOSED'], p);
    }
    assert.equal(clock.pendingTimers(), 0, 'no audio pause timer armed');
    assert.equal((await bedside.alarmLog.read({ limit: 100 })).length, n, 'nothing logged after close');
  });
});

describe('PinGuard', () => {
  it('locks out per client: another client (the bedside screen) can still acknowledge', () => {
    const clock = new ManualClock();
    const g = new PinGuard({ pin: '123456', maxFailures: 2, lockoutMs: 5000, maxLockoutMs: 60_000, clock });
    assert.equal(g.check('10.0.0.66', 'x').ok, false);
    const locked = g.check('10.0.0.66', 'y');
    assert.equal(locked.ok ? '' : locked.code, 'VIGIL_AUTH_LOCKED');
    assert.equal(g.check('127.0.0.1', '123456').ok, true);
  });

  it('caps the lockout and forgets old clients beyond its bound', () => {
    const clock = new ManualClock();
    const g = new PinGuard({ pin: 'abcd', maxFailures: 1, lockoutMs: 1000, maxLockoutMs: 8000, clock, maxClients: 3 });
    let last = g.check('a', 'no');
    for (let i = 0; i < 10; i++) {
      clock.advance(60_000);
      last = g.check('a', 'no');
    }
    assert.equal(last.ok ? 0 : last.retryAfterS, 8);
    for (const k of ['b', 'c', 'd']) g.check(k, 'no');
    clock.advance(1);
    // 'a' was the oldest and is forgotten: it gets a fresh count (1 failure = locked at 1000 ms).
    const fresh = g.check('a', 'no');
    assert.equal(fresh.ok ? 0 : fresh.retryAfterS, 1);
  });

  it('an empty or missing PIN is VIGIL_AUTH_REQUIRED, not a counted failure', () => {
    const g = new PinGuard({ pin: 'abcd', maxFailures: 1, lockoutMs: 1000, maxLockoutMs: 8000, clock: new ManualClock() });
    for (let i = 0; i < 3; i++) {
      const d = g.check('a', i === 0 ? null : '');
      assert.equal(d.ok ? '' : d.code, 'VIGIL_AUTH_REQUIRED');
    }
    assert.equal(g.check('a', 'abcd').ok, true);
  });
});

function chunkedPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { error: { code: string } }).error.code }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
    req.end();
  });
}
