import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tf } from '../tf';

/** What a model folder's metadata.json may say (Teachable Machine writes `labels` too). */
export interface ModelMetadata {
  labels?: string[];
  /** The CAM box threshold chosen on validation data for this model. */
  boxThreshold?: number;
}

const metadataOf = new WeakMap<tf.LayersModel, ModelMetadata>();

/** The metadata loaded with a model (empty when its folder had none). */
export function modelMetadata(model: tf.LayersModel): ModelMetadata {
  return metadataOf.get(model) ?? {};
}

/** The class names of a model, when its folder named them. */
export function modelLabels(model: tf.LayersModel): string[] | undefined {
  return modelMetadata(model).labels;
}

/** Reads metadata.json beside a model.json, if there is one, and remembers it for the model. */
export async function attachMetadata(model: tf.LayersModel, modelJsonPath: string): Promise<void> {
  const text = await readFile(join(dirname(modelJsonPath), 'metadata.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return;
  metadataOf.set(model, JSON.parse(text) as ModelMetadata);
}
