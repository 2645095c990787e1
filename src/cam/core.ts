// The part every method shares: activations and per-channel weights → maps → upsampled, scaled heat maps.
// Methods differ only in how they make the weights.
import { tf } from '../tf';
import { normalizeHeatmap, type Heatmap } from '../image/heatmap';
import { resizeHeatmap } from '../image/resize';

/**
 * Σ_k weights[k, j] · activations[:, :, k] for each column j: [h, w, K] × [K, n] → [n, h, w].
 * Call inside tf.tidy.
 */
export function weightedSum(activations: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D {
  const [h, w, k] = activations.shape;
  const maps = tf.matMul(tf.reshape(activations, [h * w, k]), weights);
  return tf.reshape(tf.transpose(maps), [weights.shape[1], h, w]);
}

export interface MapPair {
  raw: Heatmap;
  heatmap: Heatmap;
}

type Region = { x: number; y: number; width: number; height: number };

/**
 * Downloads maps [n, h, w] and turns each into its raw form and a heat map at the image's size,
 * bilinearly upsampled over the region the model saw (all of it, or a centre crop; zero outside) and
 * min–max scaled. `relu` keeps only evidence for the class (gradient methods). Disposes `maps`.
 */
export async function toHeatmaps(maps: tf.Tensor3D, size: { width: number; height: number }, options: { relu?: boolean; region?: Region } = {}): Promise<MapPair[]> {
  const [n, h, w] = maps.shape;
  const values = await maps.data<'float32'>();
  maps.dispose();
  const region = options.region ?? { x: 0, y: 0, ...size };
  return Array.from({ length: n }, (_, i) => {
    const raw: Heatmap = { width: w, height: h, data: values.slice(i * h * w, (i + 1) * h * w) };
    const kept = options.relu ? { ...raw, data: raw.data.map((v) => Math.max(0, v)) } : raw;
    const seen = normalizeHeatmap(resizeHeatmap(kept, region.width, region.height));
    return { raw, heatmap: placeInImage(seen, region, size) };
  });
}

function placeInImage(map: Heatmap, region: Region, size: { width: number; height: number }): Heatmap {
  if (region.x === 0 && region.y === 0 && region.width === size.width && region.height === size.height) return map;
  const data = new Float32Array(size.width * size.height);
  for (let y = 0; y < region.height; y++) data.set(map.data.subarray(y * region.width, (y + 1) * region.width), (region.y + y) * size.width + region.x);
  return { width: size.width, height: size.height, data };
}

/** Σ_k alpha[k] · A[:, :, k]: [h, w, K] and [K] → [h, w]. Call inside tf.tidy. */
export function channelWeighted(activations: tf.Tensor3D, alpha: tf.Tensor1D): tf.Tensor2D {
  return tf.squeeze(weightedSum(activations, tf.reshape(alpha, [-1, 1]) as tf.Tensor2D), [0]) as tf.Tensor2D;
}

/** Σ_k W[:, :, k] ⊙ A[:, :, k]: per-element weights instead of one per channel. Call inside tf.tidy. */
export function elementwiseSum(activations: tf.Tensor3D, weights: tf.Tensor3D): tf.Tensor2D {
  return tf.sum(tf.mul(activations, weights), 2) as tf.Tensor2D;
}
