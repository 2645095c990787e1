import type { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { assertImages } from '../image/validate';
import type { ModelInputOptions } from '../image/model-input';
import { camHead } from '../model/head';
import { camRefusalAt } from '../model/explained-layer';
import { checkMethodOptions } from '../validate';
import { camMethod } from './methods/cam';
import { runChecked } from './pipeline';
import type { CamResult, ClassTargets } from './types';

export interface CamOptions extends ClassTargets, ModelInputOptions {
  /** The feature layer, by name or nested path. CAM is defined only at the layer that feeds GAP. */
  layer?: string;
}

/**
 * Class Activation Maps (Zhou et al. 2016): M_c = Σ_k w_k^c f_k, where f_k are the feature maps
 * that global average pooling reduces and w^c the classifier's weights for class c. The logits and
 * probabilities come from the same forward pass, so mean(M_c) + b_c = logit_c checks the model itself.
 * The same pipeline as the gradient methods (cam/pipeline.ts), with the classifier's weights.
 * Takes one image [h, w, c] or a batch [n, h, w, c] (values as the model expects, any size: each is
 * stretched to the model's input) and returns one result per image × class, images first.
 * Heat maps come back at the size of the images given. No tensor is left behind.
 *
 * @example const [top] = await classActivationMap(model, image); // the most probable class
 * @example const maps = await classActivationMap(model, batch, { topK: 3 });
 */
export async function classActivationMap(
  model: tf.LayersModel,
  images: tf.Tensor3D | tf.Tensor4D,
  options: CamOptions = {},
): Promise<CamResult[]> {
  await ready();
  checkMethodOptions(options, 'classActivationMap');
  assertImages(images);
  return runChecked(camMethod, model, images, atCamLayer(model, options));
}

/** The options at CAM's layer, the one that feeds GAP, or a CamlabError saying why CAM is not defined there. */
export function atCamLayer<T extends { layer?: string }>(model: tf.LayersModel, options: T): T & { layer: string } {
  const refusal = camRefusalAt(model, options.layer);
  if (refusal?.reason === 'no-cam-head') throw new CamlabError(refusal.problem);
  if (refusal) {
    const { cam } = refusal;
    throw new CamlabError(
      `CAM is defined only at '${cam.feature.path}', the layer that feeds global average pooling ('${cam.pooling.path}'); ` +
        `'${options.layer}' is another layer. Use Grad-CAM (or another gradient method) to explain other layers.`,
    );
  }
  return { ...options, layer: camHead(model).feature.path };
}
