import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/core/clock.ts';
import { isVigilError } from '../../../src/core/errors.ts';
import type { DriverEvent, Measurement, SampleBlock, StatusEvent } from '../../../drivers/contract.ts';
import type { TruthEvent } from '../../../drivers/synthetic/ecgsyn.ts';
import type { ScenarioSpec } from '../../../drivers/synthetic/scenario.ts';
import { synthesize } from '../../../drivers/synthetic/synthesize.ts';
import { SyntheticDriver, type SyntheticDriverOptions } from '../../../drivers/synthetic/synthetic-driver.ts';
import { beats } from './measure.ts';

const T0_WALL = Date.UTC(2026, 0, 1);

/** Pull whatever is queued right now, without waiting for more. */
async function queued(d: SyntheticDriver, expect: number): Promise<DriverEvent[]> {
  const it = d.events()[Symbol.asyncIterator]();
  const out: DriverEvent[] = [];
  for (let i = 0; i < expect; i++) {
    const r = await it.next();
    if (r.done === true) break;
    out.push(r.value);
  }
  return out;
}

/** Close, then read the whole stream to its end. */
async function closeAndCollect(d: SyntheticDriver): Promise<DriverEvent[]> {
  await d.close();
  const out: DriverEvent[] = [];
  for await (const e of d.events()) out.push(e);
  return out;
}

const blocksOf = (ev: DriverEvent[]): SampleBlock[] => ev.filter((e): e is SampleBlock => e.kind === 'samples');
const statusOf = (ev: DriverEvent[]): StatusEvent[] => ev.filter((e): e is StatusEvent => e.kind === 'status');
const measOf = (ev: DriverEvent[]): Measurement[] => ev.filter((e): e is Measurement => e.kind === 'measurement');

function make(opts: Partial<SyntheticDriverOptions> = {}, clock = new ManualClock(T0_WALL)): { d: SyntheticDriver; clock: ManualClock } {
  const d = new SyntheticDriver({ deviceId: 'sim-1', scenario: 'sinus', ...opts }, { clock });
  return { d, clock };
}

describe('SyntheticDriver', () => {
  it('emits connected at open, then one 0.1 s block per 100 ms of clock time, contiguous and timestamped', async () => {
    const { d, clock } = make();
    clock.advance(5000); // the hub clock is not at zero when the driver starts
    await d.open();
    assert.equal(clock.pendingTimers(), 1);
    clock.advance(99);
    clock.advance(901);
    const ev = await closeAndCollect(d);
    assert.deepEqual(
      statusOf(ev).map((s) => [s.state, s.hubTimeMs]),
      [
        ['connected', 5000],
        ['closed', 6000],
      ],
    );
    const b = blocksOf(ev);
    assert.equal(b.length, 10);
    b.forEach((blk, k) => {
      assert.equal(blk.seq, k);
      assert.equal(blk.firstSample, k * 25);
      assert.equal(blk.length, 25);
      assert.equal(blk.gap, 0);
      assert.equal(blk.deviceId, 'sim-1');
      assert.equal(blk.hubTimeMs, 5000 + k * 100);
      assert.equal(blk.wallTimeMs, T0_WALL + 5000 + k * 100);
      assert.equal(blk.deviceTimeMs, k * 100);
      assert.equal(blk.data[0]?.length, 25);
    });
    assert.equal(ev[0]?.kind, 'status');
    assert.equal(clock.pendingTimers(), 0, 'close() cancels the timer');
  });

  it('describes its channels: ECG (lead II) and optionally V1, mV, gain, baseline, rate', async () => {
    const { d } = make({ leads: ['II', 'V1'], sampleRate: 360 });
    assert.deepEqual(d.channels, [
      { name: 'ECG', units: 'mV', gain: 1000, baseline: 0, sampleRate: 360 },
      { name: 'V1', units: 'mV', gain: 1000, baseline: 0, sampleRate: 360 },
    ]);
    assert.equal(d.blockSamples, 36);
    assert.equal(d.kind, 'synthetic');
  });

  it('schedules by absolute due time: uneven clock steps give exactly the blocks due, no drift', async () => {
    const { d, clock } = make({ speed: 1 });
    await d.open();
    for (let i = 0; i < 303; i++) clock.advance(33); // 9999 ms
    const b = blocksOf(await closeAndCollect(d));
    assert.equal(b.length, 99);
    assert.equal(b[98]?.hubTimeMs, 9800);
    assert.equal(d.stats().samples, 99 * 25);
  });

  it('catches up after a late timer, and plays N times faster at speed N', async () => {
    const late = make();
    await late.d.open();
    late.clock.advance(30_000);
    const lb = blocksOf(await closeAndCollect(late.d));
    assert.equal(lb.length, 300);
    assert.deepEqual(
      lb.map((x) => x.firstSample),
      lb.map((_, k) => k * 25),
    );
    const fast = make({ speed: 10 });
    await fast.d.open();
    fast.clock.advance(1000);
    const fb = blocksOf(await closeAndCollect(fast.d));
    assert.equal(fb.length, 100);
    assert.equal(fb[10]?.hubTimeMs, 100);
    assert.equal(fb[10]?.deviceTimeMs, 1000);
  });

  it('emits hr, spo2, resp_rate and temp once per second of signal with units', async () => {
    const { d, clock } = make({ scenario: 'sinus:72' });
    await d.open();
    clock.advance(20_000);
    const m = measOf(await closeAndCollect(d));
    assert.equal(m.length, 4 * 20);
    assert.deepEqual(
      m.slice(0, 4).map((x) => [x.metric, x.unit, x.hubTimeMs]),
      [
        ['hr', '/min', 1000],
        ['spo2', '%', 1000],
        ['resp_rate', '/min', 1000],
        ['temp', 'Cel', 1000],
      ],
    );
    const last = (metric: string): number | null => m.filter((x) => x.metric === metric).at(-1)?.value ?? null;
    assert.ok(Math.abs((last('hr') ?? 0) - 72) <= 1, `hr ${last('hr')}`);
    assert.ok(Math.abs((last('spo2') ?? 0) - 97) <= 2);
    assert.ok(Math.abs((last('resp_rate') ?? 0) - 16) <= 3);
    assert.ok(Math.abs((last('temp') ?? 0) - 36.8) <= 0.3);
    assert.equal(d.stats().measurements, 80);
  });

  it('reports lead-off and lead-on as status events when the scenario says so; hr is null meanwhile', async () => {
    const scenario: ScenarioSpec = {
      segments: [
        { durationS: 2, rhythm: 'sinus' },
        { durationS: 3, rhythm: 'sinus', leadOff: true },
        { durationS: 5, rhythm: 'sinus' },
      ],
      loop: true,
    };
    const { d, clock } = make({ scenario });
    await d.open();
    clock.advance(8000);
    const ev = await closeAndCollect(d);
    assert.deepEqual(
      statusOf(ev).map((s) => [s.state, s.hubTimeMs]),
      [
        ['connected', 0],
        ['lead-off', 2000],
        ['lead-on', 5000],
        ['closed', 8000],
      ],
    );
    // The status follows the block holding the change.
    const idx = ev.findIndex((e) => e.kind === 'status' && e.state === 'lead-off');
    const before = ev.slice(0, idx).filter((e): e is SampleBlock => e.kind === 'samples').at(-1);
    assert.equal(before?.firstSample, 500);
    const rail = blocksOf(ev).find((b) => b.firstSample === 750);
    assert.ok(rail?.data[0]?.every((v) => v === 8_388_607));
    const hr = measOf(ev).filter((x) => x.metric === 'hr');
    assert.equal(hr.find((x) => x.hubTimeMs === 4000)?.value, null);
    assert.notEqual(hr.find((x) => x.hubTimeMs === 8000)?.value, null);
  });

  it('ends a non-looping scenario: short last block, disconnected "end of scenario", closed, end of stream', async () => {
    const { d, clock } = make({ scenario: { segments: [{ durationS: 1.012, rhythm: 'sinus' }] } });
    await d.open();
    clock.advance(2000);
    const ev: DriverEvent[] = [];
    for await (const e of d.events()) ev.push(e);
    const b = blocksOf(ev);
    assert.equal(b.length, 11);
    assert.equal(b.at(-1)?.length, 3);
    assert.equal(b.at(-1)?.data[0]?.length, 3);
    const st = statusOf(ev);
    assert.deepEqual(
      st.map((s) => [s.state, s.detail]),
      [
        ['connected', undefined],
        ['disconnected', 'end of scenario'],
        ['closed', undefined],
      ],
    );
    assert.equal(st[1]?.hubTimeMs, 1012, 'ends when the last short block is due');
    await d.close(); // idempotent
    assert.equal(clock.pendingTimers(), 0);
  });

  it('hands out the ground truth matching the samples it emitted', async () => {
    const seen: TruthEvent[] = [];
    const clock = new ManualClock(T0_WALL);
    const d = new SyntheticDriver({ deviceId: 's', scenario: 'pvc', seed: 4 }, { clock, onTruth: (t) => seen.push(...t) });
    await d.open();
    clock.advance(60_000);
    const ev = await closeAndCollect(d);
    const truth = d.drainTruth();
    assert.deepEqual(truth, seen);
    assert.deepEqual(d.drainTruth(), []);
    const ref = synthesize('pvc', { seed: 4, durationS: 60 });
    assert.deepEqual(truth, ref.truth);
    const joined = new Int32Array(60 * 250);
    for (const b of blocksOf(ev)) joined.set(b.data[0]!, b.firstSample);
    assert.deepEqual(joined, ref.data[0]);
    assert.ok(beats(truth, 'V').length >= 4);
  });

  it('as fast as possible (speed Infinity): the whole scenario, nothing dropped, without the clock moving', async () => {
    const { d } = make({ scenario: 'mixed', speed: Infinity, leads: ['II', 'V1'] }, new ManualClock(T0_WALL));
    await d.open();
    let samples = 0;
    let last: StatusEvent | undefined;
    for await (const e of d.events()) {
      if (e.kind === 'samples') samples += e.length;
      if (e.kind === 'status') last = e;
    }
    assert.equal(samples, 600 * 250);
    assert.equal(last?.state, 'closed');
    assert.equal(d.stats().overflow, 0);
    assert.equal(d.stats().measurements, 600 * 4);
    assert.equal(beats(d.drainTruth()).length, beats(synthesize('mixed').truth).length);
  });

  it('a consumer that stops early stops the producer (speed 0)', async () => {
    const { d } = make({ scenario: 'demo', speed: 0 });
    await d.open();
    let n = 0;
    for await (const e of d.events()) {
      if (e.kind === 'samples' && ++n === 50) break;
    }
    await new Promise((r) => setImmediate(r));
    const before = d.stats().blocks;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(d.stats().blocks, before);
    assert.ok(before < 200, `produced ${before} blocks ahead`);
  });

  it('rejects bad scenarios and options at construction with stable codes', () => {
    const clock = new ManualClock();
    assert.throws(
      () => new SyntheticDriver({ deviceId: 'x', scenario: 'nope' }, { clock }),
      (e: unknown) => isVigilError(e, 'VIGIL_SCENARIO_INVALID'),
    );
    assert.throws(
      () => new SyntheticDriver({ deviceId: 'x', scenario: { segments: [{ durationS: 5, rhythm: 'vt', hr: 20 }] } }, { clock }),
      (e: unknown) => isVigilError(e, 'VIGIL_SCENARIO_INVALID') && e.details.path === 'segments[0].hr',
    );
    assert.throws(
      () => new SyntheticDriver({ deviceId: 'x', scenario: 'demo', sampleRate: 20 }, { clock }),
      (e: unknown) => isVigilError(e, 'VIGIL_SCENARIO_INVALID') && e.details.path === 'sampleRate',
    );
    assert.throws(
      () => new SyntheticDriver({ deviceId: 'x', scenario: 'demo', speed: -1 }, { clock }),
      (e: unknown) => isVigilError(e, 'VIGIL_USAGE'),
    );
    assert.throws(
      () => new SyntheticDriver({ deviceId: 'x', scenario: 'demo', blockMs: 0 }, { clock }),
      (e: unknown) => isVigilError(e, 'VIGIL_USAGE'),
    );
  });

  it('close() before open() ends the stream with no events; open() after close() does nothing', async () => {
    const { d, clock } = make();
    await d.close();
    await d.open();
    clock.advance(1000);
    const out = await queued(d, 5);
    assert.deepEqual(out.filter((e) => e.kind === 'samples'), []);
  });
});
