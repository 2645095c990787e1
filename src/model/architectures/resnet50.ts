import { tf } from '../../tf';
import { heNormal } from './he-normal';

export interface ResNet50Options {
  /** Keep avg_pool and the 1000-way predictions layer (default true). */
  includeTop?: boolean;
  inputShape?: [number, number, number];
  classes?: number;
  /** Seed for the random initial weights, so two builds are the same model. */
  seed?: number;
}

/**
 * ResNet-50 v1 with the topology and layer names of keras.applications.ResNet50 (conv1_pad, conv1_conv,
 * …, conv5_block3_out, avg_pool, predictions): 25,636,712 parameters with the top. Random weights.
 */
export function resnet50Architecture(options: ResNet50Options = {}): tf.LayersModel {
  let seed = options.seed ?? 50;
  const init = () => heNormal(seed++);
  const conv = (
    x: tf.SymbolicTensor,
    filters: number,
    kernelSize: number,
    name: string,
    strides = 1,
    padding: 'valid' | 'same' = 'valid',
  ) => tf.layers.conv2d({ filters, kernelSize, strides, padding, kernelInitializer: init(), name }).apply(x) as tf.SymbolicTensor;
  // Keras's ResNet uses epsilon 1.001e-5 in every batch normalization.
  const bn = (x: tf.SymbolicTensor, name: string) =>
    tf.layers.batchNormalization({ axis: 3, epsilon: 1.001e-5, name }).apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor, name: string) => tf.layers.activation({ activation: 'relu', name }).apply(x) as tf.SymbolicTensor;

  const block = (x: tf.SymbolicTensor, filters: number, name: string, strides: number, convShortcut: boolean) => {
    const shortcut = convShortcut ? bn(conv(x, 4 * filters, 1, `${name}_0_conv`, strides), `${name}_0_bn`) : x;
    let y = relu(bn(conv(x, filters, 1, `${name}_1_conv`, strides), `${name}_1_bn`), `${name}_1_relu`);
    y = relu(bn(conv(y, filters, 3, `${name}_2_conv`, 1, 'same'), `${name}_2_bn`), `${name}_2_relu`);
    y = bn(conv(y, 4 * filters, 1, `${name}_3_conv`), `${name}_3_bn`);
    const sum = tf.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as tf.SymbolicTensor;
    return relu(sum, `${name}_out`);
  };
  const stack = (x: tf.SymbolicTensor, filters: number, blocks: number, name: string, firstStride: number) => {
    let y = block(x, filters, `${name}_block1`, firstStride, true);
    for (let i = 2; i <= blocks; i++) y = block(y, filters, `${name}_block${i}`, 1, false);
    return y;
  };

  const input = tf.input({ shape: options.inputShape ?? [224, 224, 3], name: 'input_1' });
  let x = tf.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }).apply(input) as tf.SymbolicTensor;
  x = relu(bn(conv(x, 64, 7, 'conv1_conv', 2), 'conv1_bn'), 'conv1_relu');
  x = tf.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as tf.SymbolicTensor;
  x = stack(x, 64, 3, 'conv2', 1);
  x = stack(x, 128, 4, 'conv3', 2);
  x = stack(x, 256, 6, 'conv4', 2);
  x = stack(x, 512, 3, 'conv5', 2);
  if (options.includeTop ?? true) {
    x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .dense({
        units: options.classes ?? 1000,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
        name: 'predictions',
      })
      .apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x, name: 'resnet50' });
}
