import { tf } from '../tf';
import { ready } from '../backend';
import { resnet50Architecture, type ResNet50Options } from './architectures/resnet50';
import { cachedDownload } from './cache';
import { loadKerasWeights } from './keras-h5';

/** Where keras.applications publishes ResNet-50's ImageNet weights (with the top). */
export const RESNET50_IMAGENET_URL =
  'https://storage.googleapis.com/tensorflow/keras-applications/resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5';

/**
 * ResNet-50 as keras.applications builds it (same layer names, 25,636,712 parameters with the top).
 * `weights`: null for seeded random weights (the default), 'imagenet' for Keras's ImageNet weights
 * (downloaded once into the cache; without network access the error says where to put the file), or
 * the path of a Keras .h5 weights file. Inputs take the 'caffe' preprocessing.
 *
 * @example const net = await resnet50({ weights: 'imagenet' });
 */
export async function resnet50(options: ResNet50Options & { weights?: 'imagenet' | string | null } = {}): Promise<tf.LayersModel> {
  await ready();
  const { weights, ...architecture } = options;
  const model = resnet50Architecture(architecture);
  if (weights == null) return model;
  try {
    const path =
      weights === 'imagenet'
        ? await cachedDownload(process.env.CAMLAB_RESNET50_WEIGHTS_URL ?? RESNET50_IMAGENET_URL, { progress: true })
        : weights;
    await loadKerasWeights(model, path);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
