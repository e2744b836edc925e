/**
 * Key layout of the store. Keys are UTF-8 strings, '/'-separated, with fixed-width
 * zero-padded decimal numbers so that LevelDB's bytewise order is time order:
 *
 *   wave:   <device>/<channel>/<startMs:15>/<session:6>/<counter:10>
 *   meas:   <device>/<metric>/<timeMs:15>/<session:6>/<counter:10>
 *   events: <timeMs:15>/<session:6>/<counter:10>
 *
 * Why decimal strings rather than big-endian binary numbers: keys stay readable in
 * `ldb dump` and in logs, range bounds are plain string concatenation, and wall-clock
 * milliseconds (~1.8e12) fit exactly in 15 digits without BigInt or float-to-bytes tricks.
 * The width costs little: LevelDB prefix-compresses keys inside each table block
 * (restart interval 16), so the long shared `<device>/<channel>/0001767…` prefix is
 * mostly stored once per block, and waveform keys are few (one per ~2 s segment).
 *
 * Name components are percent-encoded (encodeURIComponent), so a device id such as
 * "openview:/dev/ttyUSB0" cannot contain the '/' separator: a series prefix
 * "<device>/<channel>/" therefore matches exactly one series.
 *
 * session/counter make every key unique even when the wall clock steps backwards
 * (a Pi without RTC boots with a stale time until NTP corrects it): the session number
 * is incremented and persisted at every open, the counter restarts at 0 each session.
 */

export const TIME_DIGITS = 15;
/** Largest time representable in a key (year ~33658). */
export const MAX_KEY_TIME = 999_999_999_999_999;

export function padTime(ms: number): string {
  const t = Number.isFinite(ms) ? Math.min(MAX_KEY_TIME, Math.max(0, Math.floor(ms))) : 0;
  return String(t).padStart(TIME_DIGITS, '0');
}

export function seqSuffix(session: number, counter: number): string {
  return String(session).padStart(6, '0') + '/' + String(counter).padStart(10, '0');
}

export function encodeName(name: string): string {
  return encodeURIComponent(name);
}

/** "<device>/<name>/": the prefix of one waveform or measurement series. */
export function seriesPrefix(deviceId: string, name: string): string {
  return encodeName(deviceId) + '/' + encodeName(name) + '/';
}

/**
 * First key after every key starting with `prefix` (which ends in '/'):
 * '0' is the character right after '/', and encoded names never contain '/'.
 */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + '0';
}

export interface ParsedSeriesKey {
  readonly deviceId: string;
  readonly name: string;
  readonly prefix: string;
  readonly timeMs: number;
}

/** Parses a wave or meas key; null when it does not have the expected shape. */
export function parseSeriesKey(key: string): ParsedSeriesKey | null {
  const parts = key.split('/');
  if (parts.length !== 5) return null;
  const [dev, name, time] = parts as [string, string, string, string, string];
  const timeMs = Number(time);
  if (time.length !== TIME_DIGITS || !Number.isSafeInteger(timeMs)) return null;
  try {
    return { deviceId: decodeURIComponent(dev), name: decodeURIComponent(name), prefix: dev + '/' + name + '/', timeMs };
  } catch {
    return null;
  }
}

/** Time of an events key (first component); NaN when malformed. */
export function eventKeyTime(key: string): number {
  const time = key.slice(0, TIME_DIGITS);
  return key.charAt(TIME_DIGITS) === '/' ? Number(time) : Number.NaN;
}
