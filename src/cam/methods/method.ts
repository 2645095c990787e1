import type { tf } from '../../tf';

import type { MethodName } from '../../choices';

export type { MethodName };

/** Class scores of variants of the batch's images, for methods that perturb the input (Score-CAM). */
export interface Scorer {
  numImages: number;
  /**
   * Scores [count, classes] of `count` variants of image `image`; `make(input, start, size)` turns the
   * image's model input [1, H, W, C] into variants start … start + size − 1 [size, H, W, C].
   */
  scoreVariants(image: number, count: number, make: (input: tf.Tensor4D, start: number, size: number) => tf.Tensor4D): tf.Tensor2D;
}

/** Class scores with the layer's activations changed, for methods that ablate channels (Ablation-CAM). */
export interface LayerScorer {
  numImages: number;
  /**
   * Scores [count, classes] of image `image` with `shift(activations, start, size)` [size, h, w, K] added
   * to its activations [1, h, w, K] at the explained layer, for variants start … start + size − 1.
   */
  scoreShifted(image: number, count: number, shift: (activations: tf.Tensor4D, start: number, size: number) => tf.Tensor4D): tf.Tensor2D;
}

/**
 * What every method sees: one row per map, rank first (row r·n + i is image i's class of rank r, so
 * rows 0 … n − 1 are the n images).
 */
export interface MethodInput {
  /** The layer's activations A for each row [m, h, w, K]. */
  activations: tf.Tensor4D;
  /** Each row's class [m] (int32). */
  classes: tf.Tensor1D;
  /** Each row's class score [m], as the score option reads it (the logit by default). */
  scores: tf.Tensor1D;
  /** The classifier's weights [K, classes] (CAM only: the model has a GAP + linear head). */
  classifierKernel(): tf.Tensor2D;
  /** Scores of perturbed inputs (Score-CAM). */
  scorer(): Scorer;
  /** Scores with the layer's activations changed (Ablation-CAM). */
  layerScorer(): LayerScorer;
}

/** What a gradient method sees besides: the backward pass's result. */
export interface GradientMethodInput extends MethodInput {
  /** ∂score_c / ∂A for each row's class c [m, h, w, K]. */
  gradients: tf.Tensor4D;
}

interface MethodCard {
  name: MethodName;
  /** One line for notebooks and the CLI. */
  description: string;
  /** True where negative evidence stays in the heat map (CAM); the others keep only ReLU(map). */
  keepsNegative?: boolean;
}

/** A method that reads the backward pass: the pipeline runs one and hands it the gradients. */
export interface GradientMethod extends MethodCard {
  needsGradients: true;
  /** The raw maps [m, h, w] before ReLU. Runs inside tf.tidy. */
  map(input: GradientMethodInput): tf.Tensor3D;
  /** The weighted activations [m, h, w, K] whose sum over channels is the map, where it is such a sum (for eigen smoothing). */
  terms?(input: GradientMethodInput): tf.Tensor4D;
}

/** A method that needs the forward pass only (CAM, Score-CAM, Eigen-CAM). */
export interface ForwardMethod extends MethodCard {
  needsGradients: false;
  /** The raw maps [m, h, w] before ReLU. Runs inside tf.tidy. */
  map(input: MethodInput): tf.Tensor3D;
  /** The weighted activations [m, h, w, K] whose sum over channels is the map, where it is such a sum (for eigen smoothing). */
  terms?(input: MethodInput): tf.Tensor4D;
}

/** A member of the CAM family: how its maps are made from batch tensors. */
export type CamMethod = GradientMethod | ForwardMethod;
