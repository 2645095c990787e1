import { tf } from '../../tf';

export const DIGIT_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * The embedded GAP-CNN: three conv blocks at 64, 32 and 16 pixels, the last conv layer 'features'
 * (16×16×64: a CAM cell is 4×4 input pixels), 'gap', and the softmax classifier 'predictions'.
 * Takes grey canvases 0..255 (the model rescales them itself), `size` pixels a side: 64, the size of
 * the digit canvases (data/canvas.ts), unless another is given.
 */
export function digitsGapCnn(options: { seed?: number; size?: number } = {}): tf.Sequential {
  const size = options.size ?? 64;
  let next = options.seed ?? 1;
  const conv = (filters: number, name: string) =>
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: next++ }),
      name,
    });
  return tf.sequential({
    name: 'digits_gap_cnn',
    layers: [
      tf.layers.rescaling({ inputShape: [size, size, 1], scale: 1 / 255, name: 'rescale' }),
      conv(16, 'block1_conv1'),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'block1_pool' }),
      conv(32, 'block2_conv1'),
      conv(32, 'block2_conv2'),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'block2_pool' }),
      conv(64, 'block3_conv1'),
      conv(64, 'features'),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({
        units: 10,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: next++ }),
        name: 'predictions',
      }),
    ],
  });
}
