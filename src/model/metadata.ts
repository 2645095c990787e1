import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { modelHead } from './head';
import { assertLayersModel } from '../validate';
import type { Preprocessing } from '../choices';
import { toModelInput, type ModelInputOptions } from '../image/model-input';
import { imagenetClasses } from './imagenet';
import { recogniseNetwork, type KnownNetwork } from './networks';

/** What a model folder's metadata.json may say (Teachable Machine writes `labels` too). */
export interface ModelMetadata {
  labels?: string[];
  /** The CAM box threshold chosen on validation data for this model. */
  boxThreshold?: number;
}

const metadataOf = new WeakMap<tf.LayersModel, ModelMetadata>();

/**
 * The metadata loaded with a model (empty when its folder had none). A network camlab recognises by
 * its name (networks.ts: Keras's MobileNet, MobileNetV2, ResNet50, tfjs-models' hosted MobileNets)
 * with an ImageNet-sized output has the ImageNet labels unless its folder named others.
 */
export function modelMetadata(model: tf.LayersModel): ModelMetadata {
  assertLayersModel(model); // {} for a wrong argument would read as a model without metadata
  const metadata = metadataOf.get(model) ?? {};
  if (metadata.labels) return metadata;
  const network = modelNetwork(model);
  const imagenet = network && modelHead(model).numClasses === network.imagenetClasses;
  return imagenet ? { ...metadata, labels: imagenetClasses() } : metadata;
}

/** The class names of a model: its folder's, else a recognised ImageNet network's. */
export function modelLabels(model: tf.LayersModel): string[] | undefined {
  return modelMetadata(model).labels;
}

/** The network camlab recognises the model as (by the name Keras gave it), or undefined: no guess. */
export function modelNetwork(model: tf.LayersModel): KnownNetwork | undefined {
  assertLayersModel(model);
  return recogniseNetwork(model.name);
}

/** The preprocessing a model gets when none is named: a recognised network's own, else 'none'. */
export function defaultPreprocessing(model: tf.LayersModel): Preprocessing {
  return modelNetwork(model)?.preprocess ?? 'none';
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
    throw new CamlabError(
      `'${path}' names ${metadata.labels.length} labels but the model has ${classes} classes; the labels must match the model's output.`,
    );
  }
  metadataOf.set(model, metadata);
}

/**
 * toModelInput for a model, with the model's own preprocessing when none is given: what every part of
 * camlab that runs a model on images (maps, activations, metrics) feeds it. The batch is the caller's.
 */
export function inputFor(images: tf.Tensor3D | tf.Tensor4D, model: tf.LayersModel, options: ModelInputOptions = {}): tf.Tensor4D {
  return toModelInput(images, model, { ...options, preprocess: options.preprocess ?? defaultPreprocessing(model) });
}
