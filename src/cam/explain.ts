import type { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { assertImages } from '../image/validate';
import { camRefusalAt } from '../model/explained-layer';
import { atCamLayer } from './class-activation-map';
import type { MethodOptions } from './options';
import { runChecked, runMethod, type Images } from './pipeline';
import { eigenCamMethod } from './methods/eigencam';
import { gradCamMethod } from './methods/gradcam';
import { gradCamPlusPlusMethod } from './methods/gradcam-plus-plus';
import { hiResCamMethod } from './methods/hirescam';
import { layerCamMethod } from './methods/layercam';
import type { CamMethod, MethodName } from './methods/method';
import { camMethod } from './methods/cam';
import { scoreCamMethod } from './methods/scorecam';
import { xGradCamMethod } from './methods/xgradcam';
import { ablationCamMethod } from './methods/ablationcam';
import { eigenGradCamMethod } from './methods/eigengradcam';
import type { CamResult } from './types';
import { checkMethodOptions } from '../validate';

const FAMILY: CamMethod[] = [
  gradCamMethod,
  gradCamPlusPlusMethod,
  scoreCamMethod,
  layerCamMethod,
  hiResCamMethod,
  eigenCamMethod,
  xGradCamMethod,
  ablationCamMethod,
  eigenGradCamMethod,
];

/** Every method with a one-line description, CAM first. */
export const methods: { name: MethodName; description: string; needsGradients: boolean }[] = [camMethod, ...FAMILY].map(
  ({ name, description, needsGradients }) => ({
    name,
    description,
    needsGradients,
  }),
);

/** Grad-CAM at any convolutional layer. @example const [r] = await gradCam(model, image, { layer: 'block2_conv2' }); */
export const gradCam = (model: tf.LayersModel, images: Images, options?: MethodOptions) => runMethod(gradCamMethod, model, images, options);
/** Grad-CAM++ at any convolutional layer. */
export const gradCamPlusPlus = (model: tf.LayersModel, images: Images, options?: MethodOptions) =>
  runMethod(gradCamPlusPlusMethod, model, images, options);
/** Score-CAM: no gradients, one forward pass per channel (in batches). */
export const scoreCam = (model: tf.LayersModel, images: Images, options?: MethodOptions) =>
  runMethod(scoreCamMethod, model, images, options);
/** Layer-CAM at any convolutional layer. */
export const layerCam = (model: tf.LayersModel, images: Images, options?: MethodOptions) =>
  runMethod(layerCamMethod, model, images, options);
/** HiResCAM at any convolutional layer. */
export const hiResCam = (model: tf.LayersModel, images: Images, options?: MethodOptions) =>
  runMethod(hiResCamMethod, model, images, options);
/** Eigen-CAM: class-agnostic, the first principal component of a layer's activations. */
export const eigenCam = (model: tf.LayersModel, images: Images, options?: MethodOptions) =>
  runMethod(eigenCamMethod, model, images, options);
/** XGrad-CAM at any convolutional layer. */
export const xGradCam = (model: tf.LayersModel, images: Images, options?: MethodOptions) =>
  runMethod(xGradCamMethod, model, images, options);
/** Ablation-CAM: no gradients, one forward pass of the layers above per channel (in batches). */
export const ablationCam = (model: tf.LayersModel, images: Images, options?: MethodOptions) =>
  runMethod(ablationCamMethod, model, images, options);
/** EigenGrad-CAM: the first principal component of gradients × activations. */
export const eigenGradCam = (model: tf.LayersModel, images: Images, options?: MethodOptions) =>
  runMethod(eigenGradCamMethod, model, images, options);

/**
 * Explains with the method named, or, without one, with CAM where it is exact (a GAP + linear head,
 * at the layer that feeds GAP) and Grad-CAM otherwise. Each result's `method` says which was used.
 *
 * @example const results = await explain(model, image, { method: 'gradcam++', layer: 'block3_conv1' });
 */
export async function explain(
  model: tf.LayersModel,
  images: Images,
  options: MethodOptions & { method?: MethodName } = {},
): Promise<CamResult[]> {
  await ready();
  checkMethodOptions(options, 'explain');
  assertImages(images);
  const { method, ...rest } = options;
  const name = method ?? (camRefusalAt(model, rest.layer) === undefined ? 'cam' : 'gradcam');
  if (name === 'cam') return runChecked(camMethod, model, images, atCamLayer(model, rest));
  const chosen = FAMILY.find((m) => m.name === name);
  if (!chosen) throw new CamlabError(`Unknown method '${name}'; use one of: ${methods.map((m) => m.name).join(', ')}.`);
  return runChecked(chosen, model, images, rest);
}
