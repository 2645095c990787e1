import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { describeValue } from '../validate';
import { fileSystemLoader, resolveModelJson } from './files';
import { attachMetadata } from './metadata';
import { cachedDownload } from './cache';
import { loadKerasModel } from './keras-h5';

/**
 * Loads a TensorFlow.js layers model from a model.json path, its folder, or an http(s) URL. Downloads
 * go into a cache (~/.cache/camlab or CAMLAB_CACHE) and are reused. The model is the caller's.
 *
 * @example const model = await loadModel('data/models/digits-gap-cnn');
 */
export async function loadModel(src: string): Promise<tf.LayersModel> {
  if (typeof src !== 'string' || src === '') throw new CamlabError(`loadModel takes a model.json path, its folder or an http(s) URL, got ${describeValue(src)}.`);
  await ready();
  if (/\.(h5|hdf5|keras)$/i.test(src) && !/^https?:/i.test(src)) return loadKerasModel(src.replace(/^file:\/\//, ''));
  const json = /^https?:\/\//i.test(src) ? await downloadModel(src) : await resolveModelJson(src.replace(/^file:\/\//, ''));
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(fileSystemLoader(json));
  } catch (error) {
    if (error instanceof CamlabError) throw error;
    throw new CamlabError(`'${json}' could not be turned into a model: ${(error as Error).message}`, { cause: error });
  }
  try {
    await attachMetadata(model, json);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Fetches model.json, its weight files and metadata.json (when there is one) into the cache; returns model.json's path. */
async function downloadModel(src: string): Promise<string> {
  const url = /\.json($|\?)/i.test(src) ? src : `${src.replace(/\/+$/, '')}/model.json`;
  const json = await cachedDownload(url);
  let manifest: { weightsManifest?: { paths: string[] }[] };
  try {
    manifest = JSON.parse(await readFile(json, 'utf8')) as typeof manifest;
  } catch (error) {
    await rm(json, { force: true });
    throw new CamlabError(`${url} is not a model.json (${(error as Error).message}); nothing was cached.`, { cause: error });
  }
  for (const path of (manifest.weightsManifest ?? []).flatMap((group) => group.paths)) {
    await cachedDownload(new URL(path, url).href);
  }
  // Labels are optional: remember their absence so that a cached model loads without the network.
  const absent = `${json}.no-metadata`;
  if (!(await stat(absent).then(() => true, () => false))) {
    await cachedDownload(new URL('metadata.json', url).href).catch(() => writeFile(absent, ''));
  }
  return json;
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
