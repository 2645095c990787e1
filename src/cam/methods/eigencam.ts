import { tf } from '../../tf';
import type { ForwardMethod } from './method';

const ITERATIONS = 100;

/**
 * Eigen-CAM (Muhammad & Yeasin 2020): the projection of the (channel-centred) activations X on their
 * first principal component. It uses no class and no gradient; its sign is chosen so that the map
 * agrees with the mean activation. The component is found by power iteration on the smaller of XXᵀ
 * (positions × positions) and XᵀX (channels × channels), for all rows at once: for ResNet-50's last
 * block that is a 49 × 49 matrix instead of 2048 × 2048.
 */
export const eigenCamMethod: ForwardMethod = {
  name: 'eigencam',
  description: 'Eigen-CAM: first principal component of the activations, class-agnostic (Muhammad & Yeasin 2020)',
  needsGradients: false,
  map: ({ activations }) => {
    const [m, h, w, k] = activations.shape;
    const flat = tf.reshape(activations, [m, h * w, k]);
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
  },
};

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
