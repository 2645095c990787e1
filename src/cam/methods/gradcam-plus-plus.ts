import { tf } from '../../tf';
import { byChannelWeights } from '../core';
import type { GradientMethod, GradientMethodInput } from './method';

/**
 * Grad-CAM++ (Chattopadhay et al., WACV 2018, eq. 19 with the exponential score, whose higher
 * derivatives are powers of the first): α_ij^kc = g² / (2g² + Σ_ab A_ab^k · g³), with g = ∂y^c/∂A_ij^k,
 * and w_k^c = Σ_ij α_ij^kc · ReLU(g). Positions with a zero denominator get α = 0.
 */
export const gradCamPlusPlusMethod: GradientMethod = {
  name: 'gradcam++',
  description: 'Grad-CAM++: positive gradients weighted per position (Chattopadhay et al. 2018)',
  needsGradients: true,
  ...byChannelWeights<GradientMethodInput>(({ activations, gradients }) => {
    const g = gradients;
    const g2 = tf.square(g);
    const g3 = tf.mul(g2, g);
    const denominator = tf.add(tf.mul(g2, 2), tf.mul(tf.sum(activations, [1, 2], true), g3));
    const safe = tf.where(tf.notEqual(denominator, 0), denominator, tf.onesLike(denominator));
    const alpha = tf.where(tf.notEqual(denominator, 0), tf.div(g2, safe), tf.zerosLike(g2));
    return tf.sum(tf.mul(alpha, tf.relu(g)), [1, 2]) as tf.Tensor2D;
  }),
};
