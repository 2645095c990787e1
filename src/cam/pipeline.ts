// The CAM family's one pipeline, read top to bottom (pytorch-grad-cam's BaseCAM in TypeScript):
//   1. resolve: the layer, the model's head, the options and the input size, before any tensor exists;
//   2. evidence: one forward pass, and one backward pass for gradient methods (evidence.ts);
//   3. weights and maps: the method's own step (methods/*.ts), e.g. M_c = Σ_k w_k^c f_k, for every
//      image × class at once, and one read to the host;
//   4. assembly: one result per image × class, its heat map placed on the image as given.
// Each public function (classActivationMap, gradCam, …, explain) checks its options and images once,
// then runs `runChecked`.
import { displayable } from '../display';
import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { assertFinite, assertImages } from '../image/validate';
import { modelInput, modelInputSize, visibleRegion, type InputSize } from '../image/model-input';
import { heatmapOverImage } from '../image/place';
import { normalizeHeatmap, type Heatmap } from '../image/heatmap';
import { classifierKernel, modelHead, scoreSource, type ModelHead } from '../model/head';
import { explainedLayer } from '../model/explained-layer';
import type { LayerEntry } from '../model/layers';
import { probedForward } from '../model/probe';
import { defaultPreprocessing, modelNetwork } from '../model/metadata';
import { inputRangeProblem } from '../model/networks';
import { warnOnce } from '../warnings';
import { assertLayersFit, hasOpenInputSize } from '../model/shapes';
import { ProgressBar } from '../progress';
import { checkMethodOptions } from '../validate';
import { firstPrincipalComponent } from './core';
import { forwardEvidence, gradientEvidence, type Evidence, type Pass } from './evidence';
import { labelOf } from './label';
import { ablationBatch, resolveOptions, SCORE_CAM_BATCH, type MethodOptions, type ResolvedOptions } from './options';
import type { CamMethod, LayerScorer, MethodInput, Scorer } from './methods/method';
import type { CamResult } from './types';
import { repeatRows } from '../fast-ops';

export type Images = tf.Tensor3D | tf.Tensor4D;

/** A method's public entry: the backend, then the options and the images checked once, then the pipeline. */
export async function runMethod(
  method: CamMethod,
  model: tf.LayersModel,
  images: Images,
  options: MethodOptions = {},
): Promise<CamResult[]> {
  await ready();
  checkMethodOptions(options, method.name);
  assertImages(images);
  return runChecked(method, model, images, options);
}

/** The pipeline, for options and images their entry has checked. */
export async function runChecked(method: CamMethod, model: tf.LayersModel, images: Images, options: MethodOptions): Promise<CamResult[]> {
  const explainer = resolve(method, model, options, imageSize(images));
  const values = await mapsOf(explainer, images);
  const results = assemble(explainer, values, images);
  return explainer.options.augSmooth ? augmentationSmoothed(explainer, images, values, results) : results;
}

// ─── 1. Resolve ──────────────────────────────────────────────────────────────────────────────────

/** Everything about the model, the layer and the options: what a call's tensors run through. */
interface Explainer {
  model: tf.LayersModel;
  method: CamMethod;
  layer: LayerEntry;
  head: ModelHead;
  options: ResolvedOptions;
  inputSize: InputSize;
  pass: Pass;
}

/**
 * Resolved before any tensor is made. A model whose input size is open runs at `inputSize`, else at
 * the size of the images, if its layers fit there.
 */
function resolve(method: CamMethod, model: tf.LayersModel, options: MethodOptions, image: { height: number; width: number }): Explainer {
  const head = modelHead(model);
  const resolved = resolveOptions(options, head, defaultPreprocessing(model));
  const layer = explainedLayer(model, options.layer);
  const inputSize = modelInputSize(model, { image, inputSize: resolved.inputSize });
  if (hasOpenInputSize(model)) assertLayersFit(model, inputSize);
  const pass: Pass = {
    model,
    head,
    layer: layer.layer,
    scores: scoreSource(head, resolved.score),
    classes: resolved.classes,
    ranks: resolved.ranks,
  };
  return { model, method, layer, head, options: resolved, inputSize, pass };
}

function imageSize(images: Images): { height: number; width: number } {
  const [height, width] = images.shape.slice(-3, -1);
  return { height, width };
}

// ─── 2 and 3. Evidence, weights, maps ────────────────────────────────────────────────────────────

/** What one batch gives: the method's maps, the rows' classes and scores, read in one piece. */
interface BatchValues {
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
async function mapsOf(explainer: Explainer, images: Images, augment?: Augmentation): Promise<BatchValues> {
  const { options } = explainer;
  assertFinite(images);
  const numImages = images.rank === 3 ? 1 : images.shape[0];
  const m = numImages * options.ranks;
  let [mapHeight, mapWidth] = [0, 0];
  const packed = tf.tidy(() => {
    const input = augment
      ? augmented(modelInput(images, explainer.inputSize, options), augment)
      : modelInput(images, explainer.inputSize, options);
    const { evidence, maps } = weighAndMap(explainer, input);
    [, mapHeight, mapWidth] = maps.shape;
    const nonFinite = tf.sum(tf.cast(tf.logicalNot(tf.isFinite(evidence.activations)), 'float32'));
    const range = tf.stack([tf.min(input), tf.max(input)]);
    return tf.concat([
      tf.reshape(maps, [-1]),
      tf.cast(evidence.classes, 'float32'),
      evidence.scores,
      evidence.probabilities,
      range,
      tf.reshape(nonFinite, [1]),
    ]);
  });
  const values = await packed.data<'float32'>();
  packed.dispose();
  const bad = values[values.length - 1];
  if (!augment) warnAboutInputRange(explainer, values[values.length - 3], values[values.length - 2]); // the plain pass speaks for the image
  if (bad > 0) {
    throw new CamlabError(
      `The activations of '${explainer.layer.path}' hold ${bad} NaN or infinite value(s); a map drawn from them would be meaningless. ` +
        `Check the input values and the model's preprocessing.`,
    );
  }
  const size = mapHeight * mapWidth;
  const part = (from: number, length: number) => values.subarray(from, from + length);
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

/** A recognised network whose input does not span what its preprocessing gives: said once on stderr. */
function warnAboutInputRange(explainer: Explainer, min: number, max: number): void {
  const network = modelNetwork(explainer.model);
  const problem = network && inputRangeProblem(network, min, max);
  if (problem) warnOnce(`input-range:${explainer.model.name}`, problem);
}

/**
 * The pass the method needs, then its maps: the sum of its weighted activations, or with eigenSmooth
 * their first principal component. Call inside tf.tidy.
 */
function weighAndMap(explainer: Explainer, input: tf.Tensor4D): { evidence: Evidence; maps: tf.Tensor3D } {
  const { method, pass } = explainer;
  const smooth = explainer.options.eigenSmooth;
  if (method.needsGradients) {
    const evidence = gradientEvidence(pass, input);
    const given = { ...methodInput(explainer, input, evidence), gradients: evidence.gradients };
    return { evidence, maps: smooth && method.terms ? firstPrincipalComponent(method.terms(given)) : method.map(given) };
  }
  const evidence = forwardEvidence(pass, input);
  const given = methodInput(explainer, input, evidence);
  return { evidence, maps: smooth && method.terms ? firstPrincipalComponent(method.terms(given)) : method.map(given) };
}

/** The rows a method works on: each image's activations once per rank of classes. */
function methodInput(explainer: Explainer, input: tf.Tensor4D, evidence: Evidence): MethodInput {
  return {
    activations: repeatRows(evidence.activations, explainer.options.ranks),
    classes: evidence.classes,
    scores: evidence.scores,
    classifierKernel: () => classifierKernel(explainer.model),
    scorer: () => scorer(explainer, input, evidence.activations.shape[3]),
    layerScorer: () => layerScorer(explainer, input, evidence.activations),
  };
}

/**
 * Class scores of each image with its activations at the layer changed, ablationBatch variants per pass:
 * the probe adds the change to the layer's output, repeated once per variant (model/probe.ts).
 */
function layerScorer(explainer: Explainer, inputs: tf.Tensor4D, activations: tf.Tensor4D): LayerScorer {
  const { model, head, pass, options } = explainer;
  const showProgress = options.progress ?? activations.shape[3] > 256;
  return {
    numImages: inputs.shape[0],
    scoreShifted: (image, count, shift) => {
      const input = tf.slice(inputs, image, 1);
      const own = tf.slice(activations, image, 1);
      const bar = showProgress ? new ProgressBar(count, `Ablation-CAM image ${image + 1}`) : undefined;
      const chunks: tf.Tensor2D[] = [];
      const batch = ablationBatch(own.size, options.batchSize);
      for (let start = 0; start < count; start += batch) {
        const size = Math.min(batch, count - start);
        chunks.push(
          tf.tidy(() => {
            const probed = probedForward(model, head, input, {
              layer: pass.layer,
              scores: pass.scores,
              shift: shift(own, start, size),
              replicas: size,
            });
            const scores = tf.clone(probed.scores);
            tf.dispose([probed.activations, probed.scores, probed.output]);
            return scores;
          }),
        );
        bar?.update(start + size, 'channels');
      }
      return tf.concat(chunks);
    },
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
      const batch = options.batchSize ?? SCORE_CAM_BATCH;
      for (let start = 0; start < count; start += batch) {
        const size = Math.min(batch, count - start);
        chunks.push(
          tf.tidy(() => {
            const probed = probedForward(model, head, make(input, start, size), { scores: pass.scores });
            const scores = tf.clone(probed.scores);
            tf.dispose([probed.scores, probed.output]);
            return scores;
          }),
        );
        bar?.update(start + size, 'channels');
      }
      return tf.concat(chunks);
    },
  };
}

// ─── Augmentation smoothing ──────────────────────────────────────────────────────────────────────

/** One test-time augmentation: the model input flipped left–right or not, times a brightness factor. */
interface Augmentation {
  flip: boolean;
  factor: number;
}

/** pytorch-grad-cam's aug_smooth (ttach): HorizontalFlip × Multiply(0.9, 1, 1.1); the first is the identity. */
const AUGMENTATIONS: Augmentation[] = [false, true].flatMap((flip) => [1, 0.9, 1.1].map((factor) => ({ flip, factor })));

function augmented(input: tf.Tensor4D, { flip, factor }: Augmentation): tf.Tensor4D {
  const scaled = factor === 1 ? input : tf.mul(input, factor);
  return (flip ? tf.reverse(scaled, 2) : scaled) as tf.Tensor4D;
}

/**
 * The mean of each result's maps over the augmentations, each flipped back first: the heat maps at the
 * image's size (then scaled again to 0..1), the raw maps at the layer's. Every pass explains the classes
 * the plain pass chose; scores and probabilities are the plain pass's.
 */
async function augmentationSmoothed(explainer: Explainer, images: Images, plain: BatchValues, results: CamResult[]): Promise<CamResult[]> {
  const fixed: Explainer = { ...explainer, pass: { ...explainer.pass, classes: { rows: Array.from(plain.classes) } } };
  const heat = results.map((r) => Float64Array.from(r.heatmap.data));
  const raw = results.map((r) => Float64Array.from(r.raw.data));
  for (const augmentation of AUGMENTATIONS.slice(1)) {
    const variant = assemble(fixed, await mapsOf(fixed, images, augmentation), images);
    variant.forEach((r, i) => {
      addFlippedBack(heat[i], r.heatmap, augmentation.flip);
      addFlippedBack(raw[i], r.raw, augmentation.flip);
    });
  }
  const count = AUGMENTATIONS.length;
  return results.map((r, i) => ({
    ...r,
    raw: { ...r.raw, data: Float32Array.from(raw[i], (v) => v / count) },
    heatmap: normalizeHeatmap({ ...r.heatmap, data: Float32Array.from(heat[i], (v) => v / count) }),
  }));
}

function addFlippedBack(sum: Float64Array, map: Heatmap, flip: boolean): void {
  const { width, height, data } = map;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sum[y * width + x] += data[y * width + (flip ? width - 1 - x : x)];
}

// ─── 4. Assembly ─────────────────────────────────────────────────────────────────────────────────

/**
 * One result per image × class, images first, each image's classes in rank order. The heat map is the
 * raw map (ReLU'd, except for methods that keep negative evidence) over the part of the image the model saw.
 * Each result, and the list, draws itself in a notebook over the caller's images (read when drawn, if
 * not disposed by then).
 */
function assemble(explainer: Explainer, values: BatchValues, images: Images): CamResult[] {
  const { height, width } = imageSize(images);
  const region = visibleRegion(height, width, explainer.inputSize, explainer.options.fit);
  const { numImages, ranks, mapHeight, mapWidth } = values;
  const cells = mapHeight * mapWidth;
  const results: CamResult[] = [];
  for (let imageIndex = 0; imageIndex < numImages; imageIndex++) {
    for (let rank = 0; rank < ranks; rank++) {
      const row = rank * numImages + imageIndex;
      const classIndex = values.classes[row];
      const raw = { width: mapWidth, height: mapHeight, data: values.maps.slice(row * cells, (row + 1) * cells) };
      const shown = explainer.method.keepsNegative ? raw : { ...raw, data: raw.data.map((v) => Math.max(0, v)) };
      results.push(
        displayable(
          {
            imageIndex,
            classIndex,
            ...labelOf(explainer.model, classIndex),
            score: values.probabilities[row],
            logit: values.scores[row],
            raw,
            heatmap: heatmapOverImage(shown, { width, height }, region),
            region,
            layer: explainer.layer.path,
            method: explainer.method.name,
            preprocess: explainer.options.preprocess,
          },
          'cam-result',
          { images },
        ),
      );
    }
  }
  return displayable(results, 'cam-results', { images });
}
