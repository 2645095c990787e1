import { tf } from '../../tf';
import { byChannelWeights, classColumns } from '../core';
import type { ForwardMethod } from './method';
import { repeatRows } from '../../fast-ops';

/**
 * Ablation-CAM (Desai & Ramaswamy, WACV 2020): each channel is weighted by the share of the class
 * score lost when it is set to zero, w_k^c = (y^c − y_k^c) / y^c, with y^c the score (the logit by
 * default) and y_k^c the score with A^k = 0 at the layer. No gradients; one forward pass of the part
 * above the layer per channel, many channels per pass (see ablationBatch). A zero score gives zero weights.
 */
export const ablationCamMethod: ForwardMethod = {
  name: 'ablationcam',
  description: 'Ablation-CAM: channels weighted by the score lost when each is zeroed (Desai & Ramaswamy 2020)',
  needsGradients: false,
  ...byChannelWeights(({ activations, classes, scores, layerScorer }) => {
    const { numImages, scoreShifted } = layerScorer();
    const channels = activations.shape[3];
    const perImage = Array.from({ length: numImages }, (_, i) =>
      scoreShifted(i, channels, (own, start, size) => {
        // Variant j subtracts channel start + j from itself.
        const zeroed = tf.reshape(tf.oneHot(tf.range(start, start + size, 1, 'int32') as tf.Tensor1D, channels), [size, 1, 1, channels]);
        return tf.neg(tf.mul(own, zeroed)) as tf.Tensor4D;
      }),
    );
    // Rows repeat the images rank after rank; each row takes its class's column of its image's scores.
    const ablated = classColumns(repeatRows(tf.stack(perImage), classes.shape[0] / numImages), classes) as tf.Tensor2D; // [m, K]
    const y = tf.reshape(scores, [-1, 1]);
    const safe = tf.where(tf.notEqual(y, 0), y, tf.onesLike(y));
    return tf.where(tf.notEqual(y, 0), tf.div(tf.sub(y, ablated), safe), tf.zerosLike(ablated)) as tf.Tensor2D;
  }),
};
