// Keras 3 writes model.json files that tfjs-layers 4.22 refuses: InputLayer's `batch_shape` (tfjs wants
// `batch_input_shape`), dtypes as DTypePolicy objects, functional `inbound_nodes` as call arguments
// holding `__keras_tensor__` records, and weight names prefixed with the model's name. This rewrites
// the parsed topology in memory (the user's file is never touched) and says what it changed.

type Json = Record<string, unknown>;

export interface Normalisation {
  batchShapes: number;
  dtypePolicies: number;
  inboundNodes: number;
  weightNames: number;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Normalises a Keras 3 topology and its weight names in place; returns what it changed. */
export function normaliseKeras3(topology: Json, weightNames: { name: string }[]): Normalisation {
  const counts: Normalisation = { batchShapes: 0, dtypePolicies: 0, inboundNodes: 0, weightNames: 0 };
  const modelConfig = (isObject(topology.model_config) ? topology.model_config : topology) as Json;
  visitModel(modelConfig, counts);
  const modelName = isObject(modelConfig.config) ? modelConfig.config.name : undefined;
  if (typeof modelName === 'string') {
    for (const spec of weightNames) {
      if (spec.name.startsWith(`${modelName}/`) && spec.name.split('/').length > 2) {
        spec.name = spec.name.slice(modelName.length + 1);
        counts.weightNames++;
      }
    }
  }
  return counts;
}

export function describeNormalisation(n: Normalisation): string | undefined {
  const parts = [
    n.batchShapes && `batch_shape → batch_input_shape on ${n.batchShapes} layer(s)`,
    n.dtypePolicies && `${n.dtypePolicies} DTypePolicy dtype(s) → strings`,
    n.inboundNodes && `${n.inboundNodes} Keras 3 inbound node(s) → Keras 2 form`,
    n.weightNames && `${n.weightNames} weight name(s) without the model-name prefix`,
  ].filter(Boolean);
  return parts.length ? `camlab: read a Keras 3 model.json (normalised in memory: ${parts.join('; ')})` : undefined;
}

function visitModel(model: Json, counts: Normalisation): void {
  const config = model.config;
  if (!isObject(config)) return;
  normaliseDtype(config, counts);
  for (const key of ['input_layers', 'output_layers']) {
    // Keras 3 writes a single ["name", 0, 0] where Keras 2 wrote [["name", 0, 0]].
    const value = config[key];
    if (Array.isArray(value) && typeof value[0] === 'string') config[key] = [value];
  }
  const layers = Array.isArray(config.layers) ? (config.layers as Json[]) : [];
  for (const layer of layers) {
    const layerConfig = layer.config;
    if (isObject(layerConfig)) {
      if (layer.class_name === 'InputLayer' && 'batch_shape' in layerConfig && !('batch_input_shape' in layerConfig)) {
        layerConfig.batch_input_shape = layerConfig.batch_shape;
        delete layerConfig.batch_shape;
        counts.batchShapes++;
      }
      normaliseDtype(layerConfig, counts);
      if (Array.isArray(layerConfig.layers)) visitModel(layer, counts);
    }
    if (Array.isArray(layer.inbound_nodes)) layer.inbound_nodes = layer.inbound_nodes.map((node) => inboundNode(node, counts));
  }
}

function normaliseDtype(config: Json, counts: Normalisation): void {
  const dtype = config.dtype;
  if (isObject(dtype) && dtype.class_name === 'DTypePolicy' && isObject(dtype.config)) {
    config.dtype = dtype.config.name;
    counts.dtypePolicies++;
  }
}

/** {args: [tensor | [tensors]], kwargs} → [[layer, node, tensor, {}], …]; Keras 2 nodes pass through. */
function inboundNode(node: unknown, counts: Normalisation): unknown {
  if (!isObject(node) || !Array.isArray(node.args)) return node;
  const tensors = (node.args as unknown[]).flat().filter((a): a is Json => isObject(a) && a.class_name === '__keras_tensor__');
  counts.inboundNodes++;
  return tensors.map((tensor) => {
    const history = (tensor.config as Json).keras_history as [string, number, number];
    return [history[0], history[1], history[2], {}];
  });
}
