import { tf } from '../tf';
import { CamlabError } from '../errors';
import { checkModelInputOptions } from '../validate';
import { assertFinite, assertImages } from './validate';
import { preprocess, type Preprocessing } from './preprocess';

export type Fit = 'stretch' | 'center-crop';

export interface InputSize {
  height: number;
  width: number;
  channels: number;
}

/**
 * The [height, width, channels] a model takes, read from its first input. Where the model leaves a
 * side open (`[null, null, null, 3]`), `inputSize` ([height, width]) fills it, else the image's own size.
 */
export function modelInputSize(model: tf.LayersModel, options: { image?: { height: number; width: number }; inputSize?: [number, number] } = {}): InputSize {
  const shape = model.inputs[0]?.shape;
  if (!shape || shape.length !== 4) {
    throw new CamlabError(`The model's input has shape [${shape?.map((d) => d ?? 'null').join(', ')}], not [batch, height, width, channels]; camlab explains image models.`);
  }
  const [, fixedHeight, fixedWidth, channels] = shape;
  const shown = `[${shape.map((d) => d ?? 'null').join(', ')}]`;
  const [givenHeight, givenWidth] = options.inputSize ?? [];
  for (const [side, fixed, given] of [['height', fixedHeight, givenHeight], ['width', fixedWidth, givenWidth]] as const) {
    if (fixed && given !== undefined && fixed !== given) {
      throw new CamlabError(`inputSize asks for ${side} ${given}, but the model's input is fixed at ${shown}; leave inputSize out for this model.`);
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
  const size = { height, width, channels: channels ?? 3 };
  if (!fixedHeight || !fixedWidth) assertLayersFit(model, size);
  return size;
}

type ShapeLog = { layer: string; shape: (number | null)[] }[];

/**
 * At a size the model was not built for, a layer's output can become empty (a 3×3 'valid' convolution of
 * a 1×1 image), and WASM then reads out of bounds and aborts for the rest of the process. The shapes are
 * inferred first, layer by layer, without running anything.
 */
function assertLayersFit(model: tf.LayersModel, size: InputSize): void {
  const empty = (s: InputSize) => emptyLayers(model, s)[0];
  const found = empty(size);
  if (!found) return;
  const square = (side: number) => empty({ ...size, height: side, width: side });
  let high = 1; // then the smallest square side that works, by doubling and bisection
  while (high <= 8192 && square(high)) high *= 2;
  let low = high / 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (square(mid)) low = mid;
    else high = mid;
  }
  throw new CamlabError(
    `The model cannot run at ${size.height}×${size.width} (height × width): its layer '${found.layer}' would output [${found.shape.join(', ')}]. ` +
      (high <= 8192 ? `Give larger images, or pass { inputSize: [${high}, ${high}] } (the smallest square it takes) or more to stretch them.` : 'Give larger images.'),
  );
}

/** The layers whose inferred output has an empty or negative side at this input size. */
function emptyLayers(model: tf.LayersModel, size: InputSize): ShapeLog {
  const log: ShapeLog = [];
  const restore: (() => void)[] = [];
  const record = (container: tf.LayersModel) => {
    for (const layer of container.layers) {
      if (layer instanceof tf.LayersModel) record(layer);
      const own = Object.prototype.hasOwnProperty.call(layer, 'computeOutputShape');
      const original = layer.computeOutputShape;
      layer.computeOutputShape = function (this: tf.layers.Layer, shape) {
        const out = original.call(this, shape);
        if (!Array.isArray(out[0])) log.push({ layer: this.name, shape: out as (number | null)[] });
        return out;
      };
      restore.push(() => (own ? (layer.computeOutputShape = original) : delete (layer as Partial<tf.layers.Layer>).computeOutputShape));
    }
  };
  try {
    record(model);
    const input = [1, size.height, size.width, size.channels];
    // A Sequential model that has not run yet has no input layer to start from: walk its layers in order.
    if (model.inputLayers.length === 0) model.layers.reduce<tf.Shape | tf.Shape[]>((shape, layer) => layer.computeOutputShape(shape), input);
    else model.computeOutputShape(input);
  } catch (error) {
    throw new CamlabError(`The model cannot run at ${size.height}×${size.width}: its shapes do not work out (${(error as Error).message}).`, { cause: error });
  } finally {
    restore.forEach((undo) => undo());
  }
  return log.filter((entry) => entry.shape.some((d) => d !== null && d <= 0));
}

/**
 * Resizes an image or batch to the model's input: `stretch` (default) scales each side, `center-crop`
 * first cuts the largest centred region with the model's aspect ratio. RGB becomes grey (channel mean)
 * for a one-channel model. Values are unchanged (0..255 stays 0..255) unless a `preprocess` is named.
 * Returns a batch [n, h, w, c] that the caller disposes.
 */
export interface ModelInputOptions {
  fit?: Fit;
  /** [height, width] to run a model whose input size is not fixed at (default: each image's own size). */
  inputSize?: [number, number];
  /** Pixel preprocessing after resizing (default 'none'). */
  preprocess?: Preprocessing;
}

export function toModelInput(images: tf.Tensor3D | tf.Tensor4D, model: tf.LayersModel | InputSize, options: ModelInputOptions = {}): tf.Tensor4D {
  assertImages(images);
  checkModelInputOptions(options);
  assertFinite(images);
  const [height, width] = images.shape.slice(-3, -1);
  const size = model instanceof tf.LayersModel ? modelInputSize(model, { image: { height, width }, inputSize: options.inputSize }) : model;
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
export function visibleRegion(height: number, width: number, size: InputSize, fit: Fit = 'stretch'): { x: number; y: number; width: number; height: number } {
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
  if (have === 1 && channels === 3) return tf.tile(batch, [1, 1, 1, 3]);
  throw new CamlabError(`The model takes ${channels} channels and the image has ${have}; camlab converts only between grey and RGB.`);
}
