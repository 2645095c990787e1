import { CamlabError } from '../errors';

let classes: string[] | undefined;

/** The 1000 ImageNet class names in Keras's order, from the package @tensorflow-models/mobilenet. */
export function imagenetClasses(): string[] {
  if (!classes) {
    const table = (require('@tensorflow-models/mobilenet/dist/imagenet_classes') as { IMAGENET_CLASSES: Record<number, string> })
      .IMAGENET_CLASSES;
    classes = Array.from({ length: 1000 }, (_, i) => table[i]);
  }
  return classes;
}

export interface Prediction {
  classIndex: number;
  label: string;
  probability: number;
}

/**
 * The `top` most probable ImageNet classes of one row of 1000 scores, as keras.applications'
 * decode_predictions gives them.
 *
 * @example decodePredictions(probabilities, 3) // [{ classIndex: 281, label: 'tabby, tabby cat', probability: 0.61 }, …]
 */
export function decodePredictions(scores: ArrayLike<number>, top = 5): Prediction[] {
  if (scores.length !== 1000) throw new CamlabError(`decodePredictions takes the 1000 scores of one image, got ${scores.length}.`);
  if (!Number.isInteger(top) || top < 1 || top > 1000) throw new CamlabError(`top must be a whole number from 1 to 1000, got ${top}.`);
  return topIndices(scores, top).map((classIndex) => ({
    classIndex,
    label: imagenetClasses()[classIndex],
    probability: scores[classIndex],
  }));
}

/** Indices of the k largest values, largest first; ties keep the lower index first. */
function topIndices(values: ArrayLike<number>, k: number): number[] {
  return Array.from(values, (v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}
