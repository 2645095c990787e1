// Every option of the CAM family gets its default here, once per call, before any tensor is made.
// Their types and ranges were checked by validate.ts at the call's entry; the model's class count
// bounds classIndex and topK here.
import { CamlabError } from '../errors';
import type { ModelInputOptions } from '../image/model-input';
import type { ModelHead } from '../model/head';
import type { ClassTargets } from './types';
import type { Preprocessing } from '../choices';

export interface MethodOptions extends ClassTargets, ModelInputOptions {
  /** Any layer with a 4-D output, by name or nested path. Default: the layer that feeds GAP, else the last 4-D layer. */
  layer?: string;
  /** Explain the class score before the softmax (default, as the papers do) or the probability after it. */
  score?: 'logit' | 'probability';
  /** Channels per forward pass for Score-CAM (default 32) and Ablation-CAM (default: as many as fit in 64 MB of the layer's activations). */
  batchSize?: number;
  /** Show a progress bar on stderr for Score-CAM and Ablation-CAM over large layers (default: when it has over 256 channels). */
  progress?: boolean;
  /**
   * Test-time augmentation smoothing, as pytorch-grad-cam's aug_smooth: the maps of the image flipped
   * left–right or not, times brightness factors 0.9, 1 and 1.1 (applied to the model input, as its
   * ttach Multiply does), each flipped back, averaged and scaled again. Six passes instead of one.
   */
  augSmooth?: boolean;
  /**
   * Eigen smoothing, as pytorch-grad-cam's eigen_smooth: the map is the first principal component of the
   * method's weighted activations (w_k A^k, or W^k ⊙ A^k) instead of their sum. Eigen-CAM and
   * EigenGrad-CAM are principal components already and stay as they are.
   */
  eigenSmooth?: boolean;
}

/**
 * Which classes each image's maps are for: the same given classes for every image, each image's k best,
 * or one class per row (rank first), as the augmented passes of augSmooth reuse the first pass's.
 */
export type ClassChoice = { given: number[] } | { top: number } | { rows: number[] };

/** The options with their defaults, checked against the model's head. */
export interface ResolvedOptions extends ModelInputOptions {
  /** The one given, else the model's own (model/metadata.ts): results say which was used. */
  preprocess: Preprocessing;
  classes: ClassChoice;
  /** How many maps per image. */
  ranks: number;
  score: 'logit' | 'probability';
  /** As given: each method that batches has its own default (scoreCamBatch, ablationBatch). */
  batchSize?: number;
  /** undefined: decide by the number of channels. */
  progress?: boolean;
  augSmooth: boolean;
  eigenSmooth: boolean;
}

/**
 * The options with their defaults; their types and ranges were checked at the call's entry.
 * `modelPreprocessing` is what the model takes when no `preprocess` is given.
 */
export function resolveOptions(options: MethodOptions, head: ModelHead, modelPreprocessing: Preprocessing): ResolvedOptions {
  const classes = classChoice(options, head.numClasses);
  return {
    fit: options.fit,
    preprocess: options.preprocess ?? modelPreprocessing,
    inputSize: options.inputSize,
    classes,
    ranks: 'given' in classes ? classes.given.length : classes.top,
    score: options.score ?? 'logit',
    batchSize: options.batchSize,
    progress: options.progress,
    augSmooth: options.augSmooth ?? false,
    eigenSmooth: options.eigenSmooth ?? false,
  };
}

/** Masked inputs per forward pass for Score-CAM: each is a whole model input. */
export const SCORE_CAM_BATCH = 32;

/**
 * Ablated copies of one image's activations per pass for Ablation-CAM: as many as fit in 64 MB (16 M
 * floats), since only the layers above the explained one run them: all 64 channels of the digits
 * model's 16 × 16 layer at once, 163 of ResNet-50's 7 × 7 × 2048.
 */
export function ablationBatch(activationSize: number, given: number | undefined): number {
  return given ?? Math.max(1, Math.floor(16_777_216 / activationSize));
}

/** The model's class count bounds classIndex and topK; their types were checked with the other options. */
function classChoice(options: ClassTargets, numClasses: number): Exclude<ClassChoice, { rows: number[] }> {
  if (options.classIndex !== undefined) {
    const classes = [options.classIndex].flat();
    for (const c of classes) {
      if (c < 0 || c >= numClasses)
        throw new CamlabError(`classIndex ${c} is not a class of this model: use an integer from 0 to ${numClasses - 1}.`);
    }
    return { given: classes };
  }
  const k = options.topK ?? 1;
  if (k <= 0 || k > numClasses) throw new CamlabError(`topK must be an integer from 1 to ${numClasses} (the number of classes), got ${k}.`);
  return { top: k };
}
