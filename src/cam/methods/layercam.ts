import { tf } from '../../tf';
import { byElementWeights } from '../core';
import type { GradientMethod, GradientMethodInput } from './method';

/**
 * Layer-CAM (Jiang et al., IEEE TIP 2021, eq. 5–6): each position is weighted by its own positive
 * gradient, Σ_k ReLU(∂y^c/∂A^k) ⊙ A^k, which keeps fine detail at early layers.
 */
export const layerCamMethod: GradientMethod = {
  name: 'layercam',
  description: 'Layer-CAM: positive gradients per position, good at early layers (Jiang et al. 2021)',
  needsGradients: true,
  ...byElementWeights<GradientMethodInput>(({ gradients }) => tf.relu(gradients) as tf.Tensor4D),
};
