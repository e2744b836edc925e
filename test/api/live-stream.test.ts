import assert from 'node:assert/strict';
import net from 'node:net';
import { SseReader, startFixture, type Fixture } from './fixture.ts';

describe('GET /api/live (Server-Sent Events)', () => {
  let fx: Fixture;
  afterEach(async () => {
    await fx.close();
  });

  it('starts with the snapshot (and the view settings), then forwards live events in order, one SSE event each', async () => {
    fx = await startFixture({ pin: '1234', pxPerMm: 4.2 });
    fx.live.raiseAlarm({ condition: 'spo2-low', label: 'SpO2 low', priority: 'medium' });
    const sse = await SseReader.open(new URL('api/live', fx.url).href);
    assert.match(String(sse.res.headers['content-type']), /^text\/event-stream/);
    const [first] = await sse.waitFor(1);
    assert.equal(first?.event, 'snapshot');
    const snap = JSON.parse(first?.data ?? '') as { hub: { bed: string }; alarms: Array<{ condition: string }>; ecg: { sampleRate: number }; view: { readOnly: boolean; pxPerMm: number } };
    assert.equal(snap.hub.bed, '12');
    assert.deepEqual(snap.alarms.map((a) => a.condition), ['spo2-low']);
    assert.deepEqual(snap.view, { readOnly: false, pxPerMm: 4.2 });
    assert.equal(fx.live.listenerCount, 1);

    fx.live.pushEcgBlock();
    fx.live.setVitals({ hr: { value: 75, unit: '/min', atMs: 1, deviceId: 'sim-ecg' } });
    fx.live.raiseAlarm({ condition: 'asystole', label: 'Asystole', priority: 'high' });
    const frames = await sse.waitFor(5);
    assert.deepEqual(frames.slice(1, 5).map((f) => f.event), ['wave', 'vitals', 'alarm-log', 'alarms']);
    const wave = JSON.parse(frames[1]?.data ?? '') as { type: string; sampleRate: number; leads: string[]; data: number[][] };
    assert.deepEqual([wave.type, wave.sampleRate, wave.leads, wave.data[0]?.length], ['wave', 250, ['II'], 25]);
    // Samples rounded to 1 µV.
    for (const v of wave.data[0] ?? []) assert.equal(Math.round(v * 1000) / 1000, v);
    const alarms = JSON.parse(frames[4]?.data ?? '') as { alarms: unknown[]; audio: { tone: string } };
    assert.equal(alarms.audio.tone, 'high');
    sse.close();
    await waitUntil(() => fx.live.listenerCount === 0);
    assert.equal(fx.server.bedside.liveStats().clients, 0);
  });

  it('sends heartbeats with the hub clock while clients are connected', async () => {
    fx = await startFixture({ heartbeatMs: 5000 });
    const sse = await SseReader.open(new URL('api/live', fx.url).href);
    await sse.waitFor(1);
    fx.clock.advance(4999);
    fx.clock.advance(1);
    const frames = await sse.waitFor(2);
    assert.equal(frames[1]?.event, 'heartbeat');
    assert.equal((JSON.parse(frames[1]?.data ?? '') as { nowMs: number }).nowMs, fx.clock.wallMs());
    fx.clock.advance(5000);
    await sse.waitFor(3);
    sse.close();
    await waitUntil(() => fx.server.bedside.liveStats().clients === 0);
    assert.equal(fx.clock.pendingTimers(), 0, 'no heartbeat timer left without clients');
  });

  it('a client that does not read: waveform frames are dropped for it, alarm frames never are', async () => {
    fx = await startFixture({ waveDropBytes: 16 * 1024, maxBufferedBytes: 4 * 1024 * 1024 });
    const slow = await RawSse.open(fx.url);
    await waitUntil(() => fx.live.listenerCount === 1);
    slow.pause();
    // Fill the socket (kernel buffers first, then node's) until frames start being dropped.
    let pushed = 0;
    while (fx.server.bedside.liveStats().waveFramesDropped === 0 && pushed < 100_000) {
      fx.live.pushEcgBlock();
      pushed++;
      if (pushed % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.ok(fx.server.bedside.liveStats().waveFramesDropped > 0, `no drop after ${pushed} frames`);
    for (let i = 0; i < 20; i++) {
      fx.live.raiseAlarm({ condition: `c${i}`, label: `alarm ${i}`, priority: 'high' });
      for (let k = 0; k < 50; k++) fx.live.pushEcgBlock();
    }
    const dropped = fx.server.bedside.liveStats().waveFramesDropped;
    assert.ok(dropped >= 20 * 50 * 0.9, `wave frames kept piling up: only ${dropped} dropped`);
    slow.resume();
    await waitUntil(() => slow.text.includes('"label":"alarm 19"'));
    // Every alarm-log frame arrived, in order.
    const seqs = [...slow.text.matchAll(/event: alarm-log\ndata: \{"type":"alarm-log","entry":\{"seq":(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i + 1));
    const waves = slow.text.split('event: wave\n').length - 1;
    assert.equal(waves + dropped, pushed + 1000, 'every wave frame was either sent or counted as dropped');
    slow.close();
  });

  it('a client whose unsent alarm frames exceed the bound is disconnected (it reconnects to a fresh snapshot)', async () => {
    fx = await startFixture({ waveDropBytes: 1024, maxBufferedBytes: 64 * 1024 });
    const slow = await RawSse.open(fx.url);
    await waitUntil(() => fx.live.listenerCount === 1);
    slow.pause();
    for (let i = 0; i < 300_000 && fx.server.bedside.liveStats().clients > 0; i++) {
      fx.live.setVitals({ hr: { value: i, unit: '/min', atMs: i, deviceId: 'sim-ecg' } });
      if (i % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual([fx.server.bedside.liveStats().clients, fx.server.bedside.liveStats().clientsDisconnectedSlow], [0, 1]);
    assert.equal(fx.live.listenerCount, 0);
    slow.close();
  });
});

/** An SSE client on a raw socket, so reading can be paused and TCP backpressure reaches the hub. */
class RawSse {
  text = '';
  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (this.text += d));
    sock.on('error', () => {});
  }
  static open(url: string): Promise<RawSse> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const s = net.connect(Number(u.port), u.hostname, () => {
        s.write('GET /api/live HTTP/1.1\r\nHost: hub\r\nAccept: text/event-stream\r\n\r\n');
        resolve(new RawSse(s));
      });
      s.once('error', reject);
    });
  }
  pause(): void {
    this.sock.pause();
  }
  resume(): void {
    this.sock.resume();
  }
  close(): void {
    this.sock.destroy();
  }
}

async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
