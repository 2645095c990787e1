import { tf } from '../tf';
import { ready } from '../backend';
import { assertImages } from '../image/validate';
import { visibleRegion } from '../image/model-input';
import { toHeatmap } from './core';
import { createExplainer, explainBatch, type BatchValues, type Explainer } from './explainer';
import { labelOf } from './label';
import type { CamMethod } from './methods/method';
import type { CamResult } from './types';

export type { MethodOptions } from './options';
import type { MethodOptions } from './options';

/**
 * Runs one method of the family on an image or a batch: the same options and results as
 * classActivationMap, at any convolutional layer, on models with or without GAP.
 * Resolve (model, layer, options), run (one pass, one read), assemble (one result per image × class).
 */
export async function runMethod(method: CamMethod, model: tf.LayersModel, images: tf.Tensor3D | tf.Tensor4D, options: MethodOptions = {}): Promise<CamResult[]> {
  await ready();
  assertImages(images);
  const [height, width] = images.shape.slice(-3, -1);
  const explainer = createExplainer(method, model, options, { height, width });
  const values = await explainBatch(explainer, images);
  return assemble(explainer, values, images);
}

/** One result per image × class, images first, each image's classes in rank order. */
function assemble(explainer: Explainer, values: BatchValues, images: tf.Tensor3D | tf.Tensor4D): CamResult[] {
  const [height, width] = images.rank === 3 ? images.shape : images.shape.slice(1);
  const region = visibleRegion(height, width, explainer.inputSize, explainer.options.fit);
  const { numImages, ranks, mapHeight, mapWidth } = values;
  const cells = mapHeight * mapWidth;
  const results: CamResult[] = [];
  for (let imageIndex = 0; imageIndex < numImages; imageIndex++) {
    for (let rank = 0; rank < ranks; rank++) {
      const row = rank * numImages + imageIndex;
      const classIndex = values.classes[row];
      const raw = { width: mapWidth, height: mapHeight, data: values.maps.slice(row * cells, (row + 1) * cells) };
      const maps = toHeatmap(raw, { width, height }, region, !explainer.method.keepsNegative);
      results.push({
        imageIndex,
        classIndex,
        ...labelOf(explainer.model, classIndex),
        score: values.probabilities[row],
        logit: values.scores[row],
        ...maps,
        layer: explainer.layer.path,
        method: explainer.method.name,
      });
    }
  }
  return results;
}
