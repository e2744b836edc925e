/**
 * MIT-format WFDB annotation files (annot(5) manual page; semantics of getann/putann in
 * the WFDB library's lib/annot.c).
 *
 * A file is a sequence of 16-bit little-endian words: code = w >> 10, data = w & 0x3FF.
 * Codes 1..58 are annotations whose data is the time delta from the previous one. Pseudo
 * codes FOLLOW the annotation they modify: 61 SUB sets its subtype, 62 CHN its chan, 60 NUM
 * its num, 63 AUX attaches (data & 0xFF) bytes of text (padded to an even count). 59 SKIP is
 * followed by a 32-bit signed interval (high word first, each word little endian) added to
 * the running time, so it moves the NEXT annotation. chan and num carry over from one
 * annotation to the next until changed (the reader reuses its annotation struct); subtype
 * and aux reset. A zero word ends the file.
 *
 * The reader never throws on input bytes: it returns what it could read and an error.
 */
import { VigilError } from '../core/errors.ts';
import { ANNOTATION_CODE_MAX } from './codes.ts';

const SKIP = 59;
const NUM = 60;
const SUB = 61;
const CHN = 62;
const AUX = 63;
const DATA = 0x3ff;
/** Longest interval a single annotation word can hold (WFDB MAXRR). */
const MAXRR = 0x3ff;
/** Aux length byte limit (the length lives in the low 8 bits of the AUX word). */
export const AUX_MAX_BYTES = 255;

/** Columnar annotation set: index i across all arrays is one annotation. */
export interface AnnotationSet {
  readonly length: number;
  /** Sample (frame) index of each annotation. */
  readonly sample: Int32Array;
  readonly code: Uint8Array;
  /** WFDB `subtyp` (signed char). */
  readonly subtype: Int8Array;
  /** WFDB `chan` (unsigned char). */
  readonly chan: Uint8Array;
  /** WFDB `num` (signed char). */
  readonly num: Int8Array;
  /** Text up to the first NUL (as C tools print it), or null. */
  readonly aux: readonly (string | null)[];
}

export type AnnotationResult =
  | { readonly ok: true; readonly annotations: AnnotationSet }
  /** `annotations` holds everything read before the problem. */
  | { readonly ok: false; readonly annotations: AnnotationSet; readonly error: VigilError };

export interface AnnotationInput {
  sample: number;
  code: number;
  subtype?: number;
  chan?: number;
  num?: number;
  aux?: string | null;
}

/** Build a columnar set from a list of annotation objects (for writers and tests). */
export function annotationSet(list: readonly AnnotationInput[]): AnnotationSet {
  const n = list.length;
  const set = {
    length: n,
    sample: new Int32Array(n),
    code: new Uint8Array(n),
    subtype: new Int8Array(n),
    chan: new Uint8Array(n),
    num: new Int8Array(n),
    aux: list.map((a) => a.aux ?? null),
  };
  list.forEach((a, i) => {
    set.sample[i] = a.sample;
    set.code[i] = a.code;
    set.subtype[i] = a.subtype ?? 0;
    set.chan[i] = a.chan ?? 0;
    set.num[i] = a.num ?? 0;
  });
  return set;
}

const auxDecoder = new TextDecoder('utf-8', { fatal: false });

/** Parse the bytes of an MIT-format annotation file. Never throws. */
export function parseAnnotations(bytes: Uint8Array): AnnotationResult {
  // Every annotation takes at least one word, so this bounds the count.
  const cap = bytes.length >> 1;
  const sample = new Int32Array(cap);
  const code = new Uint8Array(cap);
  const subtype = new Int8Array(cap);
  const chan = new Uint8Array(cap);
  const num = new Int8Array(cap);
  const aux: (string | null)[] = [];
  let n = 0;
  let pos = 0;
  let time = 0;
  let curChan = 0;
  let curNum = 0;
  let problem: string | null = null;

  const finish = (): AnnotationResult => {
    const annotations: AnnotationSet = {
      length: n,
      sample: sample.slice(0, n),
      code: code.slice(0, n),
      subtype: subtype.slice(0, n),
      chan: chan.slice(0, n),
      num: num.slice(0, n),
      aux,
    };
    if (problem === null) return { ok: true, annotations };
    const error = new VigilError('VIGIL_WFDB_ANNOTATION_INVALID', `annotation file: ${problem} at byte ${pos}`, { details: { offset: pos, annotations: n } });
    return { ok: false, annotations, error };
  };

  for (;;) {
    if (pos + 2 > bytes.length) {
      problem = pos === bytes.length ? 'missing end-of-file word' : 'odd trailing byte';
      return finish();
    }
    const w = bytes[pos]! | (bytes[pos + 1]! << 8);
    pos += 2;
    if (w === 0) return finish();
    const c = w >> 10;
    const data = w & DATA;
    if (c === SKIP) {
      if (pos + 4 > bytes.length) {
        problem = 'truncated SKIP interval';
        return finish();
      }
      const hi = bytes[pos]! | (bytes[pos + 1]! << 8);
      const lo = bytes[pos + 2]! | (bytes[pos + 3]! << 8);
      pos += 4;
      time += ((hi << 16) | lo) | 0;
      continue;
    }
    if (c === AUX) {
      const len = data & 0xff;
      const padded = (len + 1) & ~1;
      if (pos + padded > bytes.length) {
        problem = 'truncated AUX text';
        return finish();
      }
      if (n > 0) {
        let end = pos;
        while (end < pos + len && bytes[end] !== 0) end++;
        aux[n - 1] = auxDecoder.decode(bytes.subarray(pos, end));
      }
      pos += padded;
      continue;
    }
    if (c === SUB || c === CHN || c === NUM) {
      // C assigns the 10-bit field to a char: keep the low 8 bits (signed for subtyp/num).
      if (c === CHN) curChan = data & 0xff;
      else if (c === NUM) curNum = (data << 24) >> 24;
      if (n > 0) {
        if (c === SUB) subtype[n - 1] = data;
        else if (c === CHN) chan[n - 1] = curChan;
        else num[n - 1] = curNum;
      }
      continue;
    }
    time += data;
    if (time < 0 || time > 0x7fffffff) {
      problem = `annotation time ${time} out of range`;
      return finish();
    }
    sample[n] = time;
    code[n] = c;
    chan[n] = curChan;
    num[n] = curNum;
    aux.push(null);
    n++;
  }
}

const auxEncoder = new TextEncoder();

function checkInput(set: AnnotationSet, i: number, prev: number): Uint8Array | null {
  const c = set.code[i]!;
  if (c > ANNOTATION_CODE_MAX) {
    throw new VigilError('VIGIL_WFDB_ANNOTATION_INVALID', `annotation ${i}: code ${c} is outside 0..${ANNOTATION_CODE_MAX}`, { details: { index: i } });
  }
  const t = set.sample[i]!;
  if (t < prev) {
    throw new VigilError('VIGIL_WFDB_ANNOTATION_INVALID', `annotation ${i}: sample ${t} is before the previous one (${prev})`, { details: { index: i } });
  }
  const a = set.aux[i];
  if (a === null || a === undefined || a.length === 0) return null;
  const bytes = auxEncoder.encode(a);
  if (bytes.length > AUX_MAX_BYTES || bytes.includes(0)) {
    throw new VigilError('VIGIL_WFDB_ANNOTATION_INVALID', `annotation ${i}: aux must be 1..${AUX_MAX_BYTES} bytes without NUL`, { details: { index: i } });
  }
  return bytes;
}

/**
 * Write an MIT-format annotation file as the WFDB library's putann does: SKIP for deltas
 * over 1023, then the annotation word, then SUB (if non-zero), CHN and NUM (if changed from
 * the previous annotation), AUX (if any), and a zero word at the end. Annotations must be
 * in time order. Throws VigilError('VIGIL_WFDB_ANNOTATION_INVALID') on bad input values.
 */
export function writeAnnotations(set: AnnotationSet): Uint8Array {
  const auxBytes: (Uint8Array | null)[] = [];
  let size = 2;
  let prev = 0;
  for (let i = 0; i < set.length; i++) {
    const a = checkInput(set, i, prev);
    prev = set.sample[i]!;
    auxBytes.push(a);
    size += 6 + 2 + 6 + (a === null ? 0 : 2 + ((a.length + 1) & ~1));
  }
  const out = new Uint8Array(size);
  let pos = 0;
  const put16 = (w: number): void => {
    out[pos++] = w & 0xff;
    out[pos++] = (w >> 8) & 0xff;
  };
  const putSkip = (interval: number): void => {
    put16(SKIP << 10);
    put16((interval >>> 16) & 0xffff);
    put16(interval & 0xffff);
  };
  let prevTime = 0;
  let prevChan = 0;
  let prevNum = 0;
  for (let i = 0; i < set.length; i++) {
    const c = set.code[i]!;
    let delta = set.sample[i]! - prevTime;
    if (c === 0) {
      // A code-0 word with delta 0 would read as end of file: SKIP to one sample before
      // and use delta 1, as putann does.
      putSkip(delta - 1);
      delta = 1;
    } else if (delta > MAXRR) {
      putSkip(delta);
      delta = 0;
    }
    put16((c << 10) | delta);
    const st = set.subtype[i]!;
    if (st !== 0) put16((SUB << 10) | (st & DATA));
    const ch = set.chan[i]!;
    if (ch !== prevChan) put16((CHN << 10) | (ch & DATA));
    const nm = set.num[i]!;
    if (nm !== prevNum) put16((NUM << 10) | (nm & DATA));
    const a = auxBytes[i];
    if (a !== null && a !== undefined) {
      put16((AUX << 10) | a.length);
      out.set(a, pos);
      pos += (a.length + 1) & ~1;
    }
    prevTime = set.sample[i]!;
    prevChan = ch;
    prevNum = nm;
  }
  put16(0);
  return out.slice(0, pos);
}
