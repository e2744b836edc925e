/**
 * Batch <-> wire structure (the CBOR data model stated in docs/uplink-batch.cddl), with the
 * structural validator decodeBatch relies on. Short text keys and fixed-position arrays keep a
 * batch small: field names would otherwise be repeated in every beat and measurement.
 *
 * Keep this file, the CDDL and test/uplink/batch.test.ts in step.
 */
import type { AlarmLogEntry } from '../api/live.ts';
import { VigilError } from '../core/errors.ts';
import type { Batch, BatchBeat, BatchDropped, BatchEvent, BatchMeasurement, BatchWave, BeatLabel, DecodeResult } from './batch.ts';
import { decodeWaves, encodeWaves } from './wave-group.ts';

/** Top-level keys (docs/uplink-batch.cddl `batch`). */
export const WIRE_KEYS = ['v', 'h', 'b', 'q', 't', 'w', 'k', 'm', 'e', 'a', 'd'] as const;

const BEAT_LABELS: ReadonlySet<string> = new Set(['N', 'S', 'V', 'F', 'Q', 'P']);
const PRIORITIES: ReadonlySet<string> = new Set(['high', 'medium', 'low']);
const ALARM_EVENTS: ReadonlySet<string> = new Set([
  'onset', 'offset', 'latched', 'cleared', 'acknowledged', 'audio-paused', 'audio-resumed', 'escalated', 're-alarm', 'restored',
]);

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isUint = (v: unknown): v is number => isInt(v) && v >= 0;
const isNumOrNull = (v: unknown): v is number | null => v === null || isNum(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

function need(ok: boolean, what: string): void {
  if (!ok) throw new VigilError('VIGIL_BATCH_INVALID', `cannot encode batch: ${what}`);
}

export function toWire(b: Batch): Record<string, unknown> {
  need(isStr(b.hubId) && isStr(b.bed), 'hubId and bed must be strings');
  need(isUint(b.seq), 'seq must be a non-negative integer');
  need(isNum(b.createdMs), 'createdMs must be a finite number');
  const k = b.beats.map((x) => [x.deviceId, x.sample, x.wallTimeMs, x.label, x.lead, x.rrPrevS, x.qrsWidthS, x.amplitudeMv, x.quality]);
  const m = b.measurements.map((x) => (x.decimals === undefined ? [x.deviceId, x.metric, x.value, x.unit, x.wallTimeMs, x.deviceTimeMs] : [x.deviceId, x.metric, x.value, x.unit, x.wallTimeMs, x.deviceTimeMs, x.decimals]));
  const a = b.alarms.map((x) => [
    x.seq, x.atMs, x.alarmId, x.condition, x.priority, x.event, x.by, x.value,
    x.limits === null ? null : [x.limits.low, x.limits.high], x.detail,
  ]);
  const d = b.dropped.map((x) => [x.fromSeq, x.toSeq, x.samples, x.fromMs, x.toMs]);
  // The same checks as the decoder: a batch this hub writes is one every receiver accepts.
  k.forEach((x, i) => need(beatFrom(x) !== null, `beats[${i}] has a bad field`));
  m.forEach((x, i) => need(measurementFrom(x) !== null, `measurements[${i}] has a bad field`));
  b.events.forEach((x, i) => need(eventFrom(x) !== null, `events[${i}] needs kind and a finite wallTimeMs`));
  a.forEach((x, i) => need(alarmFrom(x) !== null, `alarms[${i}] has a bad field`));
  d.forEach((x, i) => need(droppedFrom(x) !== null, `dropped[${i}] has a bad field`));
  return { v: 1, h: b.hubId, b: b.bed, q: b.seq, t: b.createdMs, w: encodeWaves(b.waves), k, m, e: b.events, a, d };
}

type Fail = Extract<DecodeResult, { ok: false }>;
const invalid = (message: string): Fail => ({ ok: false, code: 'VIGIL_BATCH_INVALID', message });

function arrayOf<T>(raw: unknown, what: string, item: (x: unknown) => T | null): T[] | Fail {
  if (!Array.isArray(raw)) return invalid(`${what}: not an array`);
  const out: T[] = [];
  for (let i = 0; i < raw.length; i++) {
    const v = item(raw[i]);
    if (v === null) return invalid(`${what}[${i}]: bad entry`);
    out.push(v);
  }
  return out;
}

const isFail = (x: unknown): x is Fail => typeof x === 'object' && x !== null && (x as { ok?: unknown }).ok === false;

function beatFrom(x: unknown): BatchBeat | null {
  if (!Array.isArray(x) || x.length !== 9) return null;
  const [deviceId, sample, wallTimeMs, label, lead, rrPrevS, qrsWidthS, amplitudeMv, quality] = x as unknown[];
  if (!isStr(deviceId) || !isInt(sample) || !isNum(wallTimeMs) || !isStr(label) || !BEAT_LABELS.has(label)) return null;
  if (!isNumOrNull(lead) || !isNumOrNull(rrPrevS) || !isNumOrNull(qrsWidthS) || !isNumOrNull(amplitudeMv) || !isNumOrNull(quality)) return null;
  return { deviceId, sample, wallTimeMs, label: label as BeatLabel, lead, rrPrevS, qrsWidthS, amplitudeMv, quality };
}

function measurementFrom(x: unknown): BatchMeasurement | null {
  if (!Array.isArray(x) || (x.length !== 6 && x.length !== 7)) return null;
  const [deviceId, metric, value, unit, wallTimeMs, deviceTimeMs, decimals] = x as unknown[];
  if (!isStr(deviceId) || !isStr(metric) || !isNumOrNull(value) || !isStr(unit) || !isNum(wallTimeMs) || !isNumOrNull(deviceTimeMs)) return null;
  if (decimals !== undefined && !(Number.isInteger(decimals) && (decimals as number) >= 0 && (decimals as number) <= 20)) return null;
  return { deviceId, metric, value, unit, wallTimeMs, deviceTimeMs, ...(decimals === undefined ? {} : { decimals: decimals as number }) };
}

function eventFrom(x: unknown): BatchEvent | null {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x) || x instanceof Map) return null;
  const o = x as { kind?: unknown; wallTimeMs?: unknown };
  return isStr(o.kind) && isNum(o.wallTimeMs) ? (x as BatchEvent) : null;
}

function alarmFrom(x: unknown): AlarmLogEntry | null {
  if (!Array.isArray(x) || x.length !== 10) return null;
  const [seq, atMs, alarmId, condition, priority, event, by, value, limits, detail] = x as unknown[];
  if (!isUint(seq) || !isNum(atMs) || !isStr(alarmId) || !isStr(condition)) return null;
  if (!isStr(priority) || !PRIORITIES.has(priority) || !isStr(event) || !ALARM_EVENTS.has(event)) return null;
  if (!isStrOrNull(by) || !isNumOrNull(value) || !isStrOrNull(detail)) return null;
  let lim: AlarmLogEntry['limits'] = null;
  if (limits !== null) {
    if (!Array.isArray(limits) || limits.length !== 2) return null;
    const [low, high] = limits as unknown[];
    if (!isNumOrNull(low) || !isNumOrNull(high)) return null;
    lim = { low, high };
  }
  return {
    seq, atMs, alarmId, condition, priority: priority as AlarmLogEntry['priority'], event: event as AlarmLogEntry['event'],
    by, value, limits: lim, detail,
  };
}

function droppedFrom(x: unknown): BatchDropped | null {
  if (!Array.isArray(x) || x.length !== 5) return null;
  const [fromSeq, toSeq, samples, fromMs, toMs] = x as unknown[];
  if (!isUint(fromSeq) || !isUint(toSeq) || !isUint(samples) || !isNumOrNull(fromMs) || !isNumOrNull(toMs)) return null;
  return { fromSeq, toSeq, samples, fromMs, toMs };
}

/** Validates the decoded CBOR data model and builds the Batch. */
export function fromWire(raw: unknown): DecodeResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || ArrayBuffer.isView(raw) || raw instanceof Map) {
    return invalid('top level is not a map');
  }
  const o = raw as Record<string, unknown>;
  if (!('v' in o)) return invalid('no format version (key "v")');
  if (o['v'] !== 1) {
    return { ok: false, code: 'VIGIL_BATCH_VERSION', message: `unsupported batch format version ${String(o['v'])} (this hub reads 1)` };
  }
  for (const k of WIRE_KEYS) if (!(k in o)) return invalid(`missing key "${k}"`);
  const { h, b, q, t } = o;
  if (!isStr(h) || !isStr(b)) return invalid('hub id "h" and bed "b" must be text');
  if (!isUint(q)) return invalid('sequence "q" must be a non-negative integer');
  if (!isNum(t)) return invalid('creation time "t" must be a number');
  const waves = decodeWaves(o['w']);
  if (isFail(waves)) return waves;
  const beats = arrayOf(o['k'], 'beats "k"', beatFrom);
  if (isFail(beats)) return beats;
  const measurements = arrayOf(o['m'], 'measurements "m"', measurementFrom);
  if (isFail(measurements)) return measurements;
  const events = arrayOf(o['e'], 'events "e"', eventFrom);
  if (isFail(events)) return events;
  const alarms = arrayOf(o['a'], 'alarms "a"', alarmFrom);
  if (isFail(alarms)) return alarms;
  const dropped = arrayOf(o['d'], 'dropped "d"', droppedFrom);
  if (isFail(dropped)) return dropped;
  const batch: Batch = { hubId: h, bed: b, seq: q, createdMs: t, waves: waves as BatchWave[], beats, measurements, events, alarms, dropped };
  return { ok: true, batch };
}
