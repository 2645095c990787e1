import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { describeValue } from '../validate';
import { modelInputSize } from '../image/model-input';
import { assertLayersFit, hasOpenInputSize } from './shapes';
import { assertImages } from '../image/validate';
import { modelHead } from './head';
import { probedForward } from './probe';
import { findLayer, outputShapeOf } from './layers';
import { inputFor } from './metadata';

/**
 * The output of any layer (by name or nested path) for an image or a batch: [n, h, w, channels] for a
 * convolutional layer. Images are stretched to the model's input and preprocessed as in classActivationMap
 * (a recognised network's own preprocessing, else none). The tensor
 * is the caller's to dispose.
 *
 * @example const maps = await layerActivations(model, image, 'block1_conv1');
 */
export async function layerActivations(model: tf.LayersModel, images: tf.Tensor3D | tf.Tensor4D, layer: string): Promise<tf.Tensor> {
  await ready();
  assertImages(images);
  if (typeof layer !== 'string')
    throw new CamlabError(`layer must be a string (a layer's name or nested path), got ${describeValue(layer)}.`);
  const entry = findLayer(model, layer);
  if (!outputShapeOf(entry.layer))
    throw new CamlabError(`Layer '${entry.path}' has several outputs; name one of the layers that take them.`);
  const [height, width] = images.shape.slice(-3, -1);
  if (hasOpenInputSize(model)) assertLayersFit(model, modelInputSize(model, { image: { height, width } }));
  const head = modelHead(model);
  const input = inputFor(images, model);
  try {
    const probed = probedForward(model, head, input, { layer: entry.layer, scores: head.logits });
    tf.dispose([probed.scores, probed.output]); // all three are kept by the probe; the activations are the caller's
    return probed.activations;
  } finally {
    input.dispose();
  }
}
