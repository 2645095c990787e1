import { tf } from '../tf';
import { CamlabError } from '../errors';
import { assertLayersModel } from '../validate';

export type Layer = tf.layers.Layer;

/** One layer of a model, nested models' layers included, with where it sits. */
export interface LayerEntry {
  layer: Layer;
  /** 'backbone/features' for a layer inside the nested model 'backbone'. */
  path: string;
  /** The models that hold it, outermost first; the last one's graph holds the layer. */
  containers: tf.LayersModel[];
}

export function isContainer(layer: Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel;
}

/** Every layer in graph order, descending into nested models (which are listed before their layers). */
export function flattenLayers(model: tf.LayersModel, prefix = '', containers: tf.LayersModel[] = [model]): LayerEntry[] {
  assertLayersModel(model);
  return model.layers.flatMap((layer) => {
    const entry: LayerEntry = { layer, path: prefix + layer.name, containers };
    return isContainer(layer) ? [entry, ...flattenLayers(layer, `${entry.path}/`, [...containers, layer])] : [entry];
  });
}

/** The layer named `name` (its own name or its nested path); an unknown name lists the ones there are. */
export function findLayer(model: tf.LayersModel, name: string): LayerEntry {
  const entries = flattenLayers(model);
  const byPath = entries.find((entry) => entry.path === name);
  if (byPath) return byPath;
  const byName = entries.filter((entry) => entry.layer.name === name);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) {
    throw new CamlabError(`Several nested layers are named '${name}'; name one by its path: ${byName.map((e) => e.path).join(', ')}.`);
  }
  throw new CamlabError(`The model has no layer named '${name}'. Its layers are: ${entries.map((e) => e.path).join(', ')}.`);
}

/** The output shape of a layer, or undefined where tfjs cannot give a single one. */
export function outputShapeOf(layer: Layer): (number | null)[] | undefined {
  try {
    const shape = layer.outputShape;
    return Array.isArray(shape[0]) ? undefined : (shape as (number | null)[]);
  } catch {
    return undefined;
  }
}

export function isFourD(layer: Layer): boolean {
  return outputShapeOf(layer)?.length === 4;
}

// tfjs-layers' graph nodes are an internal (their type is not exported): read through tf-internals.ts.
export { applicationNode, type LayerNode } from '../tf-internals';
