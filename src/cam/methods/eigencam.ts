import { firstPrincipalComponent } from '../core';
import type { ForwardMethod } from './method';

/**
 * Eigen-CAM (Muhammad & Yeasin 2020): the projection of the (channel-centred) activations X on their
 * first principal component. It uses no class and no gradient; its sign is chosen so that the map
 * agrees with the mean activation (see firstPrincipalComponent in ../core.ts).
 */
export const eigenCamMethod: ForwardMethod = {
  name: 'eigencam',
  description: 'Eigen-CAM: first principal component of the activations, class-agnostic (Muhammad & Yeasin 2020)',
  needsGradients: false,
  map: ({ activations }) => firstPrincipalComponent(activations),
};
