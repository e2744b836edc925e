import assert from 'node:assert/strict';
import net from 'node:net';
import { startFixture, type Fixture } from './fixture.ts';

describe('hub HTTP server: routes', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await startFixture();
  });
  afterEach(async () => {
    await fx.close();
  });

  it('keeps /health and /api/status, and serves the bedside view at /', async () => {
    assert.deepEqual(await (await fetch(new URL('health', fx.url))).json(), { status: 'ok' });
    const status = (await (await fetch(new URL('api/status', fx.url))).json()) as { hub: { id: string } };
    assert.equal(status.hub.id, 'test-hub');
    const page = await fetch(fx.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    // Nothing from elsewhere: the page works offline and runs only the hub's own scripts.
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    assert.match(html, /<canvas id="trace"/);
    for (const src of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      if (src[1] === 'data:,') continue;
      assert.ok(src[1]?.startsWith('/static/'), `${src[1]} is served by the hub`);
      const r = await fetch(new URL(src[1] as string, fx.url));
      assert.equal(r.status, 200, `${src[1]} served`);
    }
  });

  it('every module the view imports is served, with a JavaScript content type', async () => {
    const seen = new Set<string>();
    const queue = ['/static/bedside.js'];
    while (queue.length > 0) {
      const p = queue.shift() as string;
      if (seen.has(p)) continue;
      seen.add(p);
      const r = await fetch(new URL(p, fx.url));
      assert.equal(r.status, 200, `${p} served`);
      assert.match(r.headers.get('content-type') ?? '', /^text\/javascript/);
      for (const m of (await r.text()).matchAll(/from '\.\/([\w-]+\.js)'/g)) queue.push(`/static/${m[1]}`);
    }
    assert.ok(seen.size >= 5, `modules: ${[...seen].join(', ')}`);
  });

  it('answers unknown paths 404, wrong methods 405, path tricks 404, each with a stable code', async () => {
    const nf = await fetch(new URL('nope', fx.url));
    assert.equal(nf.status, 404);
    assert.equal(((await nf.json()) as { error: { code: string } }).error.code, 'VIGIL_HTTP_NOT_FOUND');
    const m = await fetch(new URL('health', fx.url), { method: 'POST' });
    assert.equal(m.status, 405);
    assert.equal(m.headers.get('allow'), 'GET');
    assert.equal(((await m.json()) as { error: { code: string } }).error.code, 'VIGIL_HTTP_METHOD');
    const g = await fetch(new URL('api/alarms/ack', fx.url));
    assert.equal(g.status, 405);
    // A raw request (fetch would normalise the dots away) must not reach outside static/.
    const raw = await rawGet(fx.url, '/static/../routes.ts');
    assert.match(raw, /^HTTP\/1\.1 404/);
    assert.equal((await fetch(new URL('static/live-stream.ts', fx.url))).status, 404);
  });

  it('GET /api/alarms pages the log newest first with limit and before', async () => {
    for (let i = 0; i < 7; i++) fx.live.raiseAlarm({ condition: `c${i}`, label: `C${i}`, priority: 'low' });
    const page1 = (await (await fetch(new URL('api/alarms?limit=3', fx.url))).json()) as { entries: Array<{ seq: number }>; nextBefore: number | null };
    assert.deepEqual(page1.entries.map((e) => e.seq), [7, 6, 5]);
    assert.equal(page1.nextBefore, 5);
    const page2 = (await (await fetch(new URL(`api/alarms?limit=3&before=${page1.nextBefore}`, fx.url))).json()) as typeof page1;
    assert.deepEqual(page2.entries.map((e) => e.seq), [4, 3, 2]);
    const page3 = (await (await fetch(new URL(`api/alarms?limit=3&before=2`, fx.url))).json()) as typeof page1;
    assert.deepEqual(page3.entries.map((e) => e.seq), [1]);
    assert.equal(page3.nextBefore, null);
    const dflt = (await (await fetch(new URL('api/alarms', fx.url))).json()) as typeof page1;
    assert.equal(dflt.entries.length, 7);
    assert.deepEqual(fx.live.calls.alarmLog[fx.live.calls.alarmLog.length - 1], { limit: 50 });
    for (const q of ['limit=0', 'limit=501', 'limit=abc', 'limit=1.5', 'before=-1', 'before=x']) {
      const r = await fetch(new URL(`api/alarms?${q}`, fx.url));
      assert.equal(r.status, 400, q);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'VIGIL_HTTP_BAD_REQUEST', q);
    }
  });
});

function rawGet(url: string, target: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => s.write(`GET ${target} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
