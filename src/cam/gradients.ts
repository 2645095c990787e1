import { tf } from '../tf';
import type { Layer } from '../model/layers';
import { probedForward, type ScoreReader } from '../model/probe';

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
  const shape = outputShape(input, layer);
  const shift = tf.zeros(shape);
  let kept: Omit<Evidence, 'gradients'> | undefined;
  const [gradients] = tf.grads((s: tf.Tensor) => {
    const { activations, scores, output } = probedForward(model, input, layer, reader, s);
    kept = { activations: tf.keep(activations) as tf.Tensor4D, scores: tf.keep(scores), output: tf.keep(output) };
    const chosen = targets === 'top1' ? tf.oneHot(tf.argMax(scores, 1), scores.shape[1]).toFloat() : targets;
    return tf.sum(tf.mul(scores, chosen));
  })([shift]);
  shift.dispose();
  return { ...kept!, gradients: gradients as tf.Tensor4D };
}

/** The target layer's output shape for this batch (layers of image models have fixed sizes once built). */
function outputShape(input: tf.Tensor4D, layer: Layer): number[] {
  const declared = layer.outputShape as (number | null)[];
  return [input.shape[0], ...declared.slice(1).map((d) => d ?? 1)];
}
