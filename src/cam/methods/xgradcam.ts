import { tf } from '../../tf';
import { byChannelWeights } from '../core';
import type { GradientMethod, GradientMethodInput } from './method';

/**
 * XGrad-CAM (Fu et al., "Axiom-based Grad-CAM", BMVC 2020): each gradient is weighted by its
 * activation's share of the channel, w_k^c = Σ_ij (A_ij^k / Σ_ab A_ab^k) · ∂y^c/∂A_ij^k, the weights
 * that best satisfy the paper's sensitivity and conservation axioms. A channel whose activations sum to zero gets w = 0.
 */
export const xGradCamMethod: GradientMethod = {
  name: 'xgradcam',
  description: 'XGrad-CAM: gradients weighted by their activation’s share of the channel (Fu et al. 2020)',
  needsGradients: true,
  ...byChannelWeights<GradientMethodInput>(({ activations, gradients }) => {
    const sums = tf.sum(activations, [1, 2], true);
    const safe = tf.where(tf.notEqual(sums, 0), sums, tf.onesLike(sums));
    const shares = tf.where(tf.notEqual(sums, 0), tf.div(activations, safe), tf.zerosLike(activations));
    return tf.sum(tf.mul(shares, gradients), [1, 2]) as tf.Tensor2D;
  }),
};
