import type { Heatmap } from '../image/heatmap';
import type { Region } from '../image/place';
import type { MethodName } from './methods/method';
import type { Preprocessing } from '../choices';

/** Which classes to explain; without either option, each image's most probable class. */
export interface ClassTargets {
  /** Explain these classes (for every image). */
  classIndex?: number | number[];
  /** Explain each image's k most probable classes. */
  topK?: number;
}

/** One map: one image × one class. */
export interface CamResult {
  /** Position of the image in the batch (0 for a single image). */
  imageIndex: number;
  classIndex: number;
  /** The class's name, when the model came with labels (metadata.json beside model.json). */
  label?: string;
  /** The model's output for the class: a probability for softmax and sigmoid heads. */
  score: number;
  /** The class score before the output activation. */
  logit: number;
  /**
   * The map at the input image's size, for boxes and overlays: `raw` with negative values set to 0 (except
   * for CAM, whose map keeps them), bilinearly upsampled over `region`, then min–max scaled to 0..1 on its
   * own (all zeros for a constant map; zero outside `region`). Maps of different classes are therefore not
   * comparable through it: figures draw `raw` on one scale (plot/scale.ts).
   */
  heatmap: Heatmap;
  /** The map at the feature layer's size, unscaled: Σ_k w_k^c f_k for CAM. */
  raw: Heatmap;
  /** The part of the image `raw` covers: all of it, or the centre crop the model saw (fit: 'center-crop'). */
  region: Region;
  /** The layer whose activations made the map. */
  layer: string;
  /** The method that made it. */
  method?: MethodName;
  /** The pixel preprocessing the image got: the `preprocess` option, else the model's own ('none' for a model camlab does not recognise). */
  preprocess?: Preprocessing;
}
