// An explainer is resolved once per (model, method, options), like pytorch-grad-cam's BaseCAM
// constructor: the explained layer, the model's head, where scores are read, the input size and the
// options. Running it on a batch is one pass through the model (evidence.ts), the method's maps for
// every image × class at once, and one read of the results.
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { modelInputSize, toModelInput, type InputSize } from '../image/model-input';
import { classifierKernel, modelHead, scoreSource, type ModelHead } from '../model/head';
import { findLayer, flattenLayers, isContainer, isFourD, outputShapeOf, type LayerEntry } from '../model/layers';
import { probedForward } from '../model/probe';
import { assertLayersFit, hasOpenInputSize } from '../model/shapes';
import { ProgressBar } from '../progress';
import { collectEvidence, type Pass } from './evidence';
import { resolveOptions, type MethodOptions, type ResolvedOptions } from './options';
import type { CamMethod, Scorer } from './methods/method';

export interface Explainer {
  model: tf.LayersModel;
  method: CamMethod;
  layer: LayerEntry;
  head: ModelHead;
  options: ResolvedOptions;
  inputSize: InputSize;
  pass: Pass;
}

/**
 * Everything about the model, the layer and the options, resolved before any tensor is made. A model
 * whose input size is open runs at `inputSize`, else at the size of the images (`image`), if its
 * layers fit there.
 */
export function createExplainer(method: CamMethod, model: tf.LayersModel, options: MethodOptions = {}, image?: { height: number; width: number }): Explainer {
  const head = modelHead(model);
  const resolved = resolveOptions(options, head, method.name);
  const layer = explainedLayer(model, options.layer);
  const inputSize = modelInputSize(model, { image, inputSize: resolved.inputSize });
  if (hasOpenInputSize(model)) assertLayersFit(model, inputSize);
  const pass: Pass = { model, head, layer: layer.layer, scores: scoreSource(head, resolved.score), classes: resolved.classes, ranks: resolved.ranks };
  return { model, method, layer, head, options: resolved, inputSize, pass };
}

/** What one batch gives: the method's maps, the rows' classes and scores, read in one piece. */
export interface BatchValues {
  numImages: number;
  ranks: number;
  mapHeight: number;
  mapWidth: number;
  /** Maps [m, h, w], row r·n + i for image i's class of rank r. */
  maps: Float32Array;
  classes: Float32Array;
  scores: Float32Array;
  probabilities: Float32Array;
}

/** One forward pass (and one backward pass for gradient methods), the maps of every row, one read. */
export async function explainBatch(explainer: Explainer, images: tf.Tensor3D | tf.Tensor4D): Promise<BatchValues> {
  const { method, options } = explainer;
  const numImages = images.rank === 3 ? 1 : images.shape[0];
  const m = numImages * options.ranks;
  let [mapHeight, mapWidth] = [0, 0];
  const packed = tf.tidy(() => {
    const input = toModelInput(images, explainer.inputSize, options);
    const evidence = collectEvidence(explainer.pass, input, method.needsGradients);
    const activations = tf.tile(evidence.activations, [options.ranks, 1, 1, 1]) as tf.Tensor4D;
    const maps = method.map({
      activations,
      gradients: evidence.gradients,
      classes: evidence.classes,
      classifierKernel: () => classifierKernel(explainer.model),
      scorer: () => scorer(explainer, input, evidence.activations.shape[3]),
    });
    [, mapHeight, mapWidth] = maps.shape;
    const nonFinite = tf.sum(tf.cast(tf.logicalNot(tf.isFinite(evidence.activations)), 'float32'));
    return tf.concat([tf.reshape(maps, [-1]), tf.cast(evidence.classes, 'float32'), evidence.scores, evidence.probabilities, tf.reshape(nonFinite, [1])]);
  });
  const values = await packed.data<'float32'>();
  packed.dispose();
  const size = mapHeight * mapWidth;
  const part = (from: number, length: number) => values.subarray(from, from + length);
  const bad = values[values.length - 1];
  if (bad > 0) {
    throw new CamlabError(
      `The activations of '${explainer.layer.path}' hold ${bad} NaN or infinite value(s); a map drawn from them would be meaningless. ` +
        `Check the input values and the model's preprocessing.`,
    );
  }
  return {
    numImages,
    ranks: options.ranks,
    mapHeight,
    mapWidth,
    maps: part(0, m * size),
    classes: part(m * size, m),
    scores: part(m * size + m, m),
    probabilities: part(m * size + 2 * m, m),
  };
}

/** Class scores of many variants of each image, `batchSize` inputs per forward pass, with a progress bar on large layers. */
function scorer(explainer: Explainer, inputs: tf.Tensor4D, channels: number): Scorer {
  const { model, head, pass, options } = explainer;
  const showProgress = options.progress ?? channels > 256;
  return {
    numImages: inputs.shape[0],
    scoreVariants: (image, count, make) => {
      const input = tf.slice(inputs, image, 1);
      const bar = showProgress ? new ProgressBar(count, `Score-CAM image ${image + 1}`) : undefined;
      const chunks: tf.Tensor2D[] = [];
      for (let start = 0; start < count; start += options.batchSize) {
        const size = Math.min(options.batchSize, count - start);
        chunks.push(tf.tidy(() => {
          const probed = probedForward(model, head, make(input, start, size), { scores: pass.scores });
          const scores = tf.clone(probed.scores);
          tf.dispose([probed.scores, probed.output]);
          return scores;
        }));
        bar?.update(start + size, 'channels');
      }
      return tf.concat(chunks);
    },
  };
}

/** The layer to explain: the one named (4-D output required), else the one feeding GAP, else the last 4-D layer. */
export function explainedLayer(model: tf.LayersModel, name: string | undefined): LayerEntry {
  const fourD = flattenLayers(model).filter((e) => !isContainer(e.layer) && isFourD(e.layer));
  if (name !== undefined) {
    const entry = findLayer(model, name);
    if (!isFourD(entry.layer)) {
      const shape = outputShapeOf(entry.layer);
      throw new CamlabError(
        `Layer '${entry.path}' outputs [${shape?.map((d) => d ?? 'n').join(', ') ?? 'several tensors'}], not feature maps [n, h, w, channels]. ` +
          `Layers with feature maps: ${fourD.map((e) => e.path).join(', ')}.`,
      );
    }
    return entry;
  }
  const feature = modelHead(model).cam?.feature;
  if (feature) return feature;
  const last = fourD[fourD.length - 1];
  if (!last) throw new CamlabError('The model has no layer with a 4-D output (feature maps) to explain.');
  return last;
}
