import { tf } from '../../tf';
import { channelWeighted } from '../core';
import type { CamMethod } from './method';

/**
 * Score-CAM (Wang et al., CVPR-W 2020, eq. 3–6): each channel, upsampled and scaled to [0, 1], masks the
 * input; the class score of the masked input says how much that channel's region matters, and a softmax
 * over channels turns the scores into weights. No gradients; one forward pass per channel, run in batches.
 */
export const scoreCamMethod: CamMethod = {
  name: 'scorecam',
  description: 'Score-CAM: channels weighted by the score of the input they mask (Wang et al. 2020)',
  needsGradients: false,
  managesMemory: true,
  map: async ({ activations, input, scoreBatch, batchSize, progress }) => {
    const [, , channels] = activations.shape;
    const [, height, width] = input.shape;
    const scores: number[] = [];
    for (let start = 0; start < channels; start += batchSize) {
      const size = Math.min(batchSize, channels - start);
      const batchScores = tf.tidy(() => {
        const maps = tf.transpose(tf.slice(activations, [0, 0, start], [-1, -1, size]), [2, 0, 1]);
        const up = tf.image.resizeBilinear(tf.expandDims(maps, 3) as tf.Tensor4D, [height, width], false, true);
        const [lo, hi] = [tf.min(up, [1, 2, 3], true), tf.max(up, [1, 2, 3], true)];
        const range = tf.sub(hi, lo);
        const masks = tf.where(tf.greater(range, 0), tf.div(tf.sub(up, lo), tf.maximum(range, 1e-12)), tf.zerosLike(up));
        return scoreBatch(tf.mul(input, masks) as tf.Tensor4D);
      });
      scores.push(...(await batchScores.data()));
      batchScores.dispose();
      progress?.(start + size, channels);
    }
    return tf.tidy(() => channelWeighted(activations, tf.softmax(tf.tensor1d(scores)) as tf.Tensor1D));
  },
};
