// What every method shares: per-channel or per-element weights times activations, for a batch of rows,
// and the read maps turned into heat maps at the image's size.
import { tf } from '../tf';
import { normalizeHeatmap, type Heatmap } from '../image/heatmap';
import { resizeHeatmap } from '../image/resize';

/** Σ_k weights[j, k] · A[j, :, :, k] for each row j: [m, h, w, K] and [m, K] → [m, h, w]. Call inside tf.tidy. */
export function channelWeighted(activations: tf.Tensor4D, weights: tf.Tensor2D): tf.Tensor3D {
  const [m, h, w, k] = activations.shape;
  const maps = tf.matMul(tf.reshape(activations, [m, h * w, k]), tf.reshape(weights, [m, k, 1]));
  return tf.reshape(maps, [m, h, w]);
}

/** Σ_k W[j, :, :, k] ⊙ A[j, :, :, k]: per-element weights instead of one per channel. Call inside tf.tidy. */
export function elementwiseSum(activations: tf.Tensor4D, weights: tf.Tensor4D): tf.Tensor3D {
  return tf.sum(tf.mul(activations, weights), 3) as tf.Tensor3D;
}

/** Each row's column of a [rows or K, classes] table: [m, …, C] and classes [m] → [m, …]. Call inside tf.tidy. */
export function classColumns(table: tf.Tensor, classes: tf.Tensor1D): tf.Tensor {
  const numClasses = table.shape[table.rank - 1];
  const mask = tf.cast(tf.oneHot(classes, numClasses), 'float32');
  return tf.sum(tf.mul(table, tf.reshape(mask, [classes.shape[0], ...Array(table.rank - 2).fill(1), numClasses])), table.rank - 1);
}

export type Region = { x: number; y: number; width: number; height: number };

export interface MapPair {
  raw: Heatmap;
  heatmap: Heatmap;
}

/**
 * A raw map and its heat map at the image's size: bilinearly upsampled over the region the model saw
 * (all of it, or a centre crop; zero outside) and min–max scaled. `relu` keeps only evidence for the
 * class (gradient methods).
 */
export function toHeatmap(raw: Heatmap, size: { width: number; height: number }, region: Region, relu: boolean): MapPair {
  const kept = relu ? { ...raw, data: raw.data.map((v) => Math.max(0, v)) } : raw;
  const seen = normalizeHeatmap(resizeHeatmap(kept, region.width, region.height));
  return { raw, heatmap: placeInImage(seen, region, size) };
}

function placeInImage(map: Heatmap, region: Region, size: { width: number; height: number }): Heatmap {
  if (region.x === 0 && region.y === 0 && region.width === size.width && region.height === size.height) return map;
  const data = new Float32Array(size.width * size.height);
  for (let y = 0; y < region.height; y++) data.set(map.data.subarray(y * region.width, (y + 1) * region.width), (region.y + y) * size.width + region.x);
  return { width: size.width, height: size.height, data };
}
