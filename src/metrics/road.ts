import { tf } from '../tf';
import { assertHeatmap, type Heatmap } from '../image/heatmap';
import { assertFinite, assertTensor } from '../image/validate';
import { resizeHeatmap } from '../image/resize';
import { modelHead } from '../model/head';
import { assertLayersModel, checkRoadOptions } from '../validate';
import { checkClassOf, classProbabilities, importanceRanks } from './faithfulness';
import { noisyLinearImputation } from './imputation';

export interface RoadOptions {
  /** Shares of the pixels removed, in % (default 10, 20, …, 90). */
  percentiles?: number[];
  /** Noise of the imputation, as a fraction of the input values' standard deviation (default 0.01). */
  noise?: number;
  /** Seed of the noise (default 0). */
  seed?: number;
}

export interface Road {
  percentiles: number[];
  /** The class probability on the original input. */
  original: number;
  /** The class probability with the given share of the MOST relevant pixels removed and imputed (lower is better). */
  mostRelevantFirst: number[];
  /** The same with the LEAST relevant pixels removed (higher is better). */
  leastRelevantFirst: number[];
  /** Mean of mostRelevantFirst. */
  morf: number;
  /** Mean of leastRelevantFirst. */
  lerf: number;
  /** (lerf − morf) / 2, as pytorch-grad-cam's ROADCombined: higher means the map ranks pixels by what the model uses. */
  combined: number;
}

export const ROAD_PERCENTILES = [10, 20, 30, 40, 50, 60, 70, 80, 90];

/**
 * ROAD, RemOve And Debias (Rong et al., ICML 2022): remove a share of the pixels, most relevant first
 * (MoRF) or least relevant first (LeRF) by the map, fill them by noisy linear imputation (so the hole's
 * shape tells the model nothing), and read the class probability. A faithful map makes MoRF fall fast
 * and LeRF stay high. `input` is one model input [1, H, W, C] (as toModelInput makes it); the imputation
 * works in its units. One forward pass for all percentiles of both orders.
 */
export async function road(
  model: tf.LayersModel,
  input: tf.Tensor4D,
  heatmap: Heatmap,
  classIndex: number,
  options: RoadOptions = {},
): Promise<Road> {
  assertLayersModel(model);
  checkRoadOptions(options, classIndex);
  assertTensor(input, 'The model input');
  assertFinite(input as tf.Tensor4D);
  assertHeatmap(heatmap);
  const head = modelHead(model);
  checkClassOf(head, classIndex);
  const percentiles = options.percentiles ?? ROAD_PERCENTILES;
  const [, height, width, channels] = input.shape;
  const pixels = (await input.data()) as Float32Array;
  const rank = importanceRanks(resizeHeatmap(heatmap, width, height).data);
  const count = height * width;
  const noise = (options.noise ?? 0.01) * standardDeviation(pixels);
  const variants: Float32Array[] = [];
  for (const mostFirst of [true, false]) {
    for (const [i, percentile] of percentiles.entries()) {
      const removedCount = Math.round((percentile / 100) * count);
      const removed = Uint8Array.from(rank, (r) => ((mostFirst ? r < removedCount : r >= count - removedCount) ? 1 : 0));
      variants.push(
        noisyLinearImputation(pixels, { height, width, channels }, removed, {
          noise,
          seed: (options.seed ?? 0) * 1000 + i * 2 + (mostFirst ? 0 : 1),
        }),
      );
    }
  }
  const scores = tf.tidy(() => {
    const batch = tf.concat([input, tf.tensor4d(concatenate(variants), [variants.length, height, width, channels])]);
    return classProbabilities(model, head, batch, classIndex);
  });
  const p = Array.from(await scores.data());
  scores.dispose();
  const n = percentiles.length;
  const mostRelevantFirst = p.slice(1, 1 + n);
  const leastRelevantFirst = p.slice(1 + n);
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const [morf, lerf] = [mean(mostRelevantFirst), mean(leastRelevantFirst)];
  return { percentiles: [...percentiles], original: p[0], mostRelevantFirst, leastRelevantFirst, morf, lerf, combined: (lerf - morf) / 2 };
}

function standardDeviation(values: Float32Array): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

function concatenate(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((s, a) => s + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}
