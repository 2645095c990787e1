import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { modelHead } from './head';
import { assertLayersModel } from '../validate';

/** What a model folder's metadata.json may say (Teachable Machine writes `labels` too). */
export interface ModelMetadata {
  labels?: string[];
  /** The CAM box threshold chosen on validation data for this model. */
  boxThreshold?: number;
}

const metadataOf = new WeakMap<tf.LayersModel, ModelMetadata>();

/** The metadata loaded with a model (empty when its folder had none). */
export function modelMetadata(model: tf.LayersModel): ModelMetadata {
  assertLayersModel(model); // {} for a wrong argument would read as a model without metadata
  return metadataOf.get(model) ?? {};
}

/** The class names of a model, when its folder named them. */
export function modelLabels(model: tf.LayersModel): string[] | undefined {
  return modelMetadata(model).labels;
}

/** Reads metadata.json beside a model.json, if there is one, checks its labels and remembers it for the model. */
export async function attachMetadata(model: tf.LayersModel, modelJsonPath: string): Promise<void> {
  const path = join(dirname(modelJsonPath), 'metadata.json');
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  let metadata: ModelMetadata;
  try {
    metadata = JSON.parse(text) as ModelMetadata;
  } catch (error) {
    throw new CamlabError(`'${path}' is not valid JSON (${(error as Error).message}); fix it or remove it.`, { cause: error });
  }
  const classes = modelHead(model).numClasses;
  if (metadata.labels && metadata.labels.length !== classes) {
    throw new CamlabError(`'${path}' names ${metadata.labels.length} labels but the model has ${classes} classes; the labels must match the model's output.`);
  }
  metadataOf.set(model, metadata);
}
