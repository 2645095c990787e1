import { tf } from '../tf';
import { CamlabError } from '../errors';
import { assertImages } from './validate';

export type Fit = 'stretch' | 'center-crop';

export interface InputSize {
  height: number;
  width: number;
  channels: number;
}

/** The fixed [height, width, channels] a model takes, read from its first input. */
export function modelInputSize(model: tf.LayersModel): InputSize {
  const shape = model.inputs[0]?.shape;
  if (!shape || shape.length !== 4) {
    throw new CamlabError(`The model's input has shape [${shape?.join(', ')}], not [batch, height, width, channels]; camlab explains image models.`);
  }
  const [, height, width, channels] = shape;
  if (!height || !width || !channels) {
    throw new CamlabError(`The model's input size is not fixed ([${shape.join(', ')}]); resize images yourself before calling camlab.`);
  }
  return { height, width, channels };
}

/**
 * Resizes an image or batch to the model's input: `stretch` (default) scales each side, `center-crop`
 * first cuts the largest centred region with the model's aspect ratio. RGB becomes grey (channel mean)
 * for a one-channel model. Values are unchanged (0..255 stays 0..255). Returns a batch [n, h, w, c]
 * that the caller disposes.
 */
export function toModelInput(images: tf.Tensor3D | tf.Tensor4D, model: tf.LayersModel | InputSize, options: { fit?: Fit } = {}): tf.Tensor4D {
  assertImages(images);
  const size = model instanceof tf.LayersModel ? modelInputSize(model) : model;
  const fit = options.fit ?? 'stretch';
  if (fit !== 'stretch' && fit !== 'center-crop') throw new CamlabError(`fit must be 'stretch' or 'center-crop', got '${fit}'.`);
  return tf.tidy(() => {
    let batch: tf.Tensor4D = images.rank === 3 ? tf.expandDims(images as tf.Tensor3D, 0) : (images as tf.Tensor4D);
    batch = tf.cast(batch, 'float32');
    if (fit === 'center-crop') batch = centerCrop(batch, size.width / size.height);
    if (batch.shape[1] !== size.height || batch.shape[2] !== size.width) {
      batch = tf.image.resizeBilinear(batch, [size.height, size.width], false, true);
    }
    return matchChannels(batch, size.channels);
  });
}

function centerCrop(batch: tf.Tensor4D, aspect: number): tf.Tensor4D {
  const [, h, w] = batch.shape;
  const cropW = Math.min(w, Math.round(h * aspect));
  const cropH = Math.min(h, Math.round(w / aspect));
  const top = Math.floor((h - cropH) / 2);
  const left = Math.floor((w - cropW) / 2);
  return tf.slice(batch, [0, top, left, 0], [-1, cropH, cropW, -1]);
}

function matchChannels(batch: tf.Tensor4D, channels: number): tf.Tensor4D {
  const have = batch.shape[3];
  if (have === channels) return batch;
  if (have === 3 && channels === 1) return tf.mean(batch, 3, true);
  if (have === 1 && channels === 3) return tf.tile(batch, [1, 1, 1, 3]);
  throw new CamlabError(`The model takes ${channels} channels and the image has ${have}; camlab converts only between grey and RGB.`);
}
