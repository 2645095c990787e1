import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { fileSystemLoader, resolveModelJson } from './files';

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
  try {
    return await tf.loadLayersModel(fileSystemLoader(json));
  } catch (error) {
    if (error instanceof CamlabError) throw error;
    throw new CamlabError(`'${json}' could not be turned into a model: ${(error as Error).message}`);
  }
}
