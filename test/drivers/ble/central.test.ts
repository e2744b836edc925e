import assert from 'node:assert/strict';
import { run, RecordingSink, linkConfig, simRadio } from './support.ts';

const A = 'C0:DE:00:00:00:01';
const B = 'C0:DE:00:00:00:02';
const C = 'C0:DE:00:00:00:03';

describe('BLE central over the simulated binding (real noble, ManualClock)', function () {
  this.timeout(20_000);

  it('scan lists nearby devices with their health profiles and RSSI', async () => {
    const { clock, binding, central } = await simRadio();
    binding.addPeripheral({ address: A, scenario: 'pulse-oximeter', rssi: -50 });
    binding.addPeripheral({ address: B, scenario: 'blood-pressure', rssi: -70 });
    const found = central.scan(2500);
    await run(clock, 2600);
    const list = await found;
    assert.deepEqual(
      list.map((e) => [e.address, e.profiles.join(',')]),
      [[A, 'pulse-oximeter,battery'], [B, 'blood-pressure,battery']],
    );
    assert.ok(list.every((e) => e.rssi <= -46 && e.rssi >= -74), 'RSSI around the configured level');
    assert.equal(list[0]?.name, 'Vigil Sim Oximeter');
    central.close();
    binding.shutdown();
  });

  it('connects, discovers, subscribes and streams several devices at once', async () => {
    const { clock, binding, central } = await simRadio();
    binding.addPeripheral({ address: A, scenario: 'pulse-oximeter' });
    binding.addPeripheral({ address: B, scenario: 'blood-pressure' });
    binding.addPeripheral({ address: C, scenario: 'thermometer' });
    const sinks = [A, B, C].map((addr) => {
      const s = new RecordingSink(clock);
      central.attach(linkConfig(addr), s);
      return s;
    });
    await run(clock, 6000);
    for (const s of sinks) assert.deepEqual(s.states(), ['connecting', 'connected']);
    const [ox, bp, th] = sinks;
    // Battery read once at connection on each, then each device's own stream.
    assert.ok(ox && ox.received.filter((d) => d.characteristic === '2a5f').length >= 5);
    assert.equal(bp?.received.filter((d) => d.characteristic === '2a35').length, 1);
    assert.equal(th?.received.filter((d) => d.characteristic === '2a1c').length, 1);
    for (const s of sinks) assert.equal(s?.received.filter((d) => d.characteristic === '2a19').length, 1);
    assert.equal(binding.sent.connects, 3);
    central.close();
    binding.shutdown();
  });

  it('link loss: disconnected with a jittered backoff delay, reconnects and re-subscribes', async () => {
    const { clock, binding, central } = await simRadio();
    binding.addPeripheral({ address: A, scenario: 'link-loss' });
    const sink = new RecordingSink(clock);
    const link = central.attach(linkConfig(A), sink);
    await run(clock, 4900);
    assert.equal(sink.last()?.state, 'connected');
    await run(clock, 300); // the scripted drop at 5 s
    const lost = sink.last();
    assert.equal(lost?.state, 'disconnected');
    assert.equal(lost?.info.code, 'VIGIL_DRIVER_DISCONNECTED');
    assert.ok(lost && (lost.info.retryInMs ?? 0) >= 500 && (lost.info.retryInMs ?? 0) <= 1000, `first retry ${lost?.info.retryInMs} ms in [base/2, base]`);
    await run(clock, 2000);
    assert.deepEqual(sink.states(), ['connecting', 'connected', 'disconnected', 'connecting', 'connected']);
    const back = sink.statuses[4]?.t ?? Infinity;
    await run(clock, 3000);
    assert.ok(sink.dataAfter(back) >= 2, 'notifications flow again after the reconnection (re-subscribed)');
    assert.equal(link.counters.reconnects, 1);
    central.close();
    binding.shutdown();
  });

  it('flaky reconnect: refused attempts back off exponentially (capped) until one succeeds', async () => {
    const { clock, binding, central } = await simRadio();
    binding.addPeripheral({ address: A, scenario: 'flaky-reconnect' });
    const sink = new RecordingSink(clock);
    central.attach(linkConfig(A, { reconnect: { baseMs: 1000, capMs: 3000 } }), sink);
    await run(clock, 20_000);
    const failed = sink.statuses.filter((s) => s.info.code === 'VIGIL_BLE_CONNECT_FAILED');
    assert.equal(failed.length, 3, 'three refused connections');
    const delays = failed.map((s) => s.info.retryInMs ?? 0);
    // Attempt n waits random(0.5..1) * min(cap, base * 2^n): 2nd in [1000, 2000], 3rd and 4th capped at [1500, 3000].
    assert.ok(delays[0] !== undefined && delays[0] >= 1000 && delays[0] <= 2000, `delays ${delays}`);
    assert.ok(delays.slice(1).every((d) => d >= 1500 && d <= 3000), `capped delays ${delays}`);
    assert.equal(sink.last()?.state, 'connected');
    assert.equal(binding.sent.refused, 3);
    central.close();
    binding.shutdown();
  });

  it('watchdog: a connected device that stops notifying goes stale, then is reconnected and re-subscribed', async () => {
    const { clock, binding, central } = await simRadio();
    binding.addPeripheral({ address: A, scenario: 'stops-notifying' });
    const sink = new RecordingSink(clock);
    central.attach(linkConfig(A, { watchdogMs: 3000 }), sink);
    await run(clock, 7000);
    assert.equal(sink.last()?.state, 'connected', 'the watchdog stays quiet while notifications arrive');
    await run(clock, 2000);
    const stale = sink.statuses.find((s) => s.state === 'stale');
    assert.ok(stale, `states ${sink.states()}`);
    assert.equal(stale.info.code, 'VIGIL_BLE_NO_NOTIFICATIONS');
    // Last notification at ~4.65 s: stale between 7.65 s and 8.5 s (checked every 750 ms).
    assert.ok(stale.t >= 7600 && stale.t <= 8500, `stale at ${stale.t}`);
    await run(clock, 6000);
    const after = sink.statuses.filter((s) => s.t > stale.t).map((s) => [s.state, s.info.code]);
    assert.deepEqual(after.slice(0, 3), [['disconnected', 'VIGIL_BLE_NO_NOTIFICATIONS'], ['connecting', undefined], ['connected', undefined]]);
    assert.ok(sink.dataAfter(stale.t + 3000) >= 2, 'the new subscription revived the notifications');
    central.close();
    binding.shutdown();
  });

  it('gone: unreachable longer than the set time raises "gone" once, retries quietly, clears when back', async () => {
    const { clock, binding, central } = await simRadio();
    binding.addPeripheral({ address: A, scenario: 'gone' });
    const sink = new RecordingSink(clock);
    const link = central.attach(linkConfig(A, { goneAfterMs: 30_000, connectTimeoutMs: 5000, reconnect: { baseMs: 1000, capMs: 4000 } }), sink);
    await run(clock, 36_000, 50);
    const gone = sink.statuses.find((s) => s.state === 'gone');
    assert.ok(gone, `states ${sink.states()}`);
    assert.equal(gone.info.code, 'VIGIL_BLE_DEVICE_GONE');
    assert.ok(gone.t >= 35_000 && gone.t <= 35_300, `gone 30 s after the loss at 5 s (${gone.t})`);
    assert.ok(link.isGone);
    await run(clock, 100_000, 100);
    const whileGone = sink.statuses.filter((s) => s.t > gone.t);
    assert.deepEqual(whileGone.map((s) => s.state), ['connected'], 'no event per failed attempt while gone; one when back');
    assert.equal(whileGone[0]?.info.detail, 'device back');
    assert.ok((whileGone[0]?.t ?? 0) >= 125_000, 'back only after it returned at 125 s');
    assert.ok(link.counters.failedAttempts >= 10, `kept trying (${link.counters.failedAttempts} attempts)`);
    assert.equal(link.isGone, false);
    central.close();
    binding.shutdown();
  });

  it('adapter powered off and on: links report it and reconnect', async () => {
    const { clock, binding, central } = await simRadio();
    binding.addPeripheral({ address: A, scenario: 'pulse-oximeter' });
    const sink = new RecordingSink(clock);
    central.attach(linkConfig(A), sink);
    await run(clock, 1000);
    binding.setAdapterState('poweredOff');
    await run(clock, 100);
    assert.ok(sink.statuses.some((s) => s.info.code === 'VIGIL_BLE_UNAVAILABLE'), `states ${JSON.stringify(sink.statuses)}`);
    binding.setAdapterState('poweredOn');
    await run(clock, 2000);
    assert.equal(sink.last()?.state, 'connected');
    assert.ok(sink.dataAfter(sink.last()?.t ?? 0) >= 1);
    central.close();
    binding.shutdown();
  });

  it('a device that is never heard stays "connecting" and the scan keeps running; closing ends it', async () => {
    const { clock, binding, central } = await simRadio();
    const sink = new RecordingSink(clock);
    const link = central.attach(linkConfig('AA:BB:CC:DD:EE:FF'), sink);
    await run(clock, 3000);
    assert.deepEqual(sink.states(), ['connecting']);
    assert.ok(link.needsScan);
    central.detach(link);
    assert.deepEqual(sink.states(), ['connecting', 'closed']);
    binding.shutdown();
  });
});
