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
