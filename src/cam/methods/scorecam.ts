import { tf } from '../../tf';
import { byChannelWeights, classColumns } from '../core';
import type { ForwardMethod } from './method';
import { repeatRows } from '../../fast-ops';

/**
 * Score-CAM (Wang et al., CVPR-W 2020, eq. 3–6): each channel, upsampled and scaled to [0, 1], masks the
 * input; the class score of the masked input says how much that channel's region matters, and a softmax
 * over channels turns the scores into weights. No gradients; one forward pass per channel, run in
 * batches by the explainer's scorer, once per image for all its classes.
 */
export const scoreCamMethod: ForwardMethod = {
  name: 'scorecam',
  description: 'Score-CAM: channels weighted by the score of the input they mask (Wang et al. 2020)',
  needsGradients: false,
  ...byChannelWeights(({ activations, classes, scorer }) => {
    const { numImages, scoreVariants } = scorer();
    const channels = activations.shape[3];
    const perImage = Array.from({ length: numImages }, (_, i) =>
      scoreVariants(i, channels, (input, start, size) => {
        const maps = tf.transpose(tf.slice(activations, [i, 0, 0, start], [1, -1, -1, size]), [3, 1, 2, 0]) as tf.Tensor4D;
        const up = tf.image.resizeBilinear(maps, [input.shape[1], input.shape[2]], false, true);
        const [lo, hi] = [tf.min(up, [1, 2, 3], true), tf.max(up, [1, 2, 3], true)];
        const range = tf.sub(hi, lo);
        const masks = tf.where(tf.greater(range, 0), tf.div(tf.sub(up, lo), tf.maximum(range, 1e-12)), tf.zerosLike(up));
        return tf.mul(input, masks) as tf.Tensor4D;
      }),
    );
    // Rows repeat the images rank after rank; each row takes its class's column of its image's scores.
    const scores = repeatRows(tf.stack(perImage), classes.shape[0] / numImages); // [m, K, classes]
    return tf.softmax(classColumns(scores, classes) as tf.Tensor2D) as tf.Tensor2D;
  }),
};
