import { join } from 'node:path';
import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { fileSystemLoader, resolveModelJson } from './files';
import { attachMetadata } from './metadata';

/**
 * Loads a TensorFlow.js layers model from a model.json path, its folder, or an http(s) URL.
 * The model is the caller's (dispose it when done).
 *
 * @example const model = await loadModel('data/models/digits-gap-cnn');
 */
export async function loadModel(src: string): Promise<tf.LayersModel> {
  await ready();
  if (/^https?:\/\//i.test(src)) {
    const url = /\.json($|\?)/i.test(src) ? src : `${src.replace(/\/+$/, '')}/model.json`;
    try {
      return await tf.loadLayersModel(url);
    } catch (error) {
      throw new CamlabError(`Could not load a model from ${url}: ${(error as Error).message}`);
    }
  }
  const path = src.replace(/^file:\/\//, '');
  const json = await resolveModelJson(path);
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(fileSystemLoader(json));
  } catch (error) {
    if (error instanceof CamlabError) throw error;
    throw new CamlabError(`'${json}' could not be turned into a model: ${(error as Error).message}`);
  }
  await attachMetadata(model, json);
  return model;
}

/** The folder of the embedded digits GAP-CNN that ships with camlab. */
export const DEFAULT_MODEL_PATH = join(__dirname, '..', '..', 'data', 'models', 'digits-gap-cnn');

/**
 * Loads the embedded GAP-CNN, trained by camlab on handwritten digits placed on 64×64 canvases
 * (see data/models/digits-gap-cnn/README.md). Its labels are '0'…'9'.
 */
export function loadDefaultModel(): Promise<tf.LayersModel> {
  return loadModel(DEFAULT_MODEL_PATH);
}
