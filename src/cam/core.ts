// What the methods share: per-channel or per-element weights times activations, for a batch of rows.
import { tf } from '../tf';

/** Σ_k weights[j, k] · A[j, :, :, k] for each row j: [m, h, w, K] and [m, K] → [m, h, w]. Call inside tf.tidy. */
export function channelWeighted(activations: tf.Tensor4D, weights: tf.Tensor2D): tf.Tensor3D {
  const [m, h, w, k] = activations.shape;
  const maps = tf.matMul(tf.reshape(activations, [m, h * w, k]), tf.reshape(weights, [m, k, 1]));
  return tf.reshape(maps, [m, h, w]);
}

/** Σ_k W[j, :, :, k] ⊙ A[j, :, :, k]: per-element weights instead of one per channel. Call inside tf.tidy. */
export function elementwiseSum(activations: tf.Tensor4D, weights: tf.Tensor4D): tf.Tensor3D {
  return tf.sum(tf.mul(activations, weights), 3) as tf.Tensor3D;
}

/** Each row's column of a [rows or K, classes] table: [m, …, C] and classes [m] → [m, …]. Call inside tf.tidy. */
export function classColumns(table: tf.Tensor, classes: tf.Tensor1D): tf.Tensor {
  const numClasses = table.shape[table.rank - 1];
  const mask = tf.cast(tf.oneHot(classes, numClasses), 'float32');
  return tf.sum(tf.mul(table, tf.reshape(mask, [classes.shape[0], ...Array(table.rank - 2).fill(1), numClasses])), table.rank - 1);
}
