import { join } from 'node:path';

/** The folder of the embedded digits GAP-CNN that ships with camlab (its own module: a pool names it before loading TensorFlow.js). */
export const DEFAULT_MODEL_PATH = join(__dirname, '..', '..', 'data', 'models', 'digits-gap-cnn');
