import assert from 'node:assert/strict';
import { SerialPortMock } from 'serialport';

const MockBinding = SerialPortMock.binding;
import { SystemClock } from '../../../src/core/clock.ts';
import type { DriverEvent, SampleBlock, StatusEvent } from '../../../drivers/contract.ts';
import { OPENVIEW_DATA_FRAME_LEN, encodeDataFrame, newOpenViewSample } from '../../../drivers/openview/packet.ts';
import { OpenViewSerialDriver, type OpenViewSerialOptions } from '../../../drivers/serial/openview-serial-driver.ts';
import { createUnpluggableBinding } from '../../support/unpluggable-binding.ts';

const PATH = '/dev/ttyMOCK0';

function options(over: Partial<OpenViewSerialOptions> = {}): OpenViewSerialOptions {
  return {
    deviceId: 'hp5',
    path: PATH,
    baudRate: 115200,
    sampleRate: 125,
    blockSamples: 25,
    ecgGain: 1000,
    respGain: 1000,
    tempScale: 0.01,
    leadOffRail: null,
    reconnect: { baseMs: 20, capMs: 80 },
    noDataTimeoutMs: 0,
    ...over,
  };
}

/** Frames whose PPG IR field carries a running counter, to check order and loss. */
function frames(from: number, count: number, ecg = (i: number) => i % 1000): Buffer {
  const b = Buffer.alloc(count * OPENVIEW_DATA_FRAME_LEN);
  const s = newOpenViewSample();
  s.spo2 = 97;
  s.hr = 70;
  s.respRate = 15;
  s.temp = 3680;
  for (let k = 0; k < count; k++) {
    s.ppgIr = from + k;
    s.ecg = ecg(from + k);
    encodeDataFrame(s, b, k * OPENVIEW_DATA_FRAME_LEN);
  }
  return b;
}

async function until<T>(it: AsyncIterator<DriverEvent>, pred: (e: DriverEvent) => e is DriverEvent & T, seen: DriverEvent[]): Promise<T> {
  for (;;) {
    const r = await it.next();
    if (r.done) throw new Error('stream ended');
    seen.push(r.value);
    if (pred(r.value)) return r.value;
  }
}

const isState = (s: string) => (e: DriverEvent): e is StatusEvent => e.kind === 'status' && e.state === s;

describe('OpenViewSerialDriver (binding-mock)', () => {
  beforeEach(() => {
    MockBinding.reset();
    MockBinding.createPort(PATH, { echo: false, record: false });
  });

  it('turns bytes into contiguous sample blocks with channel metadata and vitals', async () => {
    const u = createUnpluggableBinding();
    const d = new OpenViewSerialDriver(options(), { binding: u.binding, clock: new SystemClock() });
    const it = d.events()[Symbol.asyncIterator]();
    const seen: DriverEvent[] = [];
    await d.open();
    await until(it, isState('connected'), seen);
    u.port(PATH)?.emitData(frames(0, 250));
    const blocks: SampleBlock[] = [];
    while (blocks.length < 10) blocks.push(await until(it, (e): e is SampleBlock => e.kind === 'samples', seen));
    await d.close();
    const ppg = blocks.flatMap((b) => [...(b.data[3] as Int32Array)]);
    assert.deepEqual(ppg, Array.from({ length: 250 }, (_, i) => i));
    blocks.forEach((b, i) => {
      assert.equal(b.seq, i);
      assert.equal(b.firstSample, i * 25);
      assert.equal(b.length, 25);
    });
    assert.deepEqual(blocks[0]?.channels.map((c) => c.name), ['ECG', 'RESP', 'PPG_RED', 'PPG_IR']);
    const spo2 = seen.find((e) => e.kind === 'measurement' && e.metric === 'spo2');
    assert.ok(spo2 && spo2.kind === 'measurement' && spo2.value === 97 && spo2.unit === '%');
    const temp = seen.find((e) => e.kind === 'measurement' && e.metric === 'temp');
    assert.ok(temp && temp.kind === 'measurement' && temp.value === 36.8);
    assert.equal(d.stats().samples, 250);
  });

  it('reports disconnect, retries with backoff and resumes after the device comes back', async () => {
    const u = createUnpluggableBinding();
    const d = new OpenViewSerialDriver(options(), { binding: u.binding, clock: new SystemClock(), random: () => 0.5 });
    const it = d.events()[Symbol.asyncIterator]();
    const seen: DriverEvent[] = [];
    await d.open();
    await until(it, isState('connected'), seen);
    u.port(PATH)?.emitData(frames(0, 50));
    const before: SampleBlock[] = [];
    while (before.length < 2) before.push(await until(it, (e): e is SampleBlock => e.kind === 'samples', seen));
    u.unplug(PATH);
    const lost = await until(it, isState('disconnected'), seen);
    assert.equal(lost.code, 'VIGIL_DRIVER_DISCONNECTED');
    assert.ok((lost.retryInMs ?? 0) > 0);
    // A failed retry while still unplugged is reported too, with a longer delay.
    const again = await until(it, isState('disconnected'), seen);
    assert.ok((again.retryInMs ?? 0) >= (lost.retryInMs ?? 0));
    u.replug(PATH);
    await until(it, isState('connected'), seen);
    u.port(PATH)?.emitData(frames(1000, 50));
    const after: SampleBlock[] = [];
    while (after.length < 2) after.push(await until(it, (e): e is SampleBlock => e.kind === 'samples', seen));
    await d.close();
    assert.deepEqual(before.flatMap((b) => [...(b.data[3] as Int32Array)]), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(after.flatMap((b) => [...(b.data[3] as Int32Array)]), Array.from({ length: 50 }, (_, i) => 1000 + i));
    assert.equal(after[0]?.gap, -1, 'the first block after a reconnect says samples were lost');
    assert.ok(d.stats().reconnects >= 1);
    for (let r = await it.next(); !r.done; r = await it.next()) seen.push(r.value);
    const last = seen[seen.length - 1];
    assert.equal(last?.kind === 'status' && last.state, 'closed');
  });

  it('keeps retrying a port that does not exist at start, without throwing', async () => {
    const u = createUnpluggableBinding();
    u.unplug(PATH);
    const d = new OpenViewSerialDriver(options(), { binding: u.binding, clock: new SystemClock() });
    const it = d.events()[Symbol.asyncIterator]();
    const seen: DriverEvent[] = [];
    await d.open();
    await until(it, isState('disconnected'), seen);
    await until(it, isState('disconnected'), seen);
    u.replug(PATH);
    await until(it, isState('connected'), seen);
    await d.close();
    let last: DriverEvent | undefined;
    for (let r = await it.next(); !r.done; r = await it.next()) last = r.value;
    assert.equal(last?.kind === 'status' && last.state, 'closed', 'the stream ends after close, with a closed status');
  });

  it('reports lead-off when the ECG sits at the rail and lead-on when it leaves it', async () => {
    const u = createUnpluggableBinding();
    const d = new OpenViewSerialDriver(options({ leadOffRail: 8_000_000 }), { binding: u.binding, clock: new SystemClock() });
    const it = d.events()[Symbol.asyncIterator]();
    const seen: DriverEvent[] = [];
    await d.open();
    await until(it, isState('connected'), seen);
    u.port(PATH)?.emitData(frames(0, 60, () => 8_388_607));
    await until(it, isState('lead-off'), seen);
    u.port(PATH)?.emitData(frames(60, 60, () => 100));
    await until(it, isState('lead-on'), seen);
    await d.close();
  });

  it('reports a sensor fault when a connected device goes silent, and recovery when data resumes', async () => {
    const u = createUnpluggableBinding();
    const d = new OpenViewSerialDriver(options({ noDataTimeoutMs: 150 }), { binding: u.binding, clock: new SystemClock() });
    const it = d.events()[Symbol.asyncIterator]();
    const seen: DriverEvent[] = [];
    await d.open();
    await until(it, isState('connected'), seen);
    const fault = await until(it, isState('sensor-fault'), seen);
    assert.equal(fault.code, 'VIGIL_DRIVER_NO_DATA');
    u.port(PATH)?.emitData(frames(0, 5));
    const back = await until(it, isState('connected'), seen);
    assert.equal(back.detail, 'data resumed');
    await d.close();
  });
});
