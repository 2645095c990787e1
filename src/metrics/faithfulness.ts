import { tf } from '../tf';
import { assertHeatmap, type Heatmap } from '../image/heatmap';
import { assertFinite, assertTensor } from '../image/validate';
import { assertLayersModel, checkFaithfulnessOptions } from '../validate';
import { resizeHeatmap } from '../image/resize';
import { CamlabError } from '../errors';
import { modelHead, perClass, type ModelHead } from '../model/head';

export interface Faithfulness {
  /** Area under the class probability as the most important pixels are removed first (lower is better). */
  deletion: number;
  /** Area under the class probability as they are put back first, from a blurred image (higher is better). */
  insertion: number;
  /** The class probability on the original input. */
  original: number;
  /** The class probability when the heat map (0..1) multiplies the input. */
  masked: number;
  /** The deletion curve: the probability after removing 0, 1/steps, …, all of the pixels. */
  deletionCurve: number[];
  /** The insertion curve at the same fractions. */
  insertionCurve: number[];
}

export interface FaithfulnessOptions {
  /** Points of each curve besides the start (default 16). */
  steps?: number;
  /** Side of the box blur that makes the insertion baseline (default 11 pixels). */
  blur?: number;
}

/**
 * Deletion and insertion (Petsiuk et al., BMVC 2018, RISE section 4.2) and the masked-input score that
 * Average Drop and Increase in Confidence are built from (Chattopadhay et al. 2018, section 5). `input`
 * is one model input [1, H, W, C] (as toModelInput makes it); deletion replaces pixels with 0. One
 * batch of `steps + 1` inputs per curve. Probabilities are per class as the CAM results report them
 * (a single sigmoid unit is two classes).
 */
export async function faithfulness(
  model: tf.LayersModel,
  input: tf.Tensor4D,
  heatmap: Heatmap,
  classIndex: number,
  options: FaithfulnessOptions = {},
): Promise<Faithfulness> {
  assertLayersModel(model);
  checkFaithfulnessOptions(options, classIndex); // an integer ≥ 0; its upper bound is the head's class count
  assertTensor(input, 'The model input');
  assertFinite(input as tf.Tensor4D);
  assertHeatmap(heatmap);
  const steps = options.steps ?? 16;
  const head = modelHead(model);
  checkClassOf(head, classIndex);
  const [, height, width] = input.shape;
  const map = resizeHeatmap(heatmap, width, height).data;
  const rank = importanceRanks(map);
  const curves = tf.tidy(() => {
    const ranks = tf.tensor(rank, [1, height, width, 1]);
    const fractions = tf.reshape(tf.linspace(0, 1, steps + 1), [steps + 1, 1, 1, 1]);
    const revealed = tf.cast(tf.less(ranks, tf.mul(fractions, map.length)), 'float32'); // [steps+1, H, W, 1]
    const blurred = tf.avgPool(input, options.blur ?? 11, 1, 'same');
    const deletion = tf.mul(input, tf.sub(1, revealed));
    const insertion = tf.add(tf.mul(input, revealed), tf.mul(blurred, tf.sub(1, revealed)));
    const masked = tf.mul(input, tf.tensor(map, [1, height, width, 1]));
    return classProbabilities(model, head, tf.concat([input, masked, deletion, insertion]) as tf.Tensor4D, classIndex);
  });
  const p = Array.from(await curves.data());
  curves.dispose();
  const area = (values: number[]) => values.slice(1).reduce((sum, v, i) => sum + (v + values[i]) / 2, 0) / (values.length - 1);
  const [deletionCurve, insertionCurve] = [p.slice(2, steps + 3), p.slice(steps + 3)];
  return { original: p[0], masked: p[1], deletion: area(deletionCurve), insertion: area(insertionCurve), deletionCurve, insertionCurve };
}

/** Each pixel's rank by importance, 0 for the most important; ties keep reading order so curves are deterministic. */
export function importanceRanks(map: Float32Array): Float32Array {
  const order = Array.from(map.keys()).sort((a, b) => map[b] - map[a] || a - b);
  const rank = new Float32Array(map.length);
  order.forEach((pixel, i) => (rank[pixel] = i));
  return rank;
}

/**
 * The probability of one class for each input of a batch [n] (a single sigmoid unit is two classes, as
 * the CAM results report them), in one forward pass. Call inside tf.tidy.
 */
export function classProbabilities(model: tf.LayersModel, head: ModelHead, batch: tf.Tensor4D, classIndex: number): tf.Tensor1D {
  const output = model.predict(batch, { batchSize: batch.shape[0] }) as tf.Tensor;
  const probabilities = perClass(head, tf.reshape(output, [output.shape[0], -1]) as tf.Tensor2D, 'probability');
  return tf.squeeze(tf.slice(probabilities, [0, classIndex], [-1, 1]), [1]) as tf.Tensor1D;
}

/** The class's index checked against the model's head (its type was checked with the options). */
export function checkClassOf(head: ModelHead, classIndex: number): void {
  if (classIndex >= head.numClasses) {
    throw new CamlabError(`classIndex ${classIndex} is not a class of this model: use an integer from 0 to ${head.numClasses - 1}.`);
  }
}

/** Average Drop (%) and Increase in Confidence (%) over images (Chattopadhay et al. 2018, eq. 20–21). */
export function averageDropAndIncrease(scores: Pick<Faithfulness, 'original' | 'masked'>[]): { averageDrop: number; increase: number } {
  const n = scores.length || 1;
  return {
    averageDrop: (100 * scores.reduce((s, f) => s + Math.max(0, f.original - f.masked) / (f.original || 1), 0)) / n,
    increase: (100 * scores.filter((f) => f.masked > f.original).length) / n,
  };
}
