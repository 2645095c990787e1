// What the methods share: per-channel or per-element weights times activations, for a batch of rows.
import { tf } from '../tf';
import type { MethodInput } from './methods/method';

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

/** Σ_k weights[j, k] · A[j, :, :, k] kept per channel: [m, h, w, K] and [m, K] → [m, h, w, K], whose sum over k is channelWeighted. */
export function channelTerms(activations: tf.Tensor4D, weights: tf.Tensor2D): tf.Tensor4D {
  const [m, , , k] = activations.shape;
  return tf.mul(activations, tf.reshape(weights, [m, 1, 1, k]));
}

/** A method whose map is Σ_k w_k A^k: its map, and its terms for eigen smoothing, from one function of the weights [m, K]. */
export function byChannelWeights<I extends MethodInput>(
  weights: (input: I) => tf.Tensor2D,
): { map(input: I): tf.Tensor3D; terms(input: I): tf.Tensor4D } {
  return {
    map: (input) => channelWeighted(input.activations, weights(input)),
    terms: (input) => channelTerms(input.activations, weights(input)),
  };
}

/** A method whose map is Σ_k W^k ⊙ A^k: its map and its terms from one function of the weights [m, h, w, K]. */
export function byElementWeights<I extends MethodInput>(
  weights: (input: I) => tf.Tensor4D,
): { map(input: I): tf.Tensor3D; terms(input: I): tf.Tensor4D } {
  return { map: (input) => elementwiseSum(input.activations, weights(input)), terms: (input) => tf.mul(input.activations, weights(input)) };
}

const ITERATIONS = 100;

/**
 * The projection of each row's channel-centred values X [h·w, K] on their first principal component,
 * signed to agree with the mean over channels (an SVD's sign is arbitrary; a map should point where its
 * values are high). Eigen-CAM applies it to the activations, EigenGrad-CAM to gradients × activations,
 * eigen smoothing to any method's weighted activations. The component is found by power iteration on
 * the smaller of XXᵀ (positions × positions) and XᵀX (channels × channels), for all rows at once: for
 * ResNet-50's last block a 49 × 49 matrix instead of 2048 × 2048. [m, h, w, K] → [m, h, w]; call inside tf.tidy.
 */
export function firstPrincipalComponent(values: tf.Tensor4D): tf.Tensor3D {
  const [m, h, w, k] = values.shape;
  const flat = tf.reshape(values, [m, h * w, k]);
  const x = tf.sub(flat, tf.mean(flat, 1, true));
  let projection: tf.Tensor2D; // [m, positions]
  if (h * w <= k) {
    // Top eigenvector u of XXᵀ, with eigenvalue σ₁²: X v₁ = σ₁ u₁.
    const gram = tf.matMul(x, x, false, true);
    const u = topEigenvector(gram as tf.Tensor3D);
    const value = tf.sum(tf.mul(u, tf.squeeze(tf.matMul(gram, tf.expandDims(u, 2)), [2])), 1, true);
    projection = tf.mul(u, tf.sqrt(tf.relu(value))) as tf.Tensor2D;
  } else {
    const v = topEigenvector(tf.matMul(x, x, true, false) as tf.Tensor3D);
    projection = tf.squeeze(tf.matMul(x, tf.expandDims(v, 2)), [2]) as tf.Tensor2D;
  }
  const agreement = tf.sum(tf.mul(projection, tf.mean(flat, 2)), 1, true);
  return tf.reshape(tf.mul(projection, tf.where(tf.less(agreement, 0), tf.scalar(-1), tf.scalar(1))), [m, h, w]);
}

/**
 * Power iteration on symmetric matrices [m, s, s], from each one's column of largest diagonal (never
 * orthogonal to the top eigenvector of a Gram matrix, unlike a fixed start). Returns unit vectors [m, s].
 */
function topEigenvector(matrix: tf.Tensor3D): tf.Tensor2D {
  const [m, s] = matrix.shape;
  const diagonal = tf.sum(tf.mul(matrix, tf.eye(s)), 2);
  let vector = tf.matMul(matrix, tf.expandDims(tf.oneHot(tf.argMax(diagonal, 1), s).toFloat(), 2)) as tf.Tensor3D;
  for (let i = 0; i < ITERATIONS; i++) {
    const norm = tf.maximum(tf.norm(vector, 'euclidean', 1, true), 1e-30);
    vector = tf.matMul(matrix, tf.div(vector, norm)) as tf.Tensor3D;
  }
  return tf.reshape(tf.div(vector, tf.maximum(tf.norm(vector, 'euclidean', 1, true), 1e-30)), [m, s]);
}
