import { fileURLToPath } from 'node:url';

/** The committed beat classifier, found relative to this file so the hub and `vigil analyze` work from any directory. */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../models/beat-classifier.onnx', import.meta.url));
