import { tf } from '../tf';
import { CamlabError } from '../errors';
import { describeValue } from '../validate';

/** A live tensor: not null, not a plain array, not disposed (tfjs would fail later with a raw TypeError). */
export function assertTensor(value: unknown, what = 'The image'): asserts value is tf.Tensor {
  const tensor = value as tf.Tensor | null | undefined;
  if (typeof tensor !== 'object' || tensor === null || !Array.isArray(tensor.shape) || typeof tensor.dataSync !== 'function') {
    throw new CamlabError(`${what} must be a tensor (loadImage() makes one from a file), got ${describeValue(value)}.`);
  }
  if (tensor.isDisposed) throw new CamlabError(`${what} tensor [${tensor.shape.join(', ')}] has been disposed; load or create it again.`);
}

/** Checks for one RGB image [height, width, 3], with an error that says what was given instead. */
export function assertImage3D(image: unknown): asserts image is tf.Tensor3D {
  assertTensor(image);
  if (image.rank !== 3 || image.shape[2] !== 3) {
    throw new CamlabError(
      `Expected one RGB image of shape [height, width, 3], got a tensor of shape [${image.shape.join(', ')}]. ` +
        `loadImage() returns that shape; for a batch use tf.unstack().`,
    );
  }
  assertNotEmpty(image);
}

/** Checks for one image [h, w, c] or a batch [n, h, w, c] with 1 or 3 channels, none of them empty. */
export function assertImages(images: unknown): asserts images is tf.Tensor3D | tf.Tensor4D {
  assertTensor(images, 'The images');
  const channels = images.shape[images.rank - 1];
  if ((images.rank !== 3 && images.rank !== 4) || (channels !== 1 && channels !== 3)) {
    throw new CamlabError(
      `Expected an image [height, width, channels] or a batch [n, height, width, channels] with 1 or 3 channels, ` +
        `got a tensor of shape [${images.shape.join(', ')}].`,
    );
  }
  if (images.rank === 4 && images.shape[0] === 0) throw new CamlabError('The batch of images is empty.');
  assertNotEmpty(images);
}

// A 64×0 image makes no map: on WASM resizing it reads uninitialised memory and the score changes per call.
function assertNotEmpty(images: tf.Tensor): void {
  const [height, width] = images.shape.slice(-3, -1);
  if (height === 0 || width === 0) {
    throw new CamlabError(
      `The image is ${width}×${height} pixels (shape [${images.shape.join(', ')}]): an image needs at least one row and one column.`,
    );
  }
}

/**
 * Refuses NaN and ±Infinity before a model sees them, with their count and the first one's place.
 * Backends differ afterwards (WASM's ReLU turns NaN into 0 and the model answers plausibly), so the
 * check cannot wait for the activations.
 */
export function assertFinite(images: tf.Tensor3D | tf.Tensor4D): void {
  if (images.dtype !== 'float32') return; // integer tensors cannot hold NaN
  const bad = tf.tidy(() => tf.cast(tf.logicalNot(tf.isFinite(tf.reshape(images, [-1]))), 'int32'));
  try {
    const count = tf.tidy(() => tf.sum(bad).dataSync()[0]);
    if (count === 0) return;
    const first = tf.tidy(() => tf.argMax(bad).dataSync()[0]);
    const value = images.dataSync()[first];
    throw new CamlabError(
      `The image holds ${count} NaN or infinite value(s) (the first, ${value}, at ${position(images.shape, first)}); ` +
        `a model would answer something meaningless. Check how the pixels were made (a division by zero, an unscaled image).`,
    );
  } finally {
    bad.dispose();
  }
}

/** "image 0, row 3, column 5, channel 1" for a flat index into [n?, h, w, c]. */
function position(shape: number[], flat: number): string {
  const names = shape.length === 4 ? ['image', 'row', 'column', 'channel'] : ['row', 'column', 'channel'];
  const parts: string[] = [];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    parts.unshift(`${names[axis]} ${flat % shape[axis]}`);
    flat = Math.floor(flat / shape[axis]);
  }
  return parts.join(', ');
}
