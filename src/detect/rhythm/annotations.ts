/**
 * Rhythm events -> MIT rhythm annotations (code 28 '+', aux "(VT", "(AFIB" ...), the form
 * `vigil analyze` writes into .vigil files and `vigil eval` scores episode by episode.
 *
 * The conditions with an MIT label (table `mitAux`) make one timeline: at any moment the
 * label is that of the active condition that comes first in the table (asystole, VF, VT ...
 * before AF, before bigeminy), or "(N" when none is active. A '+' is written wherever that
 * label changes, so an AF episode interrupted by a VT run reads (AFIB (VT (AFIB as in mitdb.
 */
import { AnnotationCode } from '../../wfdb/codes.ts';
import type { AnnotationInput } from '../../wfdb/annotations.ts';
import { CONDITIONS, type ConditionDef, type ConditionId } from '../conditions.ts';
import type { RhythmEvent } from './events.ts';

export interface RhythmAnnotationOptions {
  /** Write the opening "(N" at this sample when the first labelled condition starts later (default 0). */
  startSample?: number;
  /** Label for "no labelled condition" (default "(N"). */
  baseline?: string;
  table?: readonly ConditionDef[];
}

export function rhythmAnnotations(events: readonly RhythmEvent[], opts: RhythmAnnotationOptions = {}): AnnotationInput[] {
  const table = opts.table ?? CONDITIONS;
  const base = opts.baseline ?? '(N';
  const labelled = table.filter((c) => c.mitAux !== null);
  const rank = new Map<ConditionId, number>(labelled.map((c, i) => [c.id, i] as const));
  const active = new Int32Array(labelled.length);
  const ordered = events
    .filter((e) => rank.has(e.condition))
    .map((e, i) => ({ e, i }))
    // Offsets before onsets at the same sample, so a hand-over does not flash the baseline.
    .sort((a, b) => a.e.sample - b.e.sample || (a.e.phase === b.e.phase ? a.i - b.i : a.e.phase === 'offset' ? -1 : 1));
  const out: AnnotationInput[] = [];
  let current = '';
  const emit = (sample: number): void => {
    let label = base;
    for (let k = 0; k < labelled.length; k++) {
      if ((active[k] as number) > 0) {
        label = (labelled[k] as ConditionDef).mitAux as string;
        break;
      }
    }
    if (label === current) return;
    const last = out[out.length - 1];
    if (last !== undefined && last.sample === sample) {
      out.pop();
      current = out.length > 0 ? ((out[out.length - 1] as AnnotationInput).aux as string) : '';
      if (label === current) return;
    }
    out.push({ sample, code: AnnotationCode.RHYTHM, aux: label });
    current = label;
  };
  if (ordered.length > 0) emit(Math.min(opts.startSample ?? 0, (ordered[0] as { e: RhythmEvent }).e.sample));
  let j = 0;
  while (j < ordered.length) {
    const s = (ordered[j] as { e: RhythmEvent }).e.sample;
    while (j < ordered.length && (ordered[j] as { e: RhythmEvent }).e.sample === s) {
      const e = (ordered[j] as { e: RhythmEvent }).e;
      const k = rank.get(e.condition) as number;
      active[k] = Math.max(0, (active[k] as number) + (e.phase === 'onset' ? 1 : -1));
      j++;
    }
    emit(s);
  }
  // VF episodes also carry the MIT '[' / ']' markers (codes 32/33), as mitdb and the
  // synthetic patient's truth do, so epicmp scores them under "VF" as well as "VFL".
  for (const e of events) {
    if (e.condition !== 'vfib') continue;
    out.push({ sample: e.sample, code: e.phase === 'onset' ? AnnotationCode.VFON : AnnotationCode.VFOFF });
  }
  return out.sort((a, b) => a.sample - b.sample);
}
