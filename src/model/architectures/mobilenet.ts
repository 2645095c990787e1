// MobileNet v1 and v2 with Keras applications' topology and layer names, random (seeded) weights: the
// depthwise networks people explain (tfjs-models' hosted MobileNets, Teachable Machine's base), built in
// code so that tests and the bench need no download.
import { tf } from '../../tf';
import { CamlabError } from '../../errors';
import { heNormal } from './he-normal';

export interface MobileNetOptions {
  /** Width multiplier: 0.25, 0.5, 0.75, 1 (v1); 0.35 … 1.4 (v2). Default 1. */
  alpha?: number;
  /** Input height and width (default 224). */
  size?: number;
  /** Output classes (default 1000, ImageNet's). */
  classes?: number;
  /** Seed for the random weights, so two builds are the same model. */
  seed?: number;
}

type Tensor = tf.SymbolicTensor;

/** One factory per build: every layer's initial weights come from the next seed. */
function layersWithSeed(first: number) {
  let seed = first;
  const apply = (layer: tf.layers.Layer, x: Tensor) => layer.apply(x) as Tensor;
  return {
    conv: (
      x: Tensor,
      filters: number,
      kernelSize: number,
      name: string,
      strides = 1,
      padding: 'same' | 'valid' = 'same',
      useBias = false,
    ) => apply(tf.layers.conv2d({ filters, kernelSize, strides, padding, useBias, kernelInitializer: heNormal(seed++), name }), x),
    // A depthwise kernel [k, k, channels, 1] has a fan-in of k·k: heNormal's channels-last rule would count the channels too.
    depthwise: (x: Tensor, name: string, strides = 1, padding: 'same' | 'valid' = 'same') =>
      apply(
        tf.layers.depthwiseConv2d({
          kernelSize: 3,
          strides,
          padding,
          useBias: false,
          depthwiseInitializer: tf.initializers.randomNormal({ stddev: Math.sqrt(2 / 9), seed: seed++ }),
          name,
        }),
        x,
      ),
    bn: (x: Tensor, name: string, epsilon: number) => apply(tf.layers.batchNormalization({ axis: 3, epsilon, momentum: 0.999, name }), x),
    relu6: (x: Tensor, name: string) => apply(tf.layers.reLU({ maxValue: 6, name }), x),
    nextSeed: () => seed++,
  };
}

/** Keras's alpha in a model's name: two decimals. */
const alphaName = (alpha: number) => alpha.toFixed(2);

/**
 * MobileNet v1 as keras.applications builds it (Keras 2.1.4, as tfjs-models' hosted MobileNets were
 * exported): conv1 → 13 depthwise-separable blocks (conv_dw_i, conv_pw_i with BatchNorm and ReLU6) →
 * GAP → reshape 1×1 → dropout → conv_preds (1×1 convolution) → softmax → reshape. Named
 * `mobilenet_<alpha>_<size>`, so camlab recognises it (preprocessing 'tf', ImageNet labels).
 *
 * @example const net = mobilenetV1Architecture({ alpha: 0.25, size: 128 });
 */
export function mobilenetV1Architecture(options: MobileNetOptions = {}): tf.LayersModel {
  const { alpha = 1, size = 224, classes = 1000 } = options;
  checkOptions('MobileNet v1', alpha, size, classes);
  const l = layersWithSeed(options.seed ?? 1);
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = l.relu6(l.bn(l.conv(input, Math.round(32 * alpha), 3, 'conv1', 2), 'conv1_bn', 1e-3), 'conv1_relu');
  const blocks: [number, number][] = [
    [64, 1],
    [128, 2],
    [128, 1],
    [256, 2],
    [256, 1],
    [512, 2],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [512, 1],
    [1024, 2],
    [1024, 1],
  ];
  for (const [i, [filters, strides]] of blocks.entries()) {
    const id = i + 1;
    x = l.relu6(l.bn(l.depthwise(x, `conv_dw_${id}`, strides), `conv_dw_${id}_bn`, 1e-3), `conv_dw_${id}_relu`);
    x = l.relu6(l.bn(l.conv(x, Math.round(filters * alpha), 1, `conv_pw_${id}`), `conv_pw_${id}_bn`, 1e-3), `conv_pw_${id}_relu`);
  }
  const channels = Math.round(1024 * alpha);
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as Tensor;
  x = tf.layers.reshape({ targetShape: [1, 1, channels], name: 'reshape_1' }).apply(x) as Tensor;
  x = tf.layers.dropout({ rate: 1e-3, name: 'dropout' }).apply(x) as Tensor;
  x = tf.layers
    .conv2d({
      filters: classes,
      kernelSize: 1,
      padding: 'same',
      kernelInitializer: tf.initializers.glorotUniform({ seed: l.nextSeed() }),
      name: 'conv_preds',
    })
    .apply(x) as Tensor;
  x = tf.layers.activation({ activation: 'softmax', name: 'act_softmax' }).apply(x) as Tensor;
  x = tf.layers.reshape({ targetShape: [classes], name: 'reshape_2' }).apply(x) as Tensor;
  return tf.model({ inputs: input, outputs: x, name: `mobilenet_${alphaName(alpha)}_${size}` });
}

/** Keras's _make_divisible: channels rounded to a multiple of 8, never more than 10 % below. */
function divisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor(value + divisor / 2) - (Math.floor(value + divisor / 2) % divisor));
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

/**
 * MobileNet v2 as tf.keras.applications builds it (Conv1, expanded_conv, block_1 … block_16 with expand /
 * depthwise / project, ZeroPadding before strided depthwise convolutions, residual adds, Conv_1, out_relu,
 * GAP, a dense `predictions` layer). Teachable Machine's image models are built on it. Named
 * `mobilenetv2_<alpha>_<size>`.
 *
 * @example const net = mobilenetV2Architecture({ alpha: 0.35, size: 96 });
 */
export function mobilenetV2Architecture(options: MobileNetOptions = {}): tf.LayersModel {
  const { alpha = 1, size = 224, classes = 1000 } = options;
  checkOptions('MobileNet v2', alpha, size, classes);
  const l = layersWithSeed(options.seed ?? 2);
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  // Keras pads (0, 1) on each side before a stride-2 'valid' convolution of an even-sized input.
  const pad = (x: Tensor, name: string) => {
    const side = (x.shape[1] ?? 0) % 2 === 0 ? ([0, 1] as [number, number]) : ([1, 1] as [number, number]);
    return tf.layers.zeroPadding2d({ padding: [side, side], name }).apply(x) as Tensor;
  };
  let x = l.relu6(l.bn(l.conv(input, divisible(32 * alpha), 3, 'Conv1', 2), 'bn_Conv1', 1e-3), 'Conv1_relu');
  const settings: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let id = 0;
  for (const [expansion, filters, repeats, firstStride] of settings) {
    for (let r = 0; r < repeats; r++) {
      x = invertedResidual(x, expansion, divisible(filters * alpha), r === 0 ? firstStride : 1, id++);
    }
  }
  x = l.relu6(l.bn(l.conv(x, alpha > 1 ? divisible(1280 * alpha) : 1280, 1, 'Conv_1'), 'Conv_1_bn', 1e-3), 'out_relu');
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as Tensor;
  x = tf.layers
    .dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: l.nextSeed() }),
      name: 'predictions',
    })
    .apply(x) as Tensor;
  return tf.model({ inputs: input, outputs: x, name: `mobilenetv2_${alphaName(alpha)}_${size}` });

  function invertedResidual(inputs: Tensor, expansion: number, filters: number, strides: number, block: number): Tensor {
    const channels = inputs.shape[3] ?? 0;
    const prefix = block ? `block_${block}_` : 'expanded_conv_';
    let y = inputs;
    if (block) y = l.relu6(l.bn(l.conv(y, expansion * channels, 1, `${prefix}expand`), `${prefix}expand_BN`, 1e-3), `${prefix}expand_relu`);
    if (strides === 2) y = pad(y, `${prefix}pad`);
    y = l.relu6(
      l.bn(l.depthwise(y, `${prefix}depthwise`, strides, strides === 2 ? 'valid' : 'same'), `${prefix}depthwise_BN`, 1e-3),
      `${prefix}depthwise_relu`,
    );
    y = l.bn(l.conv(y, filters, 1, `${prefix}project`), `${prefix}project_BN`, 1e-3);
    return channels === filters && strides === 1 ? (tf.layers.add({ name: `${prefix}add` }).apply([inputs, y]) as Tensor) : y;
  }
}

function checkOptions(what: string, alpha: number, size: number, classes: number): void {
  if (!(alpha > 0 && alpha <= 2)) throw new CamlabError(`${what}: alpha must be a number in (0, 2], got ${alpha}.`);
  if (!Number.isInteger(size) || size < 32) throw new CamlabError(`${what}: size must be an integer ≥ 32, got ${size}.`);
  if (!Number.isInteger(classes) || classes < 1) throw new CamlabError(`${what}: classes must be an integer ≥ 1, got ${classes}.`);
}
