import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { describeValue } from '../validate';
import { fileSystemLoader, readModelArtifacts, resolveModelJson } from './files';
import { attachMetadata } from './metadata';
import { cachedDownload, namedModelDir } from './cache';
import { hostedModelUrl, HOSTED_MODELS, isHostedModelName, looksLikeHostedModelName, type HostedModelName } from './networks';
import { ProgressBar } from '../progress';
import { loadKerasModel } from './keras-h5';
import { DEFAULT_MODEL_PATH } from './default-model';

/**
 * Loads a TensorFlow.js layers model from a model.json path, its folder, an http(s) URL, or the short
 * name of a tfjs-models hosted MobileNet (`mobilenet_v1_0.25_224`, `_0.50_`, `_0.75_`, `_1.0_224`; a path
 * that exists wins over a name). Downloads go into a cache (~/.cache/camlab or CAMLAB_CACHE) and are
 * reused offline. The model is the caller's.
 *
 * @example const model = await loadModel('data/models/digits-gap-cnn');
 * @example const mobilenet = await loadModel('mobilenet_v1_1.0_224'); // 'tf' preprocessing and ImageNet labels by default
 */
export async function loadModel(src: string): Promise<tf.LayersModel> {
  if (typeof src !== 'string' || src === '')
    throw new CamlabError(
      `loadModel takes a model.json path, its folder, an http(s) URL or a hosted model's name, got ${describeValue(src)}.`,
    );
  await ready();
  if (isKerasFile(src)) return loadKerasModel(localPath(src));
  const json = isUrl(src) ? await downloadModel(src) : await localOrNamed(localPath(src));
  return buildModel(fileSystemLoader(json), json);
}

const isUrl = (src: string) => /^https?:\/\//i.test(src);
const isKerasFile = (src: string) => /\.(h5|hdf5|keras)$/i.test(src) && !isUrl(src);
const localPath = (src: string) => src.replace(/^file:\/\//, '');

/** A model read once for several threads: model.json's path and its artifacts, the weights in shared memory. */
export interface SharedModelFiles {
  json: string;
  artifacts: tf.io.ModelArtifacts;
}

/**
 * Reads a layers model (its folder, its model.json, or a hosted model's name, downloaded once) with the
 * weights in a SharedArrayBuffer, for `loadSharedModel` in other threads; undefined for URLs and Keras
 * files, which each thread loads itself.
 */
export async function readSharedModel(src: string): Promise<SharedModelFiles | undefined> {
  if (isUrl(src) || isKerasFile(src)) return undefined;
  const json = await localOrNamed(localPath(src));
  return { json, artifacts: await readModelArtifacts(json, { shared: true }) };
}

/** Builds this thread's own model from files another thread read (`readSharedModel`). The model is the caller's. */
export async function loadSharedModel({ json, artifacts }: SharedModelFiles): Promise<tf.LayersModel> {
  await ready();
  return buildModel(tf.io.fromMemory(artifacts), json);
}

async function buildModel(handler: tf.io.IOHandler, json: string): Promise<tf.LayersModel> {
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(handler);
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

/** A path that exists, else a hosted model's name (downloaded once into the cache), else the path's own error. */
async function localOrNamed(src: string): Promise<string> {
  if (
    await stat(src).then(
      () => true,
      () => false,
    )
  )
    return resolveModelJson(src);
  if (isHostedModelName(src)) return downloadNamedModel(src);
  if (looksLikeHostedModelName(src)) {
    throw new CamlabError(`'${src}' is neither a path nor a hosted model's name; the hosted models are: ${HOSTED_MODELS.join(', ')}.`);
  }
  return resolveModelJson(src);
}

/**
 * A hosted model's model.json in `<cache>/models/<name>/`, with its weight files beside it: each file is
 * downloaded only if it is not there yet (so a folder seeded by hand loads offline), with one progress bar.
 */
async function downloadNamedModel(name: HostedModelName): Promise<string> {
  const url = hostedModelUrl(name);
  const folder = namedModelDir(name);
  const json = await cachedDownload(url, { path: join(folder, 'model.json'), progress: false });
  let manifest: { weightsManifest?: { paths: string[] }[] };
  try {
    manifest = JSON.parse(await readFile(json, 'utf8')) as typeof manifest;
  } catch (error) {
    await rm(json, { force: true });
    throw new CamlabError(`${url} is not a model.json (${(error as Error).message}); nothing was cached.`, { cause: error });
  }
  const paths = (manifest.weightsManifest ?? []).flatMap((group) => group.paths);
  const outside = paths.find((path) => isAbsolute(path) || path.split(/[/\\]/).includes('..'));
  if (outside !== undefined)
    throw new CamlabError(`${url} names a weight file outside its folder ('${outside}'); camlab does not fetch it.`);
  const missing: string[] = [];
  for (const path of paths)
    if (
      !(await stat(join(folder, path)).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      missing.push(path);
  if (missing.length === 0) return json;
  const bar = new ProgressBar(missing.length, `downloading ${name}`);
  for (const [done, path] of missing.entries()) {
    await cachedDownload(new URL(path, url).href, { path: join(folder, path), progress: false });
    bar.update(done + 1, `${done + 1}/${missing.length} weight files`);
  }
  return json;
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
  if (
    !(await stat(absent).then(
      () => true,
      () => false,
    ))
  ) {
    await cachedDownload(new URL('metadata.json', url).href).catch(() => writeFile(absent, ''));
  }
  return json;
}

export { DEFAULT_MODEL_PATH };

/**
 * Loads the embedded GAP-CNN, trained by camlab on handwritten digits placed on 64×64 canvases
 * (see data/models/digits-gap-cnn/README.md). Its labels are '0'…'9'.
 */
export function loadDefaultModel(): Promise<tf.LayersModel> {
  return loadModel(DEFAULT_MODEL_PATH);
}
