import { tf } from '../../tf';
import { byChannelWeights } from '../core';
import type { ForwardMethod } from './method';

/**
 * CAM (Zhou et al., CVPR 2016, eq. 2): M_c = Σ_k w_k^c f_k, with w^c the classifier's weights for class
 * c on the maps f_k that global average pooling averages. Defined only at that layer and for a linear
 * head; kept signed (no ReLU), so that mean(M_c) + b_c is the logit of class c.
 */
export const camMethod: ForwardMethod = {
  name: 'cam',
  description: 'CAM: the classifier’s weights on the maps that GAP averages (Zhou et al. 2016); GAP + linear heads only',
  needsGradients: false,
  keepsNegative: true,
  ...byChannelWeights(({ classes, classifierKernel }) => tf.transpose(tf.gather(classifierKernel(), classes, 1)) as tf.Tensor2D),
};
