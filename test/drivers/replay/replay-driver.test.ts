import assert from 'node:assert/strict';
import path from 'node:path';
import { ManualClock, type Clock, type TimerHandle } from '../../../src/core/clock.ts';
import { isVigilError } from '../../../src/core/errors.ts';
import { parseHeader } from '../../../src/wfdb/header.ts';
import { readRecord, type RecordSource } from '../../../src/wfdb/record.ts';
import type { DriverEvent, SampleBlock, StatusEvent } from '../../../drivers/contract.ts';
import { WfdbReplayDriver, type WfdbReplayOptions } from '../../../drivers/replay/replay-driver.ts';
import { notRun, sharedData } from '../../helpers/data.ts';
import { encode212, interleave } from '../../wfdb/support.ts';

/** A 250 Hz two-signal record whose samples encode their own index (0.1 s blocks = 25 samples). */
function source(frames: number, gain = '200'): RecordSource {
  const a = Array.from({ length: frames }, (_, i) => (i % 4000) - 2000);
  const b = Array.from({ length: frames }, (_, i) => -((i * 7) % 2000));
  const r = parseHeader(`syn 2 250 ${frames}\nsyn.dat 212 ${gain}(12)/mV 12 0 0 0 0 MLII\nsyn.dat 212 100/uV 12 3 0 0 0 V1 lead`);
  if (!r.ok) throw r.error;
  return { header: r.header, files: new Map([['syn.dat', encode212(interleave([a, b]))]]) };
}

function expectedA(i: number): number {
  return (i % 4000) - 2000;
}

interface Harness {
  driver: WfdbReplayDriver;
  clock: ManualClock;
  events: DriverEvent[];
  done: Promise<void>;
  blocks(): SampleBlock[];
  states(): StatusEvent['state'][];
  settle(): Promise<void>;
}

/** A clock whose timers always fire `lateMs` after they were asked to (a busy event loop). */
class LateClock implements Clock {
  constructor(
    readonly inner: ManualClock,
    private readonly lateMs: number,
  ) {}
  monotonicMs(): number {
    return this.inner.monotonicMs();
  }
  wallMs(): number {
    return this.inner.wallMs();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.inner.setTimeout(fn, ms + this.lateMs);
  }
  clearTimeout(handle: TimerHandle): void {
    this.inner.clearTimeout(handle);
  }
}

function harness(opts: Partial<WfdbReplayOptions> & { record: WfdbReplayOptions['record'] }, lateMs = 0, queueCapacity?: number): Harness {
  const clock = new ManualClock();
  const driver = new WfdbReplayDriver({ deviceId: 'bed-1', ...opts }, { clock: new LateClock(clock, lateMs), queueCapacity });
  const events: DriverEvent[] = [];
  const done = (async () => {
    for await (const e of driver.events()) events.push(e);
  })();
  return {
    driver,
    clock,
    events,
    done,
    blocks: () => events.filter((e): e is SampleBlock => e.kind === 'samples'),
    states: () => events.filter((e): e is StatusEvent => e.kind === 'status').map((e) => e.state),
    settle: () => new Promise((r) => setImmediate(r)),
  };
}

describe('WfdbReplayDriver', () => {
  it('emits connected, then one 0.1 s block per 100 ms of clock time with contiguous samples', async () => {
    const h = harness({ record: source(2500) });
    await h.driver.open();
    await h.settle();
    assert.deepEqual(h.states(), ['connected']);
    h.clock.advance(99);
    await h.settle();
    assert.equal(h.blocks().length, 0, 'a block is due when its last sample is acquired');
    h.clock.advance(1);
    await h.settle();
    assert.equal(h.blocks().length, 1);
    h.clock.advance(900);
    await h.settle();
    const blocks = h.blocks();
    assert.equal(blocks.length, 10);
    blocks.forEach((b, i) => {
      assert.equal(b.seq, i);
      assert.equal(b.firstSample, i * 25);
      assert.equal(b.length, 25);
      assert.equal(b.gap, 0);
      assert.equal(b.deviceId, 'bed-1');
      assert.equal(b.deviceTimeMs, i * 100);
      assert.equal(b.hubTimeMs, i * 100);
      assert.equal(b.data.length, 2);
      assert.equal(b.data[0]?.length, 25);
      for (let k = 0; k < 25; k++) assert.equal(b.data[0]![k], expectedA(i * 25 + k));
    });
    assert.equal(blocks[3]!.wallTimeMs - blocks[0]!.wallTimeMs, 300);
    assert.equal(h.driver.stats().blocks, 10);
    assert.equal(h.driver.stats().samples, 250);
    await h.driver.close();
    await h.done;
  });

  it('takes channel metadata from the header', async () => {
    const h = harness({ record: source(100, '0') });
    await h.driver.open();
    h.clock.advance(100);
    await h.settle();
    const [b] = h.blocks();
    assert.ok(b);
    assert.deepEqual(b.channels, [
      { name: 'MLII', units: 'mV', gain: 200, baseline: 12, sampleRate: 250 },
      { name: 'V1 lead', units: 'uV', gain: 100, baseline: 3, sampleRate: 250 },
    ]);
    assert.equal(h.driver.kind, 'wfdb-replay');
    await h.driver.close();
  });

  it('plays speed N times faster and honours a configured block length', async () => {
    const h = harness({ record: source(2500), speed: 4, blockMs: 200 });
    await h.driver.open();
    h.clock.advance(100);
    await h.settle();
    const blocks = h.blocks();
    assert.equal(blocks.length, 2, '0.4 s of record in 100 ms at speed 4');
    assert.deepEqual(blocks.map((b) => b.length), [50, 50]);
    assert.deepEqual(blocks.map((b) => b.deviceTimeMs), [0, 200]);
    assert.deepEqual(blocks.map((b) => b.hubTimeMs), [0, 50]);
    await h.driver.close();
  });

  it('schedules by absolute due time, so late timers do not accumulate drift', async () => {
    const h = harness({ record: source(2500) }, 7);
    await h.driver.open();
    h.clock.advance(1007);
    await h.settle();
    // Chained 100 ms delays that each fire 7 ms late would give only 9 blocks by now.
    assert.equal(h.blocks().length, 10);
    assert.deepEqual(h.blocks().map((b) => b.hubTimeMs), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    h.clock.advance(10_000);
    await h.settle();
    assert.equal(h.blocks().length, 100);
    assert.deepEqual(h.blocks().map((b) => b.seq), Array.from({ length: 100 }, (_, i) => i));
  });

  it('catches up after a late timer and keeps the absolute schedule', async () => {
    const h = harness({ record: source(2500) });
    await h.driver.open();
    h.clock.advance(350); // one advance: the timers fire at 100, 200, 300
    await h.settle();
    assert.equal(h.blocks().length, 3);
    h.clock.advance(50); // the 4th block is due at 400, not 450
    await h.settle();
    assert.equal(h.blocks().length, 4);
    h.clock.advance(60_000);
    await h.settle();
    assert.equal(h.blocks().length, 100, 'the 10 s record is out after a minute, all of it');
    assert.equal(h.blocks().reduce((s, b) => s + b.length, 0), 2500);
  });

  it('ends a non-looping record with a short last block, disconnected "end of record", closed, end of stream', async () => {
    const h = harness({ record: source(60) });
    await h.driver.open();
    h.clock.advance(300);
    await h.done;
    assert.deepEqual(h.blocks().map((b) => b.length), [25, 25, 10]);
    assert.deepEqual(h.states(), ['connected', 'disconnected', 'closed']);
    const disc = h.events.find((e): e is StatusEvent => e.kind === 'status' && e.state === 'disconnected');
    assert.equal(disc?.detail, 'end of record');
    assert.equal(h.clock.pendingTimers(), 0);
    await h.driver.close(); // idempotent after the end
    assert.deepEqual(h.states(), ['connected', 'disconnected', 'closed']);
  });

  it('loops: starts again at record sample 0 while seq and firstSample keep counting', async () => {
    const h = harness({ record: source(60), loop: true });
    await h.driver.open();
    h.clock.advance(1000);
    await h.settle();
    const blocks = h.blocks();
    assert.ok(blocks.length >= 7);
    assert.deepEqual(blocks.slice(0, 5).map((b) => [b.seq, b.firstSample, b.length, b.deviceTimeMs]), [
      [0, 0, 25, 0],
      [1, 25, 25, 100],
      [2, 50, 10, 200],
      [3, 60, 25, 0],
      [4, 85, 25, 100],
    ]);
    assert.equal(blocks[3]!.data[0]![0], expectedA(0));
    assert.deepEqual(h.states(), ['connected']);
    await h.driver.close();
    await h.done;
    assert.deepEqual(h.states(), ['connected', 'closed']);
  });

  it('close() stops the timers, emits closed and ends the stream; it is idempotent', async () => {
    const h = harness({ record: source(2500) });
    await h.driver.open();
    h.clock.advance(200);
    await h.driver.close();
    await h.driver.close();
    await h.done;
    assert.equal(h.clock.pendingTimers(), 0);
    const n = h.blocks().length;
    h.clock.advance(10_000);
    await h.settle();
    assert.equal(h.blocks().length, n);
    assert.deepEqual(h.states(), ['connected', 'closed']);
  });

  it('as fast as possible (speed Infinity): the whole record, nothing dropped, without the clock moving', async () => {
    // A small queue: producing ahead without waiting for the consumer would drop blocks.
    const h = harness({ record: source(25 * 500 + 3), speed: Infinity }, 0, 16);
    await h.driver.open();
    await h.done;
    const blocks = h.blocks();
    assert.equal(blocks.length, 501);
    assert.equal(blocks.at(-1)?.length, 3);
    assert.equal(blocks.reduce((s, b) => s + b.length, 0), 25 * 500 + 3);
    blocks.forEach((b, i) => assert.equal(b.seq, i));
    assert.equal(h.driver.stats().overflow, 0);
    assert.deepEqual(h.states(), ['connected', 'disconnected', 'closed']);
  });

  it('speed 0 means as fast as possible too, and a consumer that stops early stops the producer', async () => {
    const clock = new ManualClock();
    const driver = new WfdbReplayDriver({ deviceId: 'x', record: source(25 * 1000), speed: 0, loop: true }, { clock });
    await driver.open();
    let n = 0;
    for await (const e of driver.events()) if (e.kind === 'samples' && ++n === 10) break;
    await new Promise((r) => setImmediate(r));
    const produced = driver.stats().blocks;
    await new Promise((r) => setImmediate(r));
    assert.equal(driver.stats().blocks, produced, 'no production after the consumer left');
    assert.ok(produced < 200);
  });

  it('rejects open with DRIVER_OPEN_FAILED carrying the WFDB code, and bad options with USAGE', async () => {
    const d = new WfdbReplayDriver({ deviceId: 'x', record: '/nonexistent/dir/rec' }, { clock: new ManualClock() });
    await assert.rejects(d.open(), (e: unknown) => isVigilError(e, 'VIGIL_DRIVER_OPEN_FAILED') && e.details.cause === 'VIGIL_WFDB_FILE_MISSING');
    const multi = parseHeader('m 2 250 10\nm.dat 16x2\nm.dat 16');
    assert.ok(multi.ok);
    const d2 = new WfdbReplayDriver({ deviceId: 'x', record: { header: multi.header, files: new Map([['m.dat', new Uint8Array(60)]]) } }, { clock: new ManualClock() });
    await assert.rejects(d2.open(), (e: unknown) => isVigilError(e, 'VIGIL_DRIVER_OPEN_FAILED') && e.details.cause === 'VIGIL_WFDB_FORMAT_UNSUPPORTED');
    assert.throws(() => new WfdbReplayDriver({ deviceId: 'x', record: source(10), speed: -1 }, { clock: new ManualClock() }), (e: unknown) => isVigilError(e, 'VIGIL_USAGE'));
    assert.throws(() => new WfdbReplayDriver({ deviceId: 'x', record: source(10), blockMs: 0 }, { clock: new ManualClock() }), (e: unknown) => isVigilError(e, 'VIGIL_USAGE'));
  });
});

const mitdb = sharedData('mitdb');
if (mitdb === null) {
  notRun('WfdbReplayDriver on mitdb 101', '../shared/data/mitdb is absent (the PhysioNet records are not in this checkout)');
} else {
  describe('WfdbReplayDriver on mitdb', () => {
    it('replays record 101 sample for sample as readRecord decodes it', async () => {
      const p = path.join(mitdb, '101');
      const rec = await readRecord(p);
      const driver = new WfdbReplayDriver({ deviceId: 'mit-101', record: p, speed: Infinity, blockMs: 1000 }, { clock: new ManualClock() });
      await driver.open();
      let at = 0;
      for await (const e of driver.events()) {
        if (e.kind !== 'samples') continue;
        assert.equal(e.firstSample, at);
        assert.equal(e.channels[0]?.name, 'MLII');
        assert.equal(e.channels[0]?.sampleRate, 360);
        for (let c = 0; c < 2; c++) assert.deepEqual(e.data[c], rec.signals[c]!.subarray(at, at + e.length));
        at += e.length;
      }
      assert.equal(at, 650000);
    });
  });
}
