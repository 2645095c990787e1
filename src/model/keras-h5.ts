// Keras HDF5 files: weights in the keras.applications layout (root attribute layer_names; per layer
// group the attribute weight_names; datasets at layer/weight), and whole models (model_config plus
// the same weights under model_weights). Read with h5wasm, a maintained WebAssembly build of the
// HDF5 C library: no native add-on to compile, works offline, and reads what h5py writes.
import { open, stat } from 'node:fs/promises';
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { assertLayersModel } from '../validate';

/** The parts of h5wasm camlab uses (the package is ESM-only, so it is imported at run time). */
interface H5Attribute {
  value: unknown;
}
interface H5Entity {
  attrs: Record<string, H5Attribute>;
}
interface H5Group extends H5Entity {
  get(path: string): H5Group | H5Dataset | null;
  keys(): string[];
}
interface H5Dataset extends H5Entity {
  shape: number[] | null;
  value: unknown;
}
interface H5File extends H5Group {
  close(): void;
}
interface H5Module {
  ready: Promise<unknown>;
  File: new (path: string, mode: 'r' | 'w') => H5File;
}

let loading: Promise<H5Module> | undefined;
async function h5wasm(): Promise<H5Module> {
  // A real dynamic import: TypeScript would turn import() into require(), which cannot load ESM.
  loading ??= (new Function('specifier', 'return import(specifier)') as (s: string) => Promise<{ default: H5Module }>)('h5wasm/node').then(
    async (m) => {
      await m.default.ready;
      return m.default;
    },
  );
  return loading;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function openH5(path: string): Promise<H5File> {
  if (
    !(await stat(path).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    throw new CamlabError(`Keras file not found: '${path}'.`);
  // Checked here because the HDF5 library would only fail later, deep inside a read.
  const head = Buffer.alloc(8);
  const handle = await open(path, 'r');
  await handle.read(head, 0, 8, 0).finally(() => handle.close());
  if (!head.equals(HDF5_SIGNATURE)) throw new CamlabError(`'${path}' is not an HDF5 file (Keras .h5 files start with the HDF5 signature).`);
  const { File } = await h5wasm();
  return new File(path, 'r');
}

/** Every path below a group ('a/b:0' for a dataset b:0 in subgroup a). */
function flatKeys(group: H5Group, prefix = ''): string[] {
  return group.keys().flatMap((key) => {
    const child = group.get(key);
    return child && 'keys' in child ? flatKeys(child, `${prefix}${key}/`) : [`${prefix}${key}`];
  });
}

function strings(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v)));
}

/**
 * Loads the weights of a Keras HDF5 file into a model whose layers have the same names (as
 * keras.applications builds them). Every layer with weights must be in the file with the same shapes;
 * otherwise nothing is changed and the error names the layer. Extra layers in the file are ignored.
 *
 * @example await loadKerasWeights(await resnet50(), 'resnet50_weights_tf_dim_ordering_tf_kernels.h5');
 */
export async function loadKerasWeights(model: tf.LayersModel, path: string): Promise<void> {
  assertLayersModel(model);
  const file = await openH5(path);
  try {
    assignWeights(model, weightsRoot(file, path), path);
  } finally {
    file.close();
  }
}

function weightsRoot(file: H5File, path: string): H5Group {
  // Asking HDF5 for a missing path prints diagnostics, so look before getting.
  const root = file.keys().includes('model_weights') ? (file.get('model_weights') as H5Group) : file;
  if (!root.attrs.layer_names) throw new CamlabError(`'${path}' has no layer_names attribute: it is not a Keras weights file.`);
  return root;
}

function assignWeights(model: tf.LayersModel, root: H5Group, path: string): void {
  const inFile = new Set(strings(root.attrs.layer_names.value));
  const updates: [tf.layers.Layer, tf.Tensor[]][] = [];
  try {
    for (const layer of model.layers.filter((l) => l.weights.length > 0)) {
      if (!inFile.has(layer.name)) {
        throw new CamlabError(
          `'${path}' has no weights for layer '${layer.name}' (it has: ${[...inFile].slice(0, 12).join(', ')}${inFile.size > 12 ? ', …' : ''}).`,
        );
      }
      const group = root.get(layer.name) as H5Group;
      const present = new Set(flatKeys(group));
      const names = strings(group.attrs.weight_names?.value ?? []);
      if (names.length !== layer.weights.length) {
        throw new CamlabError(
          `Layer '${layer.name}' has ${layer.weights.length} weights but '${path}' gives ${names.length} (${names.join(', ')}).`,
        );
      }
      const tensors = names.map((name, i) => {
        const dataset = present.has(name) ? (group.get(name) as H5Dataset) : null;
        const expected = layer.weights[i].shape;
        if (!dataset || !dataset.shape)
          throw new CamlabError(`'${path}' lists '${name}' for layer '${layer.name}' but holds no such dataset.`);
        if (dataset.shape.length !== expected.length || dataset.shape.some((d, j) => d !== expected[j])) {
          throw new CamlabError(
            `Layer '${layer.name}', weight '${name}': the file has shape [${dataset.shape.join(', ')}] but the model expects [${expected.join(', ')}].`,
          );
        }
        return tf.tensor(Float32Array.from(dataset.value as ArrayLike<number>), dataset.shape, 'float32');
      });
      updates.push([layer, tensors]);
    }
    // Only once every layer checked out: the model is changed all at once or not at all.
    for (const [layer, tensors] of updates) layer.setWeights(tensors);
  } finally {
    tf.dispose(updates.flatMap(([, tensors]) => tensors));
  }
}

/**
 * A whole Keras model saved as HDF5 (model.save('model.h5')): its model_config becomes a tfjs
 * LayersModel (where tfjs-layers has the layers) and its weights are loaded into it.
 */
export async function loadKerasModel(path: string): Promise<tf.LayersModel> {
  const file = await openH5(path);
  try {
    const config = file.attrs.model_config?.value;
    if (config === undefined)
      throw new CamlabError(
        `'${path}' has no model_config: it holds weights only. Build the model, then call loadKerasWeights(model, '${path}').`,
      );
    let model: tf.LayersModel;
    try {
      model = await tf.models.modelFromJSON({ modelTopology: JSON.parse(strings(config)[0]) as tf.io.ModelJSON['modelTopology'] });
    } catch (error) {
      throw new CamlabError(`The model in '${path}' could not be built by TensorFlow.js: ${(error as Error).message}`, { cause: error });
    }
    try {
      assignWeights(model, weightsRoot(file, path), path);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  } finally {
    file.close();
  }
}

/** Writes a model's weights in the Keras layout (for tests and for exchanging weights with Keras). */
export async function saveKerasWeights(model: tf.LayersModel, path: string, options: { modelConfig?: string } = {}): Promise<void> {
  assertLayersModel(model);
  const { File } = await h5wasm();
  const file = new File(path, 'w') as H5File & {
    create_attribute(name: string, data: unknown): void;
    create_group(name: string): H5Group & { create_attribute(name: string, data: unknown): void; create_group(name: string): unknown };
  };
  try {
    const root = options.modelConfig
      ? (file.create_attribute('model_config', options.modelConfig), file.create_group('model_weights'))
      : file;
    const layers = model.layers.filter((l) => l.weights.length > 0);
    (root as typeof file).create_attribute(
      'layer_names',
      layers.map((l) => l.name),
    );
    for (const layer of layers) {
      const group = (root as typeof file).create_group(layer.name);
      const names = layer.weights.map((w) => `${w.originalName.replace(/_\d+$/, '')}:0`);
      group.create_attribute('weight_names', names);
      layer.getWeights().forEach((weight, i) => {
        const parts = names[i].split('/');
        const [folder, leaf] = [parts.slice(0, -1).join('/'), parts[parts.length - 1]];
        let node = group as unknown as { get(p: string): unknown; create_group(p: string): unknown; create_dataset(a: object): unknown };
        for (const part of folder.split('/').filter(Boolean)) node = (node.get(part) ?? node.create_group(part)) as typeof node;
        node.create_dataset({ name: leaf, data: weight.dataSync(), shape: weight.shape, dtype: '<f' });
      });
    }
  } finally {
    file.close();
  }
}
