import type { tf } from '../../tf';

export type MethodName = 'cam' | 'gradcam' | 'gradcam++' | 'scorecam' | 'layercam' | 'hirescam' | 'eigencam';

/** What a method sees of one image and one class. */
export interface MapContext {
  model: tf.LayersModel;
  /** The layer's activations A for this image [h, w, K]. */
  activations: tf.Tensor3D;
  /** ∂score_c / ∂A [h, w, K], for methods that need gradients. */
  gradients?: tf.Tensor3D;
  classIndex: number;
  /** The image as the model takes it [1, H, W, C]. */
  input: tf.Tensor4D;
  /** Class-c scores of a batch of inputs [m, H, W, C] (for perturbation methods). Returns [m]. */
  scoreBatch: (inputs: tf.Tensor4D) => tf.Tensor1D;
  /** Channels per batch for perturbation methods. */
  batchSize: number;
  /** Reports progress over `total` steps (perturbation methods). */
  progress?: (done: number, total: number) => void;
}

/** A member of the CAM family: how its map is made from activations (and gradients). */
export interface CamMethod {
  name: MethodName;
  /** One line for notebooks and the CLI. */
  description: string;
  needsGradients: boolean;
  /** True for methods that run batches of their own and release their tensors themselves (Score-CAM). */
  managesMemory?: boolean;
  /** True where negative evidence stays in the heat map (CAM); the gradient methods keep only ReLU(map). */
  keepsNegative?: boolean;
  /** The raw map [h, w] before ReLU. Other methods are run inside tf.tidy. */
  map(context: MapContext): tf.Tensor2D | Promise<tf.Tensor2D>;
}
