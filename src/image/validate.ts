import { tf } from '../tf';
import { CamlabError } from '../errors';

/** Checks for one RGB image [height, width, 3], with an error that says what was given instead. */
export function assertImage3D(image: tf.Tensor): asserts image is tf.Tensor3D {
  if (image.rank !== 3 || image.shape[2] !== 3) {
    throw new CamlabError(
      `Expected one RGB image of shape [height, width, 3], got a tensor of shape [${image.shape.join(', ')}]. ` +
        `loadImage() returns that shape; for a batch use tf.unstack().`,
    );
  }
}

/** Checks for one image [h, w, c] or a batch [n, h, w, c] with 1 or 3 channels. */
export function assertImages(images: tf.Tensor): asserts images is tf.Tensor3D | tf.Tensor4D {
  const channels = images.shape[images.rank - 1];
  if ((images.rank !== 3 && images.rank !== 4) || (channels !== 1 && channels !== 3)) {
    throw new CamlabError(
      `Expected an image [height, width, channels] or a batch [n, height, width, channels] with 1 or 3 channels, ` +
        `got a tensor of shape [${images.shape.join(', ')}].`,
    );
  }
  if (images.rank === 4 && images.shape[0] === 0) throw new CamlabError('The batch of images is empty.');
}
