/**
 * The shipped beat classifier for the tests of a `describe` block: loaded once before them,
 * closed after them. Call inside the describe; use the returned getter inside the tests.
 */
import { DEFAULT_MODEL } from '../../src/analysis/model.ts';
import { BeatClassifier } from '../../src/detect/classifier.ts';

export function useShippedClassifier(): () => BeatClassifier {
  let classifier: BeatClassifier | null = null;
  before(async () => {
    classifier = await BeatClassifier.load(DEFAULT_MODEL);
  });
  after(async () => {
    await classifier?.close();
    classifier = null;
  });
  return () => {
    if (classifier === null) throw new Error('the shipped classifier is used outside its describe block');
    return classifier;
  };
}

/** The real classifier, whose inference throws while `fail()` says so (fault injection). */
export function flakyClassifier(clf: BeatClassifier, fail: () => boolean): BeatClassifier {
  return new Proxy(clf, {
    get(target, prop, receiver) {
      if (prop === 'classifyFeatures') {
        return async (x: Float32Array, n: number) => {
          if (fail()) throw new Error('injected inference failure');
          return target.classifyFeatures(x, n);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}
