/** Builders for hand-made annotation sets in the eval tests. */
import { annotationSet, type AnnotationInput, type AnnotationSet } from '../../src/wfdb/annotations.ts';
import { annotationCodeOf } from '../../src/wfdb/codes.ts';

/** Code of an rdann mnemonic ('N', 'V', '/', '[' ...); throws on an unknown one (a test bug). */
export function code(symbol: string): number {
  const c = annotationCodeOf(symbol);
  if (c === null) throw new Error(`unknown annotation symbol ${symbol}`);
  return c;
}

/** A set from [sample, symbol] pairs or [sample, '+', aux] rhythm changes, sorted by sample. */
export function ann(list: readonly (readonly [number, string] | readonly [number, string, string])[]): AnnotationSet {
  const items: AnnotationInput[] = list.map((e) => ({ sample: e[0], code: code(e[1]), aux: e[2] ?? null }));
  items.sort((a, b) => a.sample - b.sample);
  return annotationSet(items);
}

/** Beats of one symbol at the given samples. */
export function beats(samples: readonly number[], symbol = 'N'): [number, string][] {
  return samples.map((s) => [s, symbol]);
}
