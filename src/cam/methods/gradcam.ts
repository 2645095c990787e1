import { tf } from '../../tf';
import { byChannelWeights } from '../core';
import type { GradientMethod, GradientMethodInput } from './method';

/**
 * Grad-CAM (Selvaraju et al., ICCV 2017, eq. 1–2): each channel is weighted by the spatial mean of the
 * class score's gradient, α_k^c = mean_ij ∂y^c/∂A_ij^k; the map is ReLU(Σ_k α_k^c A^k).
 */
export const gradCamMethod: GradientMethod = {
  name: 'gradcam',
  description: 'Grad-CAM: channels weighted by their mean gradient (Selvaraju et al. 2017)',
  needsGradients: true,
  ...byChannelWeights<GradientMethodInput>(({ gradients }) => tf.mean(gradients, [1, 2]) as tf.Tensor2D),
};
