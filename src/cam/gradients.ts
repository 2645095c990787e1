import { tf } from '../tf';
import { CamlabError } from '../errors';
import type { Layer } from '../model/layers';
import { probedForward, type ScoreReader } from '../model/probe';
import { layerShapesAt } from '../model/shapes';

export interface Evidence {
  /** The layer's output [n, h, w, K]. */
  activations: tf.Tensor4D;
  /** d(score of each image's target class) / d(activations), when asked for. */
  gradients?: tf.Tensor4D;
  /** Class scores before the output activation [n, classes]. */
  scores: tf.Tensor2D;
  /** The model's output [n, classes]. */
  output: tf.Tensor2D;
}

/** Each image's target classes as a one-hot matrix, fixed or chosen from the scores (the top-1). */
export type Targets = tf.Tensor2D | 'top1';

/**
 * One forward pass, and with `targets` one backward pass: the activations at `layer` and the gradient
 * of each image's target score with respect to them. The class score is picked with a one-hot product,
 * not a gather (WASM has no gradient for gather); 'top1' picks it inside the same pass. The tensors,
 * and the chosen one-hot targets, are the caller's.
 */
export function gatherEvidence(model: tf.LayersModel, input: tf.Tensor4D, layer: Layer, reader: ScoreReader, targets?: Targets): Evidence {
  if (!targets) {
    return tf.tidy(() => {
      const { activations, scores, output } = probedForward(model, input, layer, reader);
      return { activations: activations as tf.Tensor4D, scores, output };
    });
  }
  const shape = outputShape(model, input, layer);
  const shift = tf.zeros(shape);
  let kept: Omit<Evidence, 'gradients'> | undefined;
  let score: tf.Tensor | undefined;
  try {
    const [gradients] = tf.grads((s: tf.Tensor) => {
      const { activations, scores, output } = probedForward(model, input, layer, reader, s);
      kept = { activations: tf.keep(activations) as tf.Tensor4D, scores: tf.keep(scores), output: tf.keep(output) };
      const chosen = targets === 'top1' ? tf.oneHot(tf.argMax(scores, 1), scores.shape[1]).toFloat() : targets;
      const sum = tf.sum(tf.mul(scores, chosen));
      score = sum;
      return sum;
    })([shift]);
    return { ...kept!, gradients: gradients as tf.Tensor4D };
  } catch (error) {
    tf.dispose([...(kept ? [kept.activations, kept.scores, kept.output] : []), ...(score ? [score] : [])]);
    releaseTape();
    if (error instanceof CamlabError) throw error;
    throw new CamlabError(
      `The gradient of the class score with respect to '${layer.name}' could not be computed on the '${tf.getBackend()}' backend ` +
        `(${(error as Error).message}). Use a method without gradients (CAM, Score-CAM, Eigen-CAM) or a layer after the one that fails.`,
      { cause: error },
    );
  } finally {
    shift.dispose();
  }
}

/**
 * tfjs leaves the tensors its tape saved for the backward pass (and the tape) behind when a gradient
 * kernel throws (a backend without it); release them so a refused call leaks nothing.
 */
function releaseTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null as unknown as typeof state.activeTape;
}

/** The target layer's output shape for this batch; sides a variable-size model leaves open are inferred at the input's size. */
function outputShape(model: tf.LayersModel, input: tf.Tensor4D, layer: Layer): number[] {
  let declared = layer.outputShape as (number | null)[];
  if (declared.slice(1).includes(null)) {
    const [, height, width, channels] = input.shape;
    declared = layerShapesAt(model, { height, width, channels }).get(layer) ?? declared;
  }
  return [input.shape[0], ...declared.slice(1).map((d) => d ?? 1)];
}
