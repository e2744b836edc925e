/**
 * WFDB header (.hea) parser for single-segment records.
 *
 * Syntax follows the WFDB header(5) manual page (PhysioNet, "WFDB Applications Guide"):
 *   record line:  name[/nseg] nsig [fs[/counterfreq[(basecounter)]] [nsamp [basetime [basedate]]]]
 *   signal line:  file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero
 *                 [initval [checksum [blocksize [description]]]]]]]
 * Every field after `format` is optional; the defaults below are the WFDB library's.
 *
 * The parser never throws on input text: it returns `{ ok: false, error }` with a stable
 * code and the 1-based line number in `error.details.line`.
 */
import { VigilError } from '../core/errors.ts';

/** Formats this package can decode (see signals.ts). */
export const SUPPORTED_FORMATS: ReadonlySet<number> = new Set([212, 16, 61, 80, 24, 32]);

/** WFDB library DEFGAIN: ADC units per mV assumed when the header gives none (or 0 = uncalibrated). */
export const WFDB_DEFAULT_GAIN = 200;
/** WFDB library DEFFREQ: sampling frequency when the record line gives none. */
export const WFDB_DEFAULT_FS = 250;

export interface WfdbSignalSpec {
  /** Position of the signal in the header (0-based). */
  readonly index: number;
  readonly fileName: string;
  readonly format: number;
  /** Samples of this signal per frame (the `xN` suffix; 1 when absent). */
  readonly samplesPerFrame: number;
  /** Skew in frames (`:N`). Parsed and reported; not applied by the decoder. */
  readonly skew: number;
  /** Bytes to skip at the start of the data file (`+N`), e.g. a 24-byte preamble. */
  readonly byteOffset: number;
  /** ADC units per physical unit as written; 0 means "uncalibrated" (WFDB), see `effectiveGain`. */
  readonly gain: number;
  /** ADC value of physical zero; defaults to adcZero when absent (WFDB). */
  readonly baseline: number;
  readonly units: string;
  readonly adcResolution: number;
  readonly adcZero: number;
  readonly initialValue: number;
  /** Expected checksum (low 16 bits of the sample sum, signed), or null when absent. */
  readonly checksum: number | null;
  readonly blockSize: number;
  readonly description: string;
}

export interface WfdbHeader {
  readonly recordName: string;
  readonly numSignals: number;
  /** Frames per second. */
  readonly samplingFrequency: number;
  readonly counterFrequency: number | null;
  readonly baseCounter: number;
  /** Frames per signal, or null when the header does not say (then the data file length decides). */
  readonly numSamples: number | null;
  readonly baseTime: string | null;
  readonly baseDate: string | null;
  readonly signals: readonly WfdbSignalSpec[];
  /** `#` comment lines, without the `#` and surrounding spaces (mitdb: age, sex, medication). */
  readonly comments: readonly string[];
}

export type HeaderResult = { readonly ok: true; readonly header: WfdbHeader } | { readonly ok: false; readonly error: VigilError };

/** Gain to use for physical conversion: WFDB treats 0 (uncalibrated) as DEFGAIN. */
export function effectiveGain(s: WfdbSignalSpec): number {
  return s.gain === 0 ? WFDB_DEFAULT_GAIN : s.gain;
}

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RECORD_NAME = /^[A-Za-z0-9_.~-]+$/;
const FORMAT_FIELD = /^(\d+)(?:x(\d+))?(?::([+-]?\d+))?(?:\+(\d+))?$/;
const GAIN_FIELD = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\(([+-]?\d+)\))?(?:\/(\S+))?$/;
const FS_FIELD = /^((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\/((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:\(([+-]?\d+(?:\.\d*)?)\))?)?$/;

/** WFDB default ADC resolution (bits) per format, used when the header leaves adcres out or 0. */
function defaultAdcResolution(format: number): number {
  switch (format) {
    case 80:
      return 8;
    case 16:
    case 61:
      return 16;
    case 24:
      return 24;
    case 32:
      return 32;
    default:
      return 12;
  }
}

function fail(code: 'VIGIL_WFDB_HEADER_INVALID' | 'VIGIL_WFDB_FORMAT_UNSUPPORTED', line: number, message: string): HeaderResult {
  return { ok: false, error: new VigilError(code, `header line ${line}: ${message}`, { details: { line } }) };
}

function safeInt(s: string): number | null {
  if (!INT.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

interface RecordLine {
  recordName: string;
  numSignals: number;
  samplingFrequency: number;
  counterFrequency: number | null;
  baseCounter: number;
  numSamples: number | null;
  baseTime: string | null;
  baseDate: string | null;
}

function parseRecordLine(fields: string[], line: number, expectedName: string | undefined): RecordLine | HeaderResult {
  const [nameField = '', nsigField, fsField, nsampField, timeField, dateField] = fields;
  if (nameField.includes('/')) {
    return fail('VIGIL_WFDB_FORMAT_UNSUPPORTED', line, `multi-segment record "${nameField}" is not supported`);
  }
  if (!RECORD_NAME.test(nameField)) return fail('VIGIL_WFDB_HEADER_INVALID', line, `bad record name "${nameField}"`);
  if (expectedName !== undefined && expectedName !== nameField) {
    return fail('VIGIL_WFDB_HEADER_INVALID', line, `record name "${nameField}" does not match "${expectedName}"`);
  }
  if (nsigField === undefined) return fail('VIGIL_WFDB_HEADER_INVALID', line, 'missing number of signals');
  const numSignals = safeInt(nsigField);
  if (numSignals === null || numSignals < 0) return fail('VIGIL_WFDB_HEADER_INVALID', line, `bad number of signals "${nsigField}"`);
  let samplingFrequency = WFDB_DEFAULT_FS;
  let counterFrequency: number | null = null;
  let baseCounter = 0;
  if (fsField !== undefined) {
    const m = FS_FIELD.exec(fsField);
    const fs = m ? Number(m[1]) : NaN;
    if (!m || !(fs > 0) || !Number.isFinite(fs)) return fail('VIGIL_WFDB_HEADER_INVALID', line, `bad sampling frequency "${fsField}"`);
    samplingFrequency = fs;
    if (m[2] !== undefined) counterFrequency = Number(m[2]);
    if (m[3] !== undefined) baseCounter = Number(m[3]);
  }
  let numSamples: number | null = null;
  if (nsampField !== undefined) {
    numSamples = safeInt(nsampField);
    if (numSamples === null || numSamples < 0) return fail('VIGIL_WFDB_HEADER_INVALID', line, `bad number of samples "${nsampField}"`);
  }
  if (timeField !== undefined && !/^\d{1,2}(?::\d{1,2}){0,2}(?:\.\d+)?$/.test(timeField)) {
    return fail('VIGIL_WFDB_HEADER_INVALID', line, `bad base time "${timeField}"`);
  }
  if (dateField !== undefined && !/^\d{1,2}\/\d{1,2}\/\d{1,4}$/.test(dateField)) {
    return fail('VIGIL_WFDB_HEADER_INVALID', line, `bad base date "${dateField}"`);
  }
  if (fields.length > 6) return fail('VIGIL_WFDB_HEADER_INVALID', line, 'too many fields on the record line');
  return { recordName: nameField, numSignals, samplingFrequency, counterFrequency, baseCounter, numSamples, baseTime: timeField ?? null, baseDate: dateField ?? null };
}

function parseSignalLine(raw: string, index: number, recordName: string, line: number): WfdbSignalSpec | HeaderResult {
  // Up to 8 space-separated fields, then the description (which may contain spaces).
  const fields: string[] = [];
  let rest = raw.trim();
  while (fields.length < 8 && rest.length > 0) {
    const m = /^(\S+)\s*/.exec(rest);
    if (!m || m[1] === undefined) break;
    fields.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  const [fileName = '', formatField, gainField, resField, zeroField, initField, sumField, blockField] = fields;
  if (formatField === undefined) return fail('VIGIL_WFDB_HEADER_INVALID', line, `signal ${index}: missing format`);
  const fm = FORMAT_FIELD.exec(formatField);
  if (!fm) return fail('VIGIL_WFDB_HEADER_INVALID', line, `signal ${index}: bad format field "${formatField}"`);
  const format = Number(fm[1]);
  if (!SUPPORTED_FORMATS.has(format)) {
    return fail('VIGIL_WFDB_FORMAT_UNSUPPORTED', line, `signal ${index}: format ${format} is not supported (supported: ${[...SUPPORTED_FORMATS].join(', ')})`);
  }
  const samplesPerFrame = fm[2] === undefined ? 1 : Number(fm[2]);
  if (!(samplesPerFrame >= 1) || samplesPerFrame > 1_000_000) return fail('VIGIL_WFDB_HEADER_INVALID', line, `signal ${index}: bad samples per frame`);
  const skew = fm[3] === undefined ? 0 : Number(fm[3]);
  const byteOffset = fm[4] === undefined ? 0 : Number(fm[4]);
  if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(skew)) return fail('VIGIL_WFDB_HEADER_INVALID', line, `signal ${index}: bad offset or skew`);

  let gain = WFDB_DEFAULT_GAIN;
  let baseline: number | null = null;
  let units = 'mV';
  if (gainField !== undefined) {
    const gm = GAIN_FIELD.exec(gainField);
    if (!gm) return fail('VIGIL_WFDB_HEADER_INVALID', line, `signal ${index}: bad gain field "${gainField}"`);
    gain = Number(gm[1]);
    if (!Number.isFinite(gain) || gain < 0) return fail('VIGIL_WFDB_HEADER_INVALID', line, `signal ${index}: bad gain "${gm[1]}"`);
    if (gm[2] !== undefined) baseline = Number(gm[2]);
    if (gm[3] !== undefined) units = gm[3];
  }
  const ints: number[] = [];
  const names = ['ADC resolution', 'ADC zero', 'initial value', 'checksum', 'block size'];
  const raws = [resField, zeroField, initField, sumField, blockField];
  for (let i = 0; i < raws.length; i++) {
    const r = raws[i];
    if (r === undefined) break;
    const v = safeInt(r);
    if (v === null) return fail('VIGIL_WFDB_HEADER_INVALID', line, `signal ${index}: bad ${names[i]} "${r}"`);
    ints.push(v);
  }
  const [res, adcZero = 0, init, checksum, blockSize = 0] = ints;
  return {
    index,
    fileName,
    format,
    samplesPerFrame,
    skew,
    byteOffset,
    gain,
    baseline: baseline ?? adcZero,
    units,
    adcResolution: res === undefined || res === 0 ? defaultAdcResolution(format) : res,
    adcZero,
    initialValue: init ?? adcZero,
    checksum: checksum ?? null,
    blockSize,
    description: rest.length > 0 ? rest.trim() : `record ${recordName}, signal ${index}`,
  };
}

function isResult(x: object): x is HeaderResult {
  return 'ok' in x;
}

/**
 * Parse the text of a .hea file. When `recordName` is given, the name on the record line
 * must match it (the WFDB library refuses a header whose record name is wrong).
 */
export function parseHeader(text: string, recordName?: string): HeaderResult {
  const lines = text.split(/\r?\n/);
  const comments: string[] = [];
  const signals: WfdbSignalSpec[] = [];
  const signalLines: number[] = [];
  let rec: RecordLine | null = null;
  let lastLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (trimmed.length === 0) continue;
    if (trimmed.startsWith('#')) {
      comments.push(trimmed.slice(1).trim());
      continue;
    }
    lastLine = lineNo;
    if (rec === null) {
      const r = parseRecordLine(trimmed.split(/\s+/), lineNo, recordName);
      if (isResult(r)) return r;
      rec = r;
      continue;
    }
    if (signals.length >= rec.numSignals) {
      return fail('VIGIL_WFDB_HEADER_INVALID', lineNo, `unexpected line after ${rec.numSignals} signal line(s)`);
    }
    const s = parseSignalLine(trimmed, signals.length, rec.recordName, lineNo);
    if (isResult(s)) return s;
    signals.push(s);
    signalLines.push(lineNo);
  }
  if (rec === null) return fail('VIGIL_WFDB_HEADER_INVALID', lines.length, 'no record line');
  if (signals.length < rec.numSignals) {
    return fail('VIGIL_WFDB_HEADER_INVALID', lastLine + 1, `expected ${rec.numSignals} signal line(s), found ${signals.length}`);
  }
  const groupError = checkGroups(signals, signalLines);
  if (groupError !== null) return groupError;
  return { ok: true, header: { ...rec, signals, comments } };
}

/** Signals sharing a file must be consecutive and share one format (WFDB signal groups). */
function checkGroups(signals: readonly WfdbSignalSpec[], lineOf: readonly number[]): HeaderResult | null {
  const seen = new Set<string>();
  let prev: WfdbSignalSpec | null = null;
  for (const s of signals) {
    if (prev !== null && prev.fileName === s.fileName) {
      if (prev.format !== s.format) {
        return fail('VIGIL_WFDB_HEADER_INVALID', lineOf[s.index] ?? 0, `signals ${prev.index} and ${s.index} share "${s.fileName}" with different formats`);
      }
    } else {
      if (seen.has(s.fileName)) return fail('VIGIL_WFDB_HEADER_INVALID', lineOf[s.index] ?? 0, `signals of "${s.fileName}" are not consecutive`);
      seen.add(s.fileName);
    }
    prev = s;
  }
  return null;
}
