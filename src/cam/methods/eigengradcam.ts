import { tf } from '../../tf';
import { firstPrincipalComponent } from '../core';
import type { GradientMethod } from './method';

/**
 * EigenGrad-CAM (pytorch-grad-cam's class-discriminative Eigen-CAM): the projection of the channel-centred
 * gradients × activations, ∂y^c/∂A^k ⊙ A^k, on their first principal component, signed to agree with
 * their sum (the HiResCAM map). pytorch-grad-cam leaves the SVD's sign as it falls.
 */
export const eigenGradCamMethod: GradientMethod = {
  name: 'eigengradcam',
  description: 'EigenGrad-CAM: first principal component of gradients × activations, class-specific',
  needsGradients: true,
  map: ({ activations, gradients }) => firstPrincipalComponent(tf.mul(activations, gradients) as tf.Tensor4D),
};
