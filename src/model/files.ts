// Reading and writing tfjs layers models on disk (tfjs's own file:// handler lives in tfjs-node,
// which may not be installed).
import { open, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { describeValue, LAYERS_MODEL_ADVICE } from '../validate';
import { describeNormalisation, normaliseKeras3 } from './keras3';

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

interface ModelJson {
  modelTopology?: object;
  weightsManifest?: WeightsGroup[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: tf.io.TrainingConfig;
  userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, int16: 2, complex64: 8 };

/** Resolves a folder to its model.json and checks that the file exists. */
export async function resolveModelJson(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CamlabError(`No model at '${path}': the path does not exist (relative paths start at ${process.cwd()}).`);
  if (!info.isDirectory()) return resolve(path);
  const json = join(path, 'model.json');
  if (!(await stat(json).catch(() => undefined))) {
    throw new CamlabError(
      `The folder '${path}' has no model.json; point loadModel at a TensorFlow.js layers model folder or its model.json.`,
    );
  }
  return resolve(json);
}

/** An IOHandler that reads model.json and its weight files from disk, checking their sizes. */
export function fileSystemLoader(modelJsonPath: string): tf.io.IOHandler {
  return { load: () => readModelArtifacts(modelJsonPath) };
}

/**
 * Reads model.json and its weight files, checking their sizes. With `shared`, the weights land in a
 * SharedArrayBuffer: a pool reads a model once and its workers build their copies from the same bytes.
 */
export async function readModelArtifacts(modelJsonPath: string, { shared = false } = {}): Promise<tf.io.ModelArtifacts> {
  const json = await readModelJson(modelJsonPath);
  const groups = json.weightsManifest ?? [];
  const weightSpecs = groups.flatMap((group) => group.weights);
  const note = describeNormalisation(normaliseKeras3(json.modelTopology as Record<string, unknown>, weightSpecs));
  if (note && !process.env.CAMLAB_QUIET) console.error(note);
  const weightData = await readWeightFiles(
    groups.flatMap((group) => group.paths),
    dirname(modelJsonPath),
    shared,
  );
  const expected = weightSpecs.reduce((sum, spec) => sum + weightBytes(spec), 0);
  if (weightData.byteLength !== expected) {
    throw new CamlabError(
      `The weight files of '${modelJsonPath}' hold ${weightData.byteLength} bytes but its manifest describes ${expected}: ` +
        `a file is truncated or belongs to another model. Copy the model folder again.`,
    );
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    // tfjs copies each weight out of this buffer; a shared one is read the same way.
    weightData: weightData.buffer as ArrayBuffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig,
    userDefinedMetadata: json.userDefinedMetadata,
  };
}

/** An IOHandler that writes model.json and weights.bin into a folder. */
export function fileSystemSaver(folder: string): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      await mkdir(folder, { recursive: true });
      const weights = artifacts.weightData
        ? new Uint8Array(tf.io.concatenateArrayBuffers([artifacts.weightData].flat()))
        : new Uint8Array();
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFile(join(folder, 'weights.bin'), weights);
      await writeFile(join(folder, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: weights.buffer as ArrayBuffer }) };
    },
  };
}

async function readModelJson(path: string): Promise<ModelJson> {
  let parsed: ModelJson | null;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as ModelJson | null;
  } catch (error) {
    throw new CamlabError(`'${path}' is not a readable model.json (${(error as Error).message}).`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CamlabError(`'${path}' holds ${describeValue(parsed)}, not a model.json object with modelTopology and weightsManifest.`);
  }
  if (parsed.format === 'graph-model' || Array.isArray((parsed.modelTopology as { node?: unknown } | undefined)?.node)) {
    throw new CamlabError(
      `'${path}' is a TensorFlow.js graph model (a converted SavedModel or TF Hub model): it has no layers to explain. ${LAYERS_MODEL_ADVICE}`,
    );
  }
  if (typeof parsed.modelTopology !== 'object' || parsed.modelTopology === null) {
    throw new CamlabError(`'${path}' has no modelTopology: it is not a TensorFlow.js layers model (graph models are not supported).`);
  }
  return parsed;
}

/**
 * Reads the weight files one after another into one buffer (shared or not), each straight to its place:
 * ResNet-50's 100 MB are not copied again.
 */
async function readWeightFiles(names: string[], folder: string, shared: boolean): Promise<Uint8Array> {
  const missing = (name: string, path: string) =>
    new CamlabError(`The weight file '${name}' listed in the model's manifest is missing (looked for '${path}').`);
  const files = await Promise.all(
    names.map(async (name) => {
      const path = join(folder, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) throw missing(name, path);
      return { name, path, size: info.size };
    }),
  );
  const size = files.reduce((n, file) => n + file.size, 0);
  const out = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  let offset = 0;
  for (const file of files) {
    const handle = await open(file.path, 'r').catch(() => {
      throw missing(file.name, file.path);
    });
    try {
      let read = 0;
      while (read < file.size) {
        const { bytesRead } = await handle.read(out, offset + read, file.size - read, read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      if (read !== file.size) throw new CamlabError(`The weight file '${file.path}' changed while it was read; read it again.`);
    } finally {
      await handle.close();
    }
    offset += file.size;
  }
  return out;
}

function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  return count * (DTYPE_BYTES[dtype] ?? 4);
}
