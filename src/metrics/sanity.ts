// The model-randomisation sanity check (Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS
// 2018, section 3.1): a map that explains the model must change when the model's learned weights are
// replaced by random ones. A map that stays the same (an edge detector, say) explains the input only.
import { tf } from '../tf';
import { CamlabError } from '../errors';
import type { Randomisation } from '../choices';
import type { Heatmap } from '../image/heatmap';
import { inputFor } from '../model/metadata';
import { assertImages } from '../image/validate';
import { modelHead } from '../model/head';
import { findLayer, flattenLayers, isContainer, type LayerEntry } from '../model/layers';
import { Random } from '../random';
import { assertLayersModel, checkSanityOptions } from '../validate';
import { checkClassOf, classProbabilities } from './faithfulness';
import type { MapMaker } from './map-maker';
import { rankCorrelation, ssim } from './similarity';

export interface SanityOptions {
  /** The class explained, the same at every step (default: the model's most probable class for the image). */
  classIndex?: number;
  /** 'cascading' (default): layers randomised one after another from the top down, cumulatively; 'independent': one at a time. */
  mode?: Randomisation;
  /** The layers to randomise, by name or path (default: every layer with trainable weights); always visited from the top down. */
  layers?: string[];
  /** Seed of the random weights (default 0). */
  seed?: number;
}

export interface SanityStep {
  /** The layer randomised at this step. */
  layer: string;
  /** Every layer random at this step (the layers above too, when cascading). */
  randomised: string[];
  heatmap: Heatmap;
  /** Spearman's rank correlation with the original map. */
  rankCorrelation: number;
  /** Structural similarity with the original map. */
  ssim: number;
}

export interface SanityReport {
  /** The map maker's name. */
  map: string;
  mode: Randomisation;
  classIndex: number;
  original: Heatmap;
  steps: SanityStep[];
  /** The lowest rank correlation reached at any step. */
  lowestRankCorrelation: number;
  /** True when the map never fell below SANITY_RANK_CORRELATION: it does not depend on the model's weights. */
  flagged: boolean;
}

/** A map that explains the model falls below this rank correlation with itself once the weights are random. */
export const SANITY_RANK_CORRELATION = 0.5;

/**
 * Makes the map with the model's own weights, then with layers' trainable weights replaced by Gaussian
 * noise of the same mean and standard deviation (scale kept, so that a change comes from the lost learned
 * structure, not from activations that vanish), and compares each map with the original. The model's
 * weights are changed during the call and restored before it returns, also when it fails: do not use the
 * model elsewhere meanwhile.
 *
 * @example const report = await sanityCheck(model, image, methodMaker('gradcam'), { layers: ['predictions', 'features'] });
 */
export async function sanityCheck(
  model: tf.LayersModel,
  image: tf.Tensor3D,
  maker: MapMaker,
  options: SanityOptions = {},
): Promise<SanityReport> {
  assertLayersModel(model);
  checkSanityOptions(options);
  assertImages(image);
  if (image.rank !== 3)
    throw new CamlabError(`sanityCheck takes one image [height, width, channels], got a tensor of shape [${image.shape.join(', ')}].`);
  if (typeof maker?.make !== 'function' || typeof maker.name !== 'string')
    throw new CamlabError('sanityCheck needs a map maker { name, make } (methodMaker(name) or a baseline such as sobelEdgeMaker).');
  const mode = options.mode ?? 'cascading';
  const layers = randomisedLayers(model, options.layers);
  const classIndex = options.classIndex ?? (await topClass(model, image));
  checkClassOf(modelHead(model), classIndex);
  const random = new Random(options.seed ?? 0);
  return withSavedWeights(layers, async (restore) => {
    const original = await maker.make(model, image, classIndex, 0);
    const steps: SanityStep[] = [];
    for (const [i, entry] of layers.entries()) {
      if (mode === 'independent') restore();
      await randomise(entry, random);
      const heatmap = await maker.make(model, image, classIndex, 0);
      const randomised = mode === 'independent' ? [entry.path] : layers.slice(0, i + 1).map((e) => e.path);
      steps.push({
        layer: entry.path,
        randomised,
        heatmap,
        rankCorrelation: rankCorrelation(original, heatmap),
        ssim: ssim(original, heatmap),
      });
    }
    const lowestRankCorrelation = Math.min(...steps.map((s) => s.rankCorrelation));
    return {
      map: maker.name,
      mode,
      classIndex,
      original,
      steps,
      lowestRankCorrelation,
      flagged: !(lowestRankCorrelation < SANITY_RANK_CORRELATION),
    };
  });
}

/**
 * Runs `body` with every trainable weight of the model replaced by noise as sanityCheck does (the last
 * step of its cascade), then puts the weights back, also when `body` fails.
 */
export async function withRandomWeights<T>(model: tf.LayersModel, seed: number, body: () => Promise<T>): Promise<T> {
  const layers = randomisedLayers(model, undefined);
  const random = new Random(seed);
  return withSavedWeights(layers, async () => {
    for (const entry of layers) await randomise(entry, random);
    return body();
  });
}

/** Keeps a copy of the layers' weights for `body`, which may restore them, and restores them after it. */
async function withSavedWeights<T>(layers: LayerEntry[], body: (restore: () => void) => Promise<T>): Promise<T> {
  const saved = new Map<tf.LayerVariable, tf.Tensor>();
  for (const { layer } of layers) for (const v of layer.trainableWeights) saved.set(v, tf.clone(v.read()));
  const restore = () => {
    for (const [variable, value] of saved) variable.write(value);
  };
  try {
    return await body(restore);
  } finally {
    restore();
    tf.dispose([...saved.values()]);
  }
}

/** The report as a table, one line per step, and the verdict. */
export function formatSanityReport(report: SanityReport): string {
  const lines = [
    `${report.map}: ${report.mode} randomisation, class ${report.classIndex}`,
    'randomised layer            rank correlation   SSIM',
  ];
  for (const s of report.steps)
    lines.push(`${s.layer.padEnd(26)}  ${s.rankCorrelation.toFixed(3).padStart(16)}  ${s.ssim.toFixed(3).padStart(5)}`);
  lines.push(
    report.flagged
      ? `FLAGGED: the map stays alike (rank correlation ≥ ${SANITY_RANK_CORRELATION} at every step): it does not depend on the model's weights.`
      : `passes: the map changes with the weights (rank correlation down to ${report.lowestRankCorrelation.toFixed(3)}).`,
  );
  return lines.join('\n');
}

/** The layers with trainable weights, top (output) first: all of them, or the ones named. */
function randomisedLayers(model: tf.LayersModel, names: string[] | undefined): LayerEntry[] {
  const weighted = flattenLayers(model).filter((e) => !isContainer(e.layer) && e.layer.trainableWeights.length > 0);
  if (names === undefined) return weighted.reverse();
  const chosen = names.map((name) => findLayer(model, name));
  for (const entry of chosen) {
    if (!weighted.some((e) => e.layer === entry.layer))
      throw new CamlabError(
        `Layer '${entry.path}' has no trainable weights to randomise. Layers with weights: ${weighted.map((e) => e.path).join(', ')}.`,
      );
  }
  return weighted.filter((e) => chosen.some((c) => c.layer === e.layer)).reverse();
}

async function randomise(entry: LayerEntry, random: Random): Promise<void> {
  for (const variable of entry.layer.trainableWeights) {
    const values = (await variable.read().data()) as Float32Array;
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    const noise = random.fillTruncatedNormal(new Float32Array(values.length), std || 1e-3, 2).map((v) => v + mean);
    const replacement = tf.tensor(noise, variable.shape as number[]);
    variable.write(replacement);
    replacement.dispose();
  }
}

async function topClass(model: tf.LayersModel, image: tf.Tensor3D): Promise<number> {
  const best = tf.tidy(() => {
    const output = model.predict(inputFor(image, model)) as tf.Tensor;
    return tf.argMax(tf.reshape(output, [1, -1]), 1);
  });
  const [index] = await best.data();
  best.dispose();
  // A single sigmoid unit is two classes: class 1 when its probability is above one half.
  const head = modelHead(model);
  if (head.binary) {
    const p = tf.tidy(() => classProbabilities(model, head, inputFor(image, model), 1));
    const [one] = await p.data();
    p.dispose();
    return one > 0.5 ? 1 : 0;
  }
  return index;
}
