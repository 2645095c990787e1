// Two TensorFlow.js ops that its WASM backend runs element by element, done with ops it runs as copies
// or through XNNPACK, with the same values. Measured here on ResNet-50's tensors: Tile of [1, 7, 7, 2048]
// 11–15 ms against 0.5 ms (clone) or 1.4 ms (concat of 3); Reverse of the channels of a 224² image and
// the mean subtracted 8–10 ms against 1 ms. Together they were 5 % of a CAM on two threads.
import { tf } from './tf';

/** `x` repeated `times` times along its first axis (as tf.tile with [times, 1, …]): a new tensor. */
export function repeatRows<T extends tf.Tensor>(x: T, times: number): T {
  return (times === 1 ? tf.clone(x) : tf.concat(Array<T>(times).fill(x), 0)) as T;
}

/** `x` repeated `times` times along its last axis (as tf.tile with [1, …, times]): a new tensor. */
export function repeatChannels<T extends tf.Tensor>(x: T, times: number): T {
  return (times === 1 ? tf.clone(x) : tf.concat(Array<T>(times).fill(x), -1)) as T;
}

/**
 * RGB → BGR minus a mean per BGR channel, as one 1×1 convolution whose kernel swaps the channels and
 * whose bias subtracts the mean: each output is 1·x + 0·y + 0·z − mean, which floating point computes
 * exactly as x − mean (the same values as tf.sub(tf.reverse(batch, 3), mean)).
 */
export function bgrMinusMean(batch: tf.Tensor4D, meanBgr: readonly [number, number, number]): tf.Tensor4D {
  return tf.tidy(() =>
    tf.fused.conv2d({
      x: batch,
      filter: tf.tensor4d([0, 0, 1, 0, 1, 0, 1, 0, 0], [1, 1, 3, 3]),
      strides: 1,
      pad: 'valid',
      bias: tf.tensor1d(meanBgr.map((m) => -m)),
    }),
  );
}
