import { tf } from '../tf';
import { CamlabError } from '../errors';
import { assertLayersModel, checkModelInputOptions } from '../validate';
import { assertFinite, assertImages } from './validate';
import type { Region } from './place';
import { preprocess, type Preprocessing } from './preprocess';
import type { Fit } from '../choices';
import { repeatChannels } from '../fast-ops';

export type { Fit };

export interface InputSize {
  height: number;
  width: number;
  channels: number;
}

/**
 * The [height, width, channels] a model takes, read from its first input. Where the model leaves a
 * side open (`[null, null, null, 3]`), `inputSize` ([height, width]) fills it, else the image's own size.
 */
export function modelInputSize(
  model: tf.LayersModel,
  options: { image?: { height: number; width: number }; inputSize?: [number, number] } = {},
): InputSize {
  assertLayersModel(model);
  const shape = model.inputs[0]?.shape;
  if (!shape || shape.length !== 4) {
    throw new CamlabError(
      `The model's input has shape [${shape?.map((d) => d ?? 'null').join(', ')}], not [batch, height, width, channels]; camlab explains image models.`,
    );
  }
  const [, fixedHeight, fixedWidth, channels] = shape;
  const shown = `[${shape.map((d) => d ?? 'null').join(', ')}]`;
  const [givenHeight, givenWidth] = options.inputSize ?? [];
  for (const [side, fixed, given] of [
    ['height', fixedHeight, givenHeight],
    ['width', fixedWidth, givenWidth],
  ] as const) {
    if (fixed && given !== undefined && fixed !== given) {
      throw new CamlabError(
        `inputSize asks for ${side} ${given}, but the model's input is fixed at ${shown}; leave inputSize out for this model.`,
      );
    }
  }
  const height = fixedHeight ?? givenHeight ?? options.image?.height;
  const width = fixedWidth ?? givenWidth ?? options.image?.width;
  if (!height || !width) {
    throw new CamlabError(
      `The model's input size is not fixed (${shown}); pass the size to run it at as { inputSize: [height, width] }, ` +
        `or an image, whose own size is then used.`,
    );
  }
  return { height, width, channels: channels ?? 3 };
}

/** How images become model inputs. */
export interface ModelInputOptions {
  fit?: Fit;
  /** [height, width] to run a model whose input size is not fixed at (default: each image's own size). */
  inputSize?: [number, number];
  /** Pixel preprocessing after resizing. Default: 'none' for toModelInput; the explainers use the model's own (a recognised network's, see modelMetadata) or 'none'. */
  preprocess?: Preprocessing;
}

/**
 * Resizes an image or batch to the model's input: `stretch` (default) scales each side, `center-crop`
 * first cuts the largest centred region with the model's aspect ratio. RGB becomes grey (channel mean)
 * for a one-channel model. Values are unchanged (0..255 stays 0..255) unless a `preprocess` is named.
 * Returns a batch [n, h, w, c] that the caller disposes.
 */
export function toModelInput(
  images: tf.Tensor3D | tf.Tensor4D,
  model: tf.LayersModel | InputSize,
  options: ModelInputOptions = {},
): tf.Tensor4D {
  assertImages(images);
  checkModelInputOptions(options);
  assertFinite(images);
  const [height, width] = images.shape.slice(-3, -1);
  // A size given as such, or a model's (which refuses anything that is not a model, e.g. undefined).
  const size = isInputSize(model) ? model : modelInputSize(model, { image: { height, width }, inputSize: options.inputSize });
  return modelInput(images, size, options);
}

/** toModelInput for images and options already checked (the CAM pipeline checks them once per call). */
export function modelInput(images: tf.Tensor3D | tf.Tensor4D, size: InputSize, options: ModelInputOptions): tf.Tensor4D {
  const fit = options.fit ?? 'stretch';
  return tf.tidy(() => {
    let batch: tf.Tensor4D = images.rank === 3 ? tf.expandDims(images as tf.Tensor3D, 0) : (images as tf.Tensor4D);
    batch = tf.cast(batch, 'float32');
    if (fit === 'center-crop') batch = centerCrop(batch, size);
    if (batch.shape[1] !== size.height || batch.shape[2] !== size.width) {
      batch = tf.image.resizeBilinear(batch, [size.height, size.width], false, true);
    }
    return preprocess(matchChannels(batch, size.channels), options.preprocess ?? 'none');
  });
}

/** The part of an image [height × width] that the model sees: all of it, or the centred crop. */
export function visibleRegion(height: number, width: number, size: InputSize, fit: Fit = 'stretch'): Region {
  if (fit === 'stretch') return { x: 0, y: 0, width, height };
  const aspect = size.width / size.height;
  const cropW = Math.min(width, Math.round(height * aspect));
  const cropH = Math.min(height, Math.round(width / aspect));
  return { x: Math.floor((width - cropW) / 2), y: Math.floor((height - cropH) / 2), width: cropW, height: cropH };
}

function centerCrop(batch: tf.Tensor4D, size: InputSize): tf.Tensor4D {
  const [, h, w] = batch.shape;
  const r = visibleRegion(h, w, size, 'center-crop');
  return tf.slice(batch, [0, r.y, r.x, 0], [-1, r.height, r.width, -1]);
}

function matchChannels(batch: tf.Tensor4D, channels: number): tf.Tensor4D {
  const have = batch.shape[3];
  if (have === channels) return batch;
  if (have === 3 && channels === 1) return tf.mean(batch, 3, true);
  if (have === 1 && channels === 3) return repeatChannels(batch, 3);
  throw new CamlabError(`The model takes ${channels} channels and the image has ${have}; camlab converts only between grey and RGB.`);
}

function isInputSize(value: unknown): value is InputSize {
  const size = value as Partial<InputSize> | null | undefined;
  return !!size && [size.height, size.width, size.channels].every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0);
}
