import { tf } from '../tf';
import { CamlabError } from '../errors';
import { PREPROCESSINGS, type Preprocessing } from '../choices';
import { bgrMinusMean } from '../fast-ops';

export { PREPROCESSINGS, type Preprocessing };

const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68] as const;
const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];

/** Applies a preprocessing to a batch [n, h, w, 3] of RGB 0..255. Returns a new tensor. */
export function preprocess(batch: tf.Tensor4D, mode: Preprocessing): tf.Tensor4D {
  if (!PREPROCESSINGS.includes(mode)) throw new CamlabError(`Unknown preprocessing '${mode}'; use one of: ${PREPROCESSINGS.join(', ')}.`);
  if (mode !== 'none' && batch.shape[3] !== 3)
    throw new CamlabError(`The '${mode}' preprocessing is for RGB images; this batch has ${batch.shape[3]} channel(s).`);
  return tf.tidy(() => {
    switch (mode) {
      case 'none':
        return tf.clone(batch);
      case 'caffe':
        return bgrMinusMean(batch, CAFFE_MEAN_BGR);
      case 'tf':
        return tf.sub(tf.div(batch, 127.5), 1) as tf.Tensor4D;
      case 'torch':
        return tf.div(tf.sub(tf.div(batch, 255), TORCH_MEAN), TORCH_STD) as tf.Tensor4D;
      case 'teachable-machine':
        return tf.sub(tf.div(batch, 127), 1) as tf.Tensor4D;
    }
  });
}
