import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { assertImages } from '../image/validate';
import { modelInputSize, toModelInput, visibleRegion, type ModelInputOptions } from '../image/model-input';
import { findCamHead } from '../model/inspect';
import { findLayer, flattenLayers, isContainer, isFourD, outputShapeOf, type LayerEntry } from '../model/layers';
import { ProgressBar } from '../progress';
import { checkMethodOptions } from '../validate';
import { assertLayersFit, hasOpenInputSize } from '../model/shapes';
import { toHeatmaps } from './core';
import { gatherEvidence, type Evidence } from './gradients';
import { scoreReader, probedForward } from '../model/probe';
import { resolveTargets } from './targets';
import type { CamResult, ClassTargets } from './types';
import { labelOf } from './label';
import type { CamMethod, MapContext } from './methods/method';

export interface MethodOptions extends ClassTargets, ModelInputOptions {
  /** Any layer with a 4-D output, by name or nested path. Default: the layer that feeds GAP, else the last 4-D layer. */
  layer?: string;
  /** Explain the class score before the softmax (default, as the papers do) or the probability after it. */
  score?: 'logit' | 'probability';
  /** Channels per forward pass for Score-CAM (default 32). */
  batchSize?: number;
  /** Show a progress bar on stderr for Score-CAM over large layers (default: when it has over 256 channels). */
  progress?: boolean;
}

/**
 * Runs one method of the family on an image or a batch: the same options and results as
 * classActivationMap, at any convolutional layer, on models with or without GAP.
 */
export async function runMethod(method: CamMethod, model: tf.LayersModel, images: tf.Tensor3D | tf.Tensor4D, options: MethodOptions = {}): Promise<CamResult[]> {
  await ready();
  checkMethodOptions(options, method.name);
  assertImages(images);
  const target = targetLayer(model, options.layer);
  const reader = scoreReader(model, options.score);
  const [height, width] = images.rank === 3 ? images.shape : images.shape.slice(1);
  const numImages = images.rank === 3 ? 1 : images.shape[0];
  const size = modelInputSize(model, { image: { height, width }, inputSize: options.inputSize });
  if (hasOpenInputSize(model)) assertLayersFit(model, size);
  const input = toModelInput(images, size, options);
  const region = visibleRegion(height, width, size, options.fit);
  const numClasses = reader.binary ? 2 : model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 0;
  const toDispose: tf.Tensor[] = [input];
  try {
    // The default (each image's top class) with a gradient method needs one forward and one backward pass.
    const topOneInPass = method.needsGradients && options.classIndex === undefined && (options.topK ?? 1) === 1;
    const first = gatherEvidence(model, input, target.layer, reader, topOneInPass ? 'top1' : undefined);
    toDispose.push(...evidenceTensors(first));
    checkFinite(first.activations, target);
    const [scoreValues, outputValues] = [await first.scores.data<'float32'>(), await first.output.data<'float32'>()];
    const targets = resolveTargets(options, scoreValues, numClasses, numImages);
    const results: CamResult[] = [];
    const ranks = Math.max(...targets.map((t) => t.length));
    for (let rank = 0; rank < ranks; rank++) {
      let evidence: Evidence = first;
      if (method.needsGradients && !topOneInPass) {
        const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(targets.map((t) => t[rank]), 'int32'), numClasses).toFloat() as tf.Tensor2D);
        evidence = gatherEvidence(model, input, target.layer, reader, oneHot);
        toDispose.push(oneHot, ...evidenceTensors(evidence));
      }
      for (let i = 0; i < numImages; i++) {
        const classIndex = targets[i][rank];
        const raw = await methodMap(method, contextFor(model, reader, evidence, input, i, classIndex, options));
        const [pair] = await toHeatmaps(tf.expandDims(raw, 0) as tf.Tensor3D, { width, height }, { relu: !method.keepsNegative, region });
        raw.dispose();
        const flat = i * numClasses + classIndex;
        results.push({ imageIndex: i, classIndex, ...labelOf(model, classIndex), score: outputValues[flat], logit: scoreValues[flat], ...pair, layer: target.path, method: method.name });
      }
    }
    return results.sort((a, b) => a.imageIndex - b.imageIndex);
  } finally {
    tf.dispose(toDispose);
  }
}

function evidenceTensors(evidence: Evidence): tf.Tensor[] {
  return [evidence.activations, evidence.scores, evidence.output, ...(evidence.gradients ? [evidence.gradients] : [])];
}

async function methodMap(method: CamMethod, context: MapContext): Promise<tf.Tensor2D> {
  try {
    return method.managesMemory ? await method.map(context) : tf.tidy(() => method.map(context) as tf.Tensor2D);
  } finally {
    tf.dispose([context.activations, context.input, ...(context.gradients ? [context.gradients] : [])]);
  }
}

/** One image's slice of the evidence; methodMap releases the slices. */
function contextFor(model: tf.LayersModel, reader: ReturnType<typeof scoreReader>, evidence: Evidence, input: tf.Tensor4D, i: number, classIndex: number, options: MethodOptions): MapContext {
  const slice = (t: tf.Tensor4D) => tf.tidy(() => tf.squeeze(tf.slice(t, i, 1), [0]) as tf.Tensor3D);
  const activations = slice(evidence.activations);
  const channels = activations.shape[2];
  const bar = (options.progress ?? channels > 256) ? new ProgressBar(channels, `Score-CAM image ${i + 1}`) : undefined;
  return {
    model,
    activations,
    gradients: evidence.gradients ? slice(evidence.gradients) : undefined,
    classIndex,
    input: tf.slice(input, i, 1) as tf.Tensor4D,
    batchSize: options.batchSize ?? 32,
    scoreBatch: (batch) =>
      tf.tidy(() => {
        const probed = probedForward(model, batch, undefined, reader);
        const scores = tf.squeeze(tf.slice(probed.scores, [0, classIndex], [-1, 1]), [1]) as tf.Tensor1D;
        probed.scores.dispose(); // kept by the probe; the rest goes with this tidy
        return scores;
      }),
    progress: bar && ((done) => bar.update(done, 'channels')),
  };
}

/** The layer to explain: the one named (4-D output required), else the one feeding GAP, else the last 4-D layer. */
export function targetLayer(model: tf.LayersModel, name: string | undefined): LayerEntry {
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
  try {
    return findCamHead(model).feature;
  } catch {
    const last = fourD[fourD.length - 1];
    if (!last) throw new CamlabError('The model has no layer with a 4-D output (feature maps) to explain.');
    return last;
  }
}

function checkFinite(activations: tf.Tensor, target: LayerEntry): void {
  const bad = tf.tidy(() => tf.sum(tf.logicalNot(tf.isFinite(activations)).toInt()).dataSync()[0]);
  if (bad > 0) {
    throw new CamlabError(
      `The activations of '${target.path}' hold ${bad} NaN or infinite value(s); a map drawn from them would be meaningless. ` +
        `Check the input values and the model's preprocessing.`,
    );
  }
}
