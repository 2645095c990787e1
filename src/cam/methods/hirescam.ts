import { byElementWeights } from '../core';
import type { GradientMethod, GradientMethodInput } from './method';

/**
 * HiResCAM (Draelos & Carin 2020): the gradient multiplies the activations element by element,
 * Σ_k ∂y^c/∂A^k ⊙ A^k, so the map shows exactly the positions that raise the score (for a GAP + linear
 * head it is the CAM divided by h·w).
 */
export const hiResCamMethod: GradientMethod = {
  name: 'hirescam',
  description: 'HiResCAM: gradients times activations, element by element (Draelos & Carin 2020)',
  needsGradients: true,
  ...byElementWeights<GradientMethodInput>(({ gradients }) => gradients),
};
