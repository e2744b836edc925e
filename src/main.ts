/**
 * The composition root: the one place that reads configuration and wires the graph
 * (drivers -> store, status server, retention job). Everything else receives its
 * dependencies through its constructor.
 */
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import type { BindingInterface } from '@serialport/bindings-interface';
import { createDriver } from '../drivers/index.ts';
import { BleHost } from '../drivers/ble/host.ts';
import type { DeviceState, Driver, DriverEvent, SampleBlock } from '../drivers/contract.ts';
import { HubHttpServer } from './api/http-server.ts';
import type { VigilConfig } from './config/schema.ts';
import type { Clock } from './core/clock.ts';
import { errorMessage } from './core/errors.ts';
import type { Logger } from './core/log.ts';
import { RetentionJob } from './store/retention.ts';
import { Store } from './store/store.ts';
import { ClassifierHealth } from './pipeline/classifier-health.ts';
import { EcgStage, type EcgStageOutput } from './pipeline/ecg-stage.ts';
import { BeatClassifier, BeatLabeler } from './detect/classifier.ts';
import { DEFAULT_MODEL } from './analysis/model.ts';
import { isVigilError } from './core/errors.ts';
import type { Beat, WindowReport } from './ecg/index.ts';
import { rhythmOverrides } from './alarms/config.ts';
import type { AlarmManager } from './alarms/manager.ts';
import { TechnicalWatch } from './alarms/technical-watch.ts';
import type { LiveHub } from './pipeline/live-hub.ts';
import { openBedside, type Bedside } from './pipeline/bedside.ts';
import { Uplink } from './uplink/uplink.ts';

export interface HubDeps {
  clock: Clock;
  logger: Logger;
  /** Serial binding: bindings-cpp on a hub, binding-mock in tests. */
  serialBinding: () => Promise<BindingInterface>;
  /** Base directory that relative paths in the config are resolved against. */
  baseDir: string;
}

interface DeviceEntry {
  driver: Driver;
  state: DeviceState;
  since: number;
  detail?: string;
  pump: Promise<void>;
  ecg: EcgStage;
  /** Latest analysis window, for the status page. */
  lastWindow: (WindowReport & { wallTimeMs: number }) | null;
  beats: number;
  /** Time reference of the last block analysed: converts stream samples to wall time. */
  timeRef: { firstSample: number; wallTimeMs: number; fs: number } | null;
  /** Rhythm conditions currently active on this device. */
  active: Set<string>;
  /** Hub monotonic time of the device's last event (no-data watchdog). */
  lastEventMono: number;
  /** EcgStage restarts seen: a restart ends the old chain's open conditions. */
  restarts: number;
  /** Delivers sample blocks (a waveform device), watched by the hub's no-data watchdog. */
  continuous: boolean;
  /** The live ECG analysis threw on the last block ("ECG Analysis Failed" raised). */
  analysisFailing: boolean;
}



export interface RunningHub {
  readonly url: string;
  readonly store: Store;
  readonly alarms: AlarmManager;
  readonly live: LiveHub;
  stop(): Promise<void>;
  status(): Promise<Record<string, unknown>>;
}

export async function startHub(config: VigilConfig, deps: HubDeps): Promise<RunningHub> {
  const log = deps.logger;
  const dataDir = path.resolve(deps.baseDir, config.hub.dataDir);
  // The store opens first: a locked or corrupt database stops the start before any device is touched.
  const store = await Store.open({
    dir: dataDir,
    clock: deps.clock,
    logger: log.child({ part: 'store' }),
    sync: config.store.sync,
    flushIntervalMs: config.store.flushIntervalMs,
    feed: config.uplink.enabled,
  });
  const r = config.store.retention;
  const retention = new RetentionJob({
    target: store,
    schedule: r.schedule,
    policy: {
      maxAgeMs: {
        wave: r.waveformMaxAgeHours * 3_600_000,
        meas: r.measurementsMaxAgeDays * 86_400_000,
        events: r.eventsMaxAgeDays * 86_400_000,
      },
      maxBytes: r.maxBytes,
    },
    logger: log.child({ part: 'retention' }),
  });

  const devices = new Map<string, DeviceEntry>();
  const startedAt = deps.clock.wallMs();

  // Bedside alarms, their persistent log and hook, and what the bedside view reads.
  const bedside = await openBedside({ config: config.alarms, hub: { id: config.hub.id, bed: config.hub.bed }, patient: { paced: config.analysis.paced }, store, clock: deps.clock, logger: log });
  const alarmManager = bedside.alarms;
  const live = bedside.live;
  const rhythmConfig = rhythmOverrides(config.alarms);

  // The beat classifier. A model that cannot be loaded (missing, wrong hash or shape) must not
  // keep the bed from being monitored: beats then stay N/Q, and the failure is reported.
  let classifier: BeatClassifier | null = null;
  let classifierStatus: Record<string, unknown> = { enabled: false };
  if (config.analysis.classifier) {
    const file = config.analysis.model === null ? DEFAULT_MODEL : path.resolve(deps.baseDir, config.analysis.model);
    try {
      classifier = await BeatClassifier.load(file);
      classifierStatus = { enabled: true, ok: true, model: file, sha256: classifier.info.sha256 };
    } catch (e: unknown) {
      const code = isVigilError(e) ? e.code : 'VIGIL_INTERNAL';
      classifierStatus = { enabled: true, ok: false, model: file, code, message: errorMessage(e) };
      log.error('beat classifier not loaded: beats stay unclassified (N/Q)', { model: file, code, err: errorMessage(e) });
      alarmManager.setCondition('model-failed', null, true, { detail: code });
    }
  }
  // Inference failing at run time: the beats go on unclassified (BeatLabeler), the bed hears
  // the technical alarm, the status says why; both clear when inference works again on every
  // device (src/pipeline/classifier-health.ts).
  const health = new ClassifierHealth({
    onDevice: (device, ok, e) => {
      if (ok) log.info('beat classifier works again', { device });
      else log.error('beat classifier failed: beats go on unclassified (N/Q)', { device, code: isVigilError(e) ? e.code : 'VIGIL_INTERNAL', err: errorMessage(e) });
    },
    onChange: (failing, d) => {
      classifierStatus = failing
        ? { ...classifierStatus, ok: false, code: d.code, message: d.message, failingDevices: d.devices }
        : { ...classifierStatus, ok: true, code: undefined, message: undefined, failingDevices: undefined };
      alarmManager.setCondition('model-failed', null, failing, failing ? { detail: d.code } : {});
    },
  });
  const healthFor = (deviceId: string) => health.reporter(deviceId);
  const labellerFor = (deviceId: string) =>
    classifier ? (sampleRate: number, leadNames: readonly string[]) => new BeatLabeler(classifier as BeatClassifier, { sampleRate, leadNames, onHealth: healthFor(deviceId) }) : undefined;

  let uplink: Uplink | null = null;
  const status = async (): Promise<Record<string, unknown>> => ({
    hub: { id: config.hub.id, bed: config.hub.bed, startedAt: new Date(startedAt).toISOString(), uptimeS: Math.round((deps.clock.wallMs() - startedAt) / 1000) },
    classifier: classifierStatus,
    analysis: { adapt: config.analysis.adapt, paced: config.analysis.paced },
    // What is alarming at the bed right now, for the engineer looking at a hub remotely.
    alarms: { inForce: alarmManager.alarms().map((a) => ({ id: a.id, priority: a.priority, state: a.state, acknowledged: a.acknowledged !== null, since: new Date(a.onsetMs).toISOString() })), audio: alarmManager.audio(), logWriteFailures: bedside.alarmLog.failed },
    devices: [...devices.values()].map((d) => ({
      id: d.driver.id,
      kind: d.driver.kind,
      state: d.state,
      since: new Date(d.since).toISOString(),
      detail: d.detail,
      stats: d.driver.stats(),
      ecg: d.lastWindow
        ? {
            beats: d.beats,
            hrBpm: d.lastWindow.hrBpm,
            sqi: d.lastWindow.sqi,
            unanalyzable: d.lastWindow.unanalyzable,
            leadOff: d.lastWindow.leadOff,
            hrv: d.lastWindow.hrv,
            at: new Date(d.lastWindow.wallTimeMs).toISOString(),
            conditions: [...d.active],
          }
        : null,
    })),
    store: await store.stats(),
    uplink: uplink?.status() ?? { enabled: false },
  });

  const server = new HubHttpServer({ status: { status }, live, bedside: config.bedside, clock: deps.clock, log: log.child({ part: 'http' }) });
  let url: string;
  try {
    url = await server.listen(config.http.host, config.http.port);
  } catch (e: unknown) {
    await store.close();
    throw e;
  }

  // Bluetooth radios, made only when a BLE device opens (noble is never loaded otherwise).
  const ble = new BleHost({ clock: deps.clock, logger: log.child({ part: 'ble' }) });
  let stopping: Promise<void> | null = null;
  let watch: TechnicalWatch | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('hub stopping');
      await retention.stop();
      await watch?.stop();
      await Promise.all([...devices.values()].map((d) => d.driver.close()));
      ble.close();
      await Promise.all([...devices.values()].map((d) => d.pump));
      // Beats still inside the engine's look-ahead are stored too (their rhythm offsets are
      // not alarms any more: the stream ended, it did not recover).
      for (const d of devices.values()) record(await d.ecg.finish(), d, store, null);
      await bedside.close();
      await server.close();
      await uplink?.stop(); // what is not acknowledged yet stays in the outbox
      await store.close();
      await classifier?.close();
      // What every driver delivered, all of it now acknowledged by the store.
      const delivered = [...devices.values()].map((d) => ({ id: d.driver.id, samples: d.driver.stats().samples, measurements: d.driver.stats().measurements }));
      log.info('hub stopped: store flushed and closed', { delivered });
    })();
    return stopping;
  };
  try {
    if (config.uplink.enabled) {
      // Store-and-forward upstream; its technical conditions are bedside alarms.
      uplink = await Uplink.create(config.uplink, {
        store, hubId: config.hub.id, bed: config.hub.bed, clock: deps.clock, logger: log.child({ part: 'uplink' }), baseDir: deps.baseDir,
        onTechnical: (c, active, detail) => alarmManager.setCondition(c, null, active, { detail: typeof detail.lastError === 'string' ? detail.lastError : null }),
      });
      await uplink.start();
    }
    for (const dc of config.devices) {
      const driver = createDriver(dc, {
        clock: deps.clock,
        logger: log.child({ part: 'driver' }),
        serialBinding: deps.serialBinding,
        ble,
        baseDir: deps.baseDir,
      });
      const entry: DeviceEntry = {
        driver, state: 'connecting', since: deps.clock.wallMs(), pump: Promise.resolve(), ecg: new EcgStage(dc.id, labellerFor(dc.id), rhythmConfig, config.analysis.adapt, config.analysis.paced, config.analysis.mainsHz),
        lastWindow: null, beats: 0, timeRef: null, active: new Set(), lastEventMono: deps.clock.monotonicMs(), restarts: 0, continuous: false, analysisFailing: false,
      };
      live.device(dc.id, driver.kind, 'connecting', entry.since, null);
      entry.pump = pump(driver, entry, store, log, bedside, deps.clock);
      devices.set(dc.id, entry);
      await driver.open();
    }
    await retention.start();
    // Technical conditions the hub watches itself: a waveform device gone quiet, storage.
    watch = new TechnicalWatch({
      clock: deps.clock,
      alarms: alarmManager,
      logger: log.child({ part: 'watch' }),
      devices: () => [...devices.values()].map((d) => ({ id: d.driver.id, state: d.state, continuous: d.continuous, lastEventMono: d.lastEventMono })),
      storage: {
        freeBytes: async () => {
          const st = await statfs(dataDir);
          return st.bavail * st.bsize;
        },
        writeFailures: async () => (await store.stats()).writes,
      },
      noDataMs: config.alarms.noDataAfterS * 1000,
      minFreeMb: config.alarms.storageMinFreeMb,
    });
    watch.start();
    log.info('hub started', { hub: config.hub.id, bed: config.hub.bed, url, dataDir, devices: config.devices.map((d) => `${d.id}(${d.type})`) });
  } catch (e: unknown) {
    // A device that cannot even start (a missing record file): undo the start cleanly.
    log.error('hub start failed', { err: errorMessage(e) });
    await stop();
    throw e;
  }
  return { url, store, alarms: alarmManager, live, stop, status };
}

/** Moves one driver's events into the store; never lets a bad event stop the flow. */
async function pump(driver: Driver, entry: DeviceEntry, store: Store, log: Logger, bedside: Bedside, clock: Clock): Promise<void> {
  for await (const ev of driver.events() as AsyncIterable<DriverEvent>) {
    // Data, not status: a driver's own "no data" status must not restart the no-data clock.
    if (ev.kind !== 'status') entry.lastEventMono = clock.monotonicMs();
    try {
      switch (ev.kind) {
        case 'samples':
          entry.continuous = true;
          // appendBlock only buffers (the store writes in batches): the alarm path never waits on the disk.
          store.appendBlock(ev);
          bedside.live.block(ev);
          try {
            await analyse(ev, entry, store, bedside);
            if (entry.analysisFailing) {
              entry.analysisFailing = false;
              bedside.alarms.setCondition('ecg-analysis-failed', driver.id, false);
              log.info('ECG analysis works again', { device: driver.id });
            }
          } catch (e: unknown) {
            // No arrhythmia detection on this bed while it throws: the nurse must hear it (the
            // samples are stored all the same). Logged once per failing stretch.
            if (!entry.analysisFailing) {
              entry.analysisFailing = true;
              log.error('ECG analysis failed: no arrhythmia detection on this device', { device: driver.id, err: errorMessage(e) });
              bedside.alarms.setCondition('ecg-analysis-failed', driver.id, true, { detail: isVigilError(e) ? e.code : 'VIGIL_INTERNAL' });
            }
          }
          break;
        case 'measurement':
          bedside.live.measurement(ev);
          store.appendMeasurement(ev);
          break;
        case 'status':
          entry.state = ev.state;
          entry.since = ev.wallTimeMs;
          entry.detail = ev.detail;
          deviceCondition(ev.state, driver.id, ev.detail ?? null, bedside.alarms, ev.code ?? null);
          bedside.live.device(driver.id, driver.kind, ev.state, ev.wallTimeMs, ev.detail ?? null);
          store.appendEvent(ev);
          break;
      }
    } catch (e: unknown) {
      log.error('could not store a device event', { device: driver.id, kind: ev.kind, err: errorMessage(e) });
    }
  }
}

/**
 * Live ECG analysis of a block: beats and window reports go to the store as events, with
 * wall times derived from the block they belong to (a beat is reported up to 0.5 s after
 * its R peak, so it may fall in an earlier block: the sample rate is constant, so the
 * offset works either way).
 */
async function analyse(block: SampleBlock, entry: DeviceEntry, store: Store, bedside: Bedside): Promise<void> {
  // Before a hole in the stream: the old chain's last beats, dated by the blocks before it.
  const before = await entry.ecg.flushBeforeRestart(block);
  if (before !== null) record(before, entry, store, null);
  entry.timeRef = { firstSample: block.firstSample, wallTimeMs: block.wallTimeMs, fs: block.channels[0]?.sampleRate ?? 1 };
  const out = await entry.ecg.push(block);
  if (entry.ecg.restarts !== entry.restarts) {
    // The chain restarted after a gap: what it had open is unknown now, not over. Latching
    // alarms stay latched; the new chain raises them again if they still hold.
    entry.restarts = entry.ecg.restarts;
    for (const c of entry.active) bedside.alarms.setCondition(c, entry.driver.id, false, { detail: 'ECG stream interrupted' });
    entry.active.clear();
  }
  record(out, entry, store, bedside);
}

/** Driver states that are technical alarm conditions (exported for its test). */
export function deviceCondition(state: DeviceState, deviceId: string, detail: string | null, alarms: AlarmManager, code: string | null = null): void {
  if (state === 'disconnected') alarms.setCondition('device-disconnected', deviceId, true, { detail });
  else if (state === 'connected' || state === 'closed') alarms.setCondition('device-disconnected', deviceId, false);
  if (state === 'lead-off') alarms.setCondition('lead-off', deviceId, true, { detail });
  else if (state === 'lead-on' || state === 'closed') alarms.setCondition('lead-off', deviceId, false);
  // A wireless sensor's own watchdog (it stopped notifying) and its out-of-range timer.
  // A serial board's watchdog (no bytes for its timeout) reports sensor-fault with code VIGIL_DRIVER_NO_DATA.
  if (state === 'stale' || (state === 'sensor-fault' && code === 'VIGIL_DRIVER_NO_DATA')) alarms.setCondition('no-data', deviceId, true, { detail });
  else if (state === 'connected' || state === 'closed' || state === 'disconnected') alarms.setCondition('no-data', deviceId, false);
  // A sensor that reports itself off the patient (BLE pulse oximeter / HR strap contact flag).
  if (state === 'sensor-fault' && code !== 'VIGIL_DRIVER_NO_DATA') alarms.setCondition('sensor-off', deviceId, true, { detail });
  else if (state === 'connected' || state === 'closed' || state === 'disconnected') alarms.setCondition('sensor-off', deviceId, false);
  if (state === 'gone') alarms.setCondition('device-gone', deviceId, true, { detail });
  else if (state === 'connected' || state === 'closed') alarms.setCondition('device-gone', deviceId, false);
}

function record(out: EcgStageOutput, entry: DeviceEntry, store: Store, bedside: Bedside | null): void {
  const ref = entry.timeRef;
  if (ref === null || (out.beats.length === 0 && out.windows.length === 0 && out.rhythm.length === 0)) return;
  const deviceId = entry.driver.id;
  const wallOf = (sample: number): number => ref.wallTimeMs + ((sample - ref.firstSample) * 1000) / ref.fs;
  for (const b of out.beats) store.appendEvent(beatEvent(deviceId, b, wallOf(b.sample)));
  entry.beats += out.beats.length;
  for (const w of out.windows) {
    const wallTimeMs = wallOf(w.endSample);
    store.appendEvent({ kind: 'ecg-window', deviceId, wallTimeMs, startSample: w.startSample, endSample: w.endSample, hrBpm: w.hrBpm, hrv: w.hrv, sqi: w.sqi, unanalyzable: w.unanalyzable, leadOff: w.leadOff });
    entry.lastWindow = { ...w, wallTimeMs };
    bedside?.live.ecgHeartRate(deviceId, w.hrBpm, wallTimeMs);
  }
  // Rhythm conditions (onset/offset) for the alarm layer and the clinician's episode list.
  for (const r of out.rhythm) {
    store.appendEvent({ kind: 'rhythm', deviceId, wallTimeMs: wallOf(r.sample), condition: r.condition, phase: r.phase, sample: r.sample, detectedAtMs: wallOf(r.detectedAtSample), detail: r.detail ?? null });
    if (r.phase === 'onset') entry.active.add(r.condition);
    else entry.active.delete(r.condition);
    bedside?.alarms.setCondition(r.condition, deviceId, r.phase === 'onset', { detail: r.detail !== undefined ? JSON.stringify(r.detail) : null });
  }
}

function beatEvent(deviceId: string, b: Beat, wallTimeMs: number): { kind: string; wallTimeMs: number; [k: string]: unknown } {
  return { kind: 'beat', deviceId, wallTimeMs, sample: b.sample, label: b.label, lead: b.lead, rrPrevS: b.rrPrevS, qrsWidthS: b.qrsWidthS, amplitudeMv: b.amplitudeMv, quality: b.quality };
}
