import { tf } from '../../tf';
import type { CamMethod } from './method';

const ITERATIONS = 100;

/**
 * Eigen-CAM (Muhammad & Yeasin 2020): the projection of the (channel-centred) activations on their
 * first principal component, found by power iteration. It uses no class and no gradient; its sign is
 * chosen so that the map agrees with the mean activation.
 */
export const eigenCamMethod: CamMethod = {
  name: 'eigencam',
  description: 'Eigen-CAM: first principal component of the activations, class-agnostic (Muhammad & Yeasin 2020)',
  needsGradients: false,
  map: ({ activations }) => {
    const [h, w, k] = activations.shape;
    const flat = tf.reshape(activations, [h * w, k]);
    const centred = tf.sub(flat, tf.mean(flat, 0));
    const covariance = tf.matMul(centred, centred, true, false);
    let v: tf.Tensor2D = tf.div(tf.ones([k, 1]), Math.sqrt(k));
    for (let i = 0; i < ITERATIONS; i++) {
      const next = tf.matMul(covariance, v);
      v = tf.div(next, tf.add(tf.norm(next), 1e-12));
    }
    const projection = tf.reshape(tf.matMul(centred, v), [h, w]);
    const agreement = tf.sum(tf.mul(projection, tf.reshape(tf.mean(flat, 1), [h, w])));
    return tf.mul(projection, tf.sign(tf.add(agreement, 1e-12))) as tf.Tensor2D;
  },
};
