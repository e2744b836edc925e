/**
 * OpenView data packet (type 0x02) as sent by HealthyPi 5. Payload, 22 bytes, little endian
 * (ProtoCentral healthypi5 firmware, see ../shared/DOMAIN.md):
 *   0 ECG int32 | 4 BioZ int32 | 8 BioZ-skip u8 | 9 PPG red int32 | 13 PPG IR int32 |
 *   17 temperature int16 | 19 SpO2 u8 | 20 HR u8 | 21 respiration rate u8
 */
import { OPENVIEW_EOF0, OPENVIEW_EOF1, OPENVIEW_HEADER, OPENVIEW_SOF0, OPENVIEW_SOF1, OPENVIEW_TRAILER } from './framer.ts';

export const OPENVIEW_TYPE_DATA = 0x02;
export const OPENVIEW_DATA_LEN = 22;
export const OPENVIEW_DATA_FRAME_LEN = OPENVIEW_HEADER + OPENVIEW_DATA_LEN + OPENVIEW_TRAILER;

/** Exact payload length of the packet types this hub knows (-1: unknown type). */
export function openViewLength(type: number): number {
  return type === OPENVIEW_TYPE_DATA ? OPENVIEW_DATA_LEN : -1;
}

/** One decoded data packet. Reused by the decoder: copy out what you keep. */
export interface OpenViewSample {
  ecg: number;
  bioz: number;
  biozSkip: number;
  ppgRed: number;
  ppgIr: number;
  /** Raw temperature count (scale from config; HealthyPi 5 sends hundredths of a degree C). */
  temp: number;
  spo2: number;
  hr: number;
  respRate: number;
}

export function newOpenViewSample(): OpenViewSample {
  return { ecg: 0, bioz: 0, biozSkip: 0, ppgRed: 0, ppgIr: 0, temp: 0, spo2: 0, hr: 0, respRate: 0 };
}

/**
 * Decode a data payload into `out`. Returns false (and leaves `out` untouched) when the
 * payload is too short; extra trailing bytes from newer firmware are ignored.
 */
export function decodeDataPayload(p: Uint8Array, out: OpenViewSample): boolean {
  if (p.length < OPENVIEW_DATA_LEN) return false;
  out.ecg = i32(p, 0);
  out.bioz = i32(p, 4);
  out.biozSkip = p[8] as number;
  out.ppgRed = i32(p, 9);
  out.ppgIr = i32(p, 13);
  const t = (p[17] as number) | ((p[18] as number) << 8);
  out.temp = (t << 16) >> 16;
  out.spo2 = p[19] as number;
  out.hr = p[20] as number;
  out.respRate = p[21] as number;
  return true;
}

function i32(p: Uint8Array, o: number): number {
  return ((p[o] as number) | ((p[o + 1] as number) << 8) | ((p[o + 2] as number) << 16) | ((p[o + 3] as number) << 24)) | 0;
}

function w32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/** Write one complete data frame (29 bytes) at `offset` of `out`; returns bytes written. */
export function encodeDataFrame(s: OpenViewSample, out: Uint8Array, offset = 0): number {
  const o = offset;
  out[o] = OPENVIEW_SOF0;
  out[o + 1] = OPENVIEW_SOF1;
  out[o + 2] = OPENVIEW_DATA_LEN & 0xff;
  out[o + 3] = OPENVIEW_DATA_LEN >> 8;
  out[o + 4] = OPENVIEW_TYPE_DATA;
  const p = o + OPENVIEW_HEADER;
  w32(out, p, s.ecg);
  w32(out, p + 4, s.bioz);
  out[p + 8] = s.biozSkip & 0xff;
  w32(out, p + 9, s.ppgRed);
  w32(out, p + 13, s.ppgIr);
  out[p + 17] = s.temp & 0xff;
  out[p + 18] = (s.temp >> 8) & 0xff;
  out[p + 19] = s.spo2 & 0xff;
  out[p + 20] = s.hr & 0xff;
  out[p + 21] = s.respRate & 0xff;
  out[p + OPENVIEW_DATA_LEN] = OPENVIEW_EOF0;
  out[p + OPENVIEW_DATA_LEN + 1] = OPENVIEW_EOF1;
  return OPENVIEW_DATA_FRAME_LEN;
}

/** Any frame (for tests and other packet types). */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(OPENVIEW_HEADER + payload.length + OPENVIEW_TRAILER);
  out[0] = OPENVIEW_SOF0;
  out[1] = OPENVIEW_SOF1;
  out[2] = payload.length & 0xff;
  out[3] = (payload.length >> 8) & 0xff;
  out[4] = type & 0xff;
  out.set(payload, OPENVIEW_HEADER);
  out[OPENVIEW_HEADER + payload.length] = OPENVIEW_EOF0;
  out[OPENVIEW_HEADER + payload.length + 1] = OPENVIEW_EOF1;
  return out;
}
