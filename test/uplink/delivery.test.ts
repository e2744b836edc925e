/**
 * Delivery loop with an injected clock and a transport the test answers by hand: order,
 * window, delete on ack, backoff, immediate resumption, parking, the uplink-down condition.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/log.ts';
import { Store } from '../../src/store/store.ts';
import { emptyBatch } from '../../src/uplink/batch.ts';
import { Delivery, type TechnicalCondition } from '../../src/uplink/delivery.ts';
import { Outbox } from '../../src/uplink/outbox.ts';
import { mulberry32 } from '../support/prng.ts';
import { TempDirs } from '../store/helpers.ts';
import { ScriptedTransport, decoded, until } from './helpers.ts';

const T0 = Date.UTC(2026, 0, 1);

describe('uplink delivery', () => {
  const tmp = new TempDirs();
  let clock: ManualClock;
  let store: Store;
  let outbox: Outbox;
  let transport: ScriptedTransport;
  let delivery: Delivery;
  let technical: Array<[TechnicalCondition, boolean]>;

  const add = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await outbox.append(emptyBatch('hub-1', '12', outbox.nextSeq, clock.wallMs()), []);
  };
  const inFlight = (): number[] => transport.open().map((c) => c.seq);

  beforeEach(async () => {
    clock = new ManualClock(T0);
    store = await Store.open({ dir: await tmp.make(), clock, feed: true });
    transport = new ScriptedTransport();
    technical = [];
    let d: Delivery | null = null;
    outbox = await Outbox.open(store.uplinkAccess(), { maxBytes: 1e9, clock, onAdded: () => d?.wake() });
    delivery = d = new Delivery({
      outbox, transport, hubId: 'hub-1', clock, logger: silentLogger, window: 2, backoff: { baseMs: 1000, capMs: 8000 },
      random: mulberry32(7), downAlarmAfterMs: 60_000, onTechnical: (c, a) => technical.push([c, a]),
    });
    await delivery.start();
  });
  afterEach(async () => {
    await delivery.stop();
    await store.close();
    await tmp.cleanup();
  });

  it('sends in sequence order with at most `window` in flight, deletes each on ack, and a new batch wakes the idle sender', async () => {
    await add(5);
    await until(() => inFlight().length === 2, 'two sends');
    assert.deepEqual(inFlight(), [1, 2]);
    assert.equal(decoded(transport.calls[0]?.bytes as Uint8Array).seq, 1);
    transport.answer(1, 'ack');
    await until(() => inFlight().includes(3), 'third send');
    assert.deepEqual(inFlight(), [2, 3], 'window refilled in order');
    assert.deepEqual(outbox.queued(), [2, 3, 4, 5], 'acked batch deleted');
    for (const s of [2, 3, 4, 5]) {
      await until(() => inFlight().includes(s), `send ${s}`);
      transport.answer(s, 'ack');
    }
    await until(() => outbox.queued().length === 0, 'outbox empty');
    assert.deepEqual(transport.calls.map((c) => c.seq), [1, 2, 3, 4, 5], 'each sent once');
    await add(1);
    await until(() => inFlight().includes(6), 'idle sender woken by a new batch');
    assert.equal(delivery.stats().link, 'up');
  });

  it('after a failure waits out the backoff, then resends the oldest first; a success resets the backoff', async () => {
    await add(3);
    await until(() => inFlight().length === 2, 'two sends');
    transport.answer(1, 'fail');
    await until(() => delivery.stats().retryInMs !== null, 'retry scheduled');
    const wait = delivery.stats().retryInMs as number;
    assert.ok(wait >= 500 && wait <= 1000, `first retry after ${wait} ms: base 1 s with jitter`);
    transport.answer(2, 'fail');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(inFlight(), [], 'nothing new is sent while backing off');
    clock.advance(wait - 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(inFlight(), []);
    clock.advance(1);
    await until(() => inFlight().length === 2, 'resend after the backoff');
    assert.deepEqual(inFlight(), [1, 2], 'oldest first');
    transport.answer(1, 'fail');
    await until(() => delivery.stats().retryInMs !== null, 'second retry');
    const wait2 = delivery.stats().retryInMs as number;
    assert.ok(wait2 >= 1000 && wait2 <= 2000, `second retry after ${wait2} ms: doubled`);
    transport.answer(2, 'ack'); // the link works after all: resume at once, no more waiting
    await until(() => inFlight().includes(1), 'immediate resend after a success');
    assert.equal(delivery.stats().retryInMs, null);
    assert.deepEqual(outbox.queued(), [1, 3]);
  });

  it('resumes at once when the transport reports the link up again (no waiting out a long backoff)', async () => {
    await add(1);
    await until(() => inFlight().length === 1, 'send');
    for (let i = 0; i < 4; i++) {
      transport.answer(1, 'fail');
      await until(() => delivery.stats().retryInMs !== null, 'retry scheduled');
      clock.advance(delivery.stats().retryInMs as number);
      await until(() => inFlight().length === 1, 'resend');
    }
    transport.answer(1, 'fail');
    await until(() => delivery.stats().retryInMs !== null, 'retry scheduled');
    assert.ok((delivery.stats().retryInMs as number) >= 8000 * 0.5, 'backoff grew towards its cap');
    transport.link?.up(); // e.g. MQTT 'connect'
    await until(() => inFlight().length === 1, 'sent at once on link up');
    transport.answer(1, 'ack');
    await until(() => outbox.queued().length === 0, 'delivered');
  });

  it('parks a batch the upstream rejects for good and goes on with the next; never resends it', async () => {
    await add(3);
    await until(() => inFlight().length === 2, 'two sends');
    transport.answer(1, 'reject');
    await until(() => inFlight().includes(3), 'next one sent');
    transport.answer(2, 'ack');
    transport.answer(3, 'ack');
    await until(() => outbox.queued().length === 0, 'rest delivered');
    assert.equal(outbox.stats().parkedBatches, 1);
    assert.deepEqual(transport.calls.map((c) => c.seq), [1, 2, 3]);
    assert.equal(delivery.stats().parked, 1);
  });

  it('raises uplink-down after the link has been down for downAlarmAfterMs, and clears it when the link is back', async () => {
    await add(1);
    await until(() => inFlight().length === 1, 'send');
    transport.answer(1, 'fail');
    await until(() => delivery.stats().link === 'down', 'link down');
    let t = 0;
    while (t < 59_000) {
      const step = Math.min(1000, 59_000 - t);
      clock.advance(step);
      t += step;
      await new Promise((r) => setImmediate(r));
      for (const c of transport.open()) transport.answer(c.seq, 'fail');
    }
    assert.deepEqual(technical, [], 'not yet: 59 s');
    clock.advance(1000);
    assert.deepEqual(technical, [['uplink-down', true]]);
    transport.link?.up();
    await until(() => inFlight().length === 1, 'resend');
    assert.deepEqual(technical, [['uplink-down', true], ['uplink-down', false]], 'cleared when the link is back');
    transport.answer(1, 'ack');
    await until(() => outbox.queued().length === 0, 'delivered');
  });
});
