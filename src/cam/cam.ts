import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { assertImages } from '../image/validate';
import { modelInputSize, toModelInput, visibleRegion, type ModelInputOptions } from '../image/model-input';
import { findCamHead, type CamHead } from '../model/inspect';
import { gatherEvidence } from './gradients';
import { scoreReader } from '../model/probe';
import { findLayer, outputShapeOf } from '../model/layers';
import { resolveTargets } from './targets';
import { toHeatmaps, weightedSum } from './core';
import type { CamResult, ClassTargets } from './types';
import { labelOf } from './label';

export interface CamOptions extends ClassTargets, ModelInputOptions {
  /** The feature layer, by name or nested path. CAM is defined only at the layer that feeds GAP. */
  layer?: string;
}

/**
 * Class Activation Maps (Zhou et al. 2016): M_c = Σ_k w_k^c f_k, where f_k are the feature maps
 * that global average pooling reduces and w^c the classifier's weights for class c. The logits and
 * probabilities come from the same forward pass, so mean(M_c) + b_c = logit_c checks the model itself.
 * Takes one image [h, w, c] or a batch [n, h, w, c] (values as the model expects, any size: each is
 * stretched to the model's input) and returns one result per image × class, images first.
 * Heat maps come back at the size of the images given. No tensor is left behind.
 *
 * @example const [top] = await classActivationMap(model, image); // the most probable class
 * @example const maps = await classActivationMap(model, batch, { topK: 3 });
 */
export async function classActivationMap(model: tf.LayersModel, images: tf.Tensor3D | tf.Tensor4D, options: CamOptions = {}): Promise<CamResult[]> {
  await ready();
  assertImages(images);
  const head = findCamHead(model);
  if (options.layer !== undefined) checkLayer(model, head, options.layer);
  const [height, width] = images.rank === 3 ? images.shape : images.shape.slice(1);
  const numImages = images.rank === 3 ? 1 : images.shape[0];
  // One forward pass of the whole model gives the feature maps, the logits and the probabilities.
  const input = toModelInput(images, modelInputSize(model), options);
  let evidence: ReturnType<typeof gatherEvidence>;
  try {
    evidence = gatherEvidence(model, input, head.feature.layer, scoreReader(model));
  } finally {
    input.dispose();
  }
  const { activations: features, scores: logits, output: scores } = evidence;
  const [kernel, bias] = classifierWeights(head);
  const numClasses = kernel.shape[1];
  try {
    const [logitValues, scoreValues] = [await logits.data<'float32'>(), await scores.data<'float32'>()];
    const targets = resolveTargets(options, scoreValues, numClasses, numImages);
    const results: CamResult[] = [];
    for (const [imageIndex, classes] of targets.entries()) {
      const maps = tf.tidy(() => {
        const columns = tf.gather(kernel, classes, 1) as tf.Tensor2D;
        return weightedSum(tf.squeeze(tf.slice(features, imageIndex, 1), [0]) as tf.Tensor3D, columns);
      });
      const pairs = await toHeatmaps(maps, { width, height }, { region: visibleRegion(height, width, modelInputSize(model), options.fit) });
      classes.forEach((classIndex, j) => {
        const flat = imageIndex * numClasses + classIndex;
        results.push({ imageIndex, classIndex, ...labelOf(model, classIndex), score: scoreValues[flat], logit: logitValues[flat], ...pairs[j], layer: head.feature.path });
      });
    }
    return results;
  } finally {
    tf.dispose([features, logits, scores, kernel, ...(bias ? [bias] : [])]);
  }
}

function checkLayer(model: tf.LayersModel, head: CamHead, layer: string): void {
  const entry = findLayer(model, layer);
  if (entry.layer === head.feature.layer) return;
  const shape = outputShapeOf(entry.layer);
  if (shape?.length !== 4) {
    throw new CamlabError(
      `Layer '${entry.path}' outputs [${shape?.map((d) => d ?? 'n').join(', ') ?? 'several tensors'}], not a 4-D feature map [n, h, w, channels]; ` +
        `maps are made from convolutional layers such as '${head.feature.path}'.`,
    );
  }
  throw new CamlabError(
    `CAM is defined only at '${head.feature.path}', the layer that feeds global average pooling ('${head.pooling.path}'); ` +
      `'${layer}' is another layer. Use Grad-CAM (or another gradient method) to explain other layers.`,
  );
}

/**
 * The classifier's kernel [K, classes] and bias. A single sigmoid unit is read as two classes, 0 with
 * −w and −b and 1 with w and b, so that σ(−z) and σ(z) are their probabilities. The caller disposes.
 */
function classifierWeights(head: CamHead): [tf.Tensor2D, tf.Tensor1D | undefined] {
  const [weights, bias] = head.classifier.layer.getWeights() as [tf.Tensor, tf.Tensor1D | undefined];
  return tf.tidy(() => {
    // A 1×1 convolution's kernel [1, 1, K, C] is a dense kernel [K, C].
    const kernel = tf.reshape(weights, [-1, weights.shape[weights.rank - 1]]) as tf.Tensor2D;
    if (head.activation === 'sigmoid' && kernel.shape[1] === 1) {
      return [tf.concat([tf.neg(kernel), kernel], 1), bias && tf.concat([tf.neg(bias), bias])];
    }
    return [kernel, bias && tf.clone(bias)];
  });
}
