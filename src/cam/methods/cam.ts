import { tf } from '../../tf';
import { findCamHead, type CamHead } from '../../model/inspect';
import { channelWeighted } from '../core';
import type { CamMethod } from './method';

/**
 * CAM (Zhou et al., CVPR 2016, eq. 2): M_c = Σ_k w_k^c f_k, with w^c the classifier's weights for class
 * c on the maps f_k that global average pooling averages. Defined only at that layer and for a linear
 * head; kept signed (no ReLU), so that mean(M_c) + b_c is the logit of class c.
 */
export const camMethod: CamMethod = {
  name: 'cam',
  description: 'CAM: the classifier’s weights on the maps that GAP averages (Zhou et al. 2016); GAP + linear heads only',
  needsGradients: false,
  keepsNegative: true,
  map: ({ model, activations, classIndex }) => {
    const kernel = classifierKernel(findCamHead(model));
    return channelWeighted(activations, tf.squeeze(tf.slice(kernel, [0, classIndex], [-1, 1]), [1]) as tf.Tensor1D);
  },
};

/**
 * The classifier's kernel as [K, classes]: a 1×1 convolution's [1, 1, K, C] is a dense [K, C], and a
 * single sigmoid unit is two classes, 0 with −w and 1 with w (σ(−z) and σ(z) are their probabilities).
 * Call inside tf.tidy.
 */
function classifierKernel(head: CamHead): tf.Tensor2D {
  const weights = head.classifier.layer.getWeights()[0];
  const kernel = tf.reshape(weights, [-1, weights.shape[weights.rank - 1]]) as tf.Tensor2D;
  return head.activation === 'sigmoid' && kernel.shape[1] === 1 ? (tf.concat([tf.neg(kernel), kernel], 1) as tf.Tensor2D) : kernel;
}
