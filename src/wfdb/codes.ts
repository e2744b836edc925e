/**
 * MIT annotation codes (WFDB <ecg/ecgcodes.h>, mnemonics from lib/annot.c, beat set from
 * the `isqrs` table of <ecg/ecgmap.h>).
 */

/** Highest legal annotation code (WFDB ACMAX). */
export const ANNOTATION_CODE_MAX = 49;

/** Named codes, as in ecgcodes.h. */
export const AnnotationCode = {
  NOTQRS: 0,
  NORMAL: 1,
  LBBB: 2,
  RBBB: 3,
  ABERR: 4,
  PVC: 5,
  FUSION: 6,
  NPC: 7,
  APC: 8,
  SVPB: 9,
  VESC: 10,
  NESC: 11,
  PACE: 12,
  UNKNOWN: 13,
  NOISE: 14,
  ARFCT: 16,
  STCH: 18,
  TCH: 19,
  SYSTOLE: 20,
  DIASTOLE: 21,
  NOTE: 22,
  MEASURE: 23,
  PWAVE: 24,
  BBB: 25,
  PACESP: 26,
  TWAVE: 27,
  RHYTHM: 28,
  UWAVE: 29,
  LEARN: 30,
  FLWAV: 31,
  VFON: 32,
  VFOFF: 33,
  AESC: 34,
  SVESC: 35,
  LINK: 36,
  NAPC: 37,
  PFUS: 38,
  WFON: 39,
  WFOFF: 40,
  RONT: 41,
} as const;

/** Mnemonic of each code 0..ACMAX, as printed by rdann (annot.c `astring`). */
export const ANNOTATION_SYMBOLS: readonly string[] = [
  ' ', 'N', 'L', 'R', 'a', 'V', 'F', 'J', 'A', 'S', //  0 - 9
  'E', 'j', '/', 'Q', '~', '[15]', '|', '[17]', 's', 'T', // 10 - 19
  '*', 'D', '"', '=', 'p', 'B', '^', 't', '+', 'u', // 20 - 29
  '?', '!', '[', ']', 'e', 'n', '@', 'x', 'f', '(', // 30 - 39
  ')', 'r', '[42]', '[43]', '[44]', '[45]', '[46]', '[47]', '[48]', '[49]', // 40 - 49
];

/** Beat (QRS) codes: ecgmap.h isqrs(). */
const BEAT_CODES: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25, 30, 34, 35, 38, 41]);

export function isBeatCode(code: number): boolean {
  return BEAT_CODES.has(code);
}

/** rdann mnemonic for a code; `[n]` for codes without one. */
export function annotationSymbol(code: number): string {
  return ANNOTATION_SYMBOLS[code] ?? `[${code}]`;
}

/** Code for an rdann mnemonic, or null when unknown. Codes 1..ACMAX, as WFDB strann(). */
export function annotationCodeOf(symbol: string): number | null {
  for (let c = 1; c <= ANNOTATION_CODE_MAX; c++) if (ANNOTATION_SYMBOLS[c] === symbol) return c;
  return null;
}
