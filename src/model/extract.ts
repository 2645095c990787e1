import { tf } from '../tf';
import { applicationNode, type LayerEntry } from './layers';

/**
 * The models to run one after another to get a layer's output from the model's input. A layer of the
 * model itself needs one; a layer inside a nested model needs one more per level of nesting, since
 * tfjs graphs cannot be cut across a nested model's border.
 */
export type Stages = tf.LayersModel[];

const cache = new WeakMap<tf.LayersModel, Map<string, Stages>>();

export function stagesTo(model: tf.LayersModel, entry: LayerEntry): Stages {
  let byPath = cache.get(model);
  if (!byPath) cache.set(model, (byPath = new Map()));
  let stages = byPath.get(entry.path);
  if (!stages) byPath.set(entry.path, (stages = build(applicationNode(entry.layer).outputTensors[0], entry.containers)));
  return stages;
}

function build(target: tf.SymbolicTensor, containers: tf.LayersModel[]): Stages {
  const container = containers[containers.length - 1];
  const own = container.inputs.includes(target) ? [] : [tf.model({ inputs: container.inputs, outputs: target })];
  if (containers.length === 1) return own;
  const containerInput = applicationNode(container).inputTensors[0];
  return [...build(containerInput, containers.slice(0, -1)), ...own];
}

/** Runs the stages on a batch (inference mode). Call inside tf.tidy. */
export function runStages(stages: Stages, input: tf.Tensor4D): tf.Tensor {
  return stages.reduce<tf.Tensor>((x, stage) => stage.apply(x, { training: false }) as tf.Tensor, input);
}
