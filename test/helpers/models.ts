// Small models with seeded random weights, built the way users build theirs.
import { tf } from '../../src';

const init = (seed: number) => tf.initializers.glorotNormal({ seed });

/** Sequential: conv → pool → conv ('features') → GAP ('gap') → Dense softmax ('predictions'). */
export function sequentialGapCnn(numClasses = 5, size = 32, channels = 3): tf.Sequential {
  return tf.sequential({
    name: 'tiny_gap_cnn',
    layers: [
      tf.layers.conv2d({
        inputShape: [size, size, channels],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
        name: 'conv1',
      }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'features' }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({
        units: numClasses,
        activation: 'softmax',
        kernelInitializer: init(3),
        biasInitializer: tf.initializers.randomNormal({ seed: 4 }),
        name: 'predictions',
      }),
    ],
  });
}

/** Functional: a nested Sequential backbone → GAP → Dropout → Dense (linear) → Activation softmax. */
export function functionalNestedGapCnn(numClasses = 4, size = 24): tf.LayersModel {
  const backbone = tf.sequential({
    name: 'backbone',
    layers: [
      tf.layers.conv2d({
        inputShape: [size, size, 3],
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(5),
        name: 'block1',
      }),
      tf.layers.conv2d({
        filters: 12,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(6),
        name: 'block2_features',
      }),
    ],
  });
  const input = tf.input({ shape: [size, size, 3], name: 'image' });
  const features = backbone.apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(features) as tf.SymbolicTensor;
  const dropped = tf.layers.dropout({ rate: 0.5, name: 'dropout' }).apply(pooled) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ units: numClasses, kernelInitializer: init(7), biasInitializer: tf.initializers.randomNormal({ seed: 8 }), name: 'logits' })
    .apply(dropped) as tf.SymbolicTensor;
  const output = tf.layers.activation({ activation: 'softmax', name: 'probabilities' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'nested_gap_cnn' });
}

/** VGG-style: conv → Flatten → Dense. No GAP, so no CAM. */
export function flattenCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [16, 16, 3],
        filters: 4,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: init(9),
        name: 'conv',
      }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(10), name: 'fc' }),
    ],
  });
}

/** A batch of seeded images 0..255. */
export function randomImages(n: number, size: number, seed = 11): tf.Tensor4D {
  return tf.tidy(() => tf.mul(tf.randomUniform([n, size, size, 3], 0, 1, 'float32', seed), 255) as tf.Tensor4D);
}

/** A binary classifier: conv → GAP → one sigmoid unit. */
export function sigmoidGapCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [20, 20, 3],
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(12),
        name: 'features',
      }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({
        units: 1,
        activation: 'sigmoid',
        kernelInitializer: init(13),
        biasInitializer: tf.initializers.constant({ value: 0.3 }),
        name: 'is_cat',
      }),
    ],
  });
}

/**
 * Teachable Machine's shape: a nested feature extractor, GAP, then a nested head Dense(relu) → Dense(softmax).
 */
export function nonLinearHeadCnn(): tf.Sequential {
  const base = tf.sequential({
    name: 'base',
    layers: [
      tf.layers.conv2d({
        inputShape: [20, 20, 3],
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(14),
        name: 'base_features',
      }),
    ],
  });
  const head = tf.sequential({
    name: 'head',
    layers: [
      tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu', kernelInitializer: init(15), name: 'hidden' }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(16), name: 'classes' }),
    ],
  });
  return tf.sequential({ layers: [base, tf.layers.globalAveragePooling2d({ name: 'pool' }), head] });
}

/** MobileNet's head: GAP → Reshape 1×1×K → Dropout → 1×1 Conv2D 'conv_preds' → softmax → Reshape. */
export function mobilenetHeadCnn(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [16, 16, 3],
        filters: 8,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(17),
        name: 'conv_pw_13_relu',
      }),
      tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }),
      tf.layers.reshape({ targetShape: [1, 1, 8], name: 'reshape_1' }),
      tf.layers.dropout({ rate: 0.001, name: 'dropout' }),
      tf.layers.conv2d({
        filters: 5,
        kernelSize: 1,
        padding: 'same',
        kernelInitializer: init(18),
        biasInitializer: tf.initializers.randomNormal({ seed: 19 }),
        name: 'conv_preds',
      }),
      tf.layers.activation({ activation: 'softmax', name: 'act_softmax' }),
      tf.layers.reshape({ targetShape: [5], name: 'reshape_2' }),
    ],
  });
}

/**
 * A stand-in for tfjs-models' MobileNet v1 0.25 at 224 × 224, seeded: Keras's model name (so camlab gives
 * it MobileNet's preprocessing and the ImageNet labels), MobileNet's layer names where the tutorial names
 * them, 7 × 7 feature maps and MobileNet's head (GAP → Reshape → Dropout → 1×1 Conv2D over 1000 classes).
 */
export function mobilenetStandIn(seed = 1): tf.LayersModel {
  const seeded = (s: number) => tf.initializers.glorotNormal({ seed: seed * 10 + s });
  const input = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 8, padding: 'same', activation: 'relu', kernelInitializer: seeded(1), name: 'conv1' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({
      kernelSize: 3,
      strides: 4,
      padding: 'same',
      activation: 'relu',
      depthwiseInitializer: seeded(2),
      name: 'conv_dw_13',
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 32, kernelSize: 1, kernelInitializer: seeded(3), name: 'conv_pw_13' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'relu', name: 'conv_pw_13_relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [1, 1, 32], name: 'reshape_1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.001, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      filters: 1000,
      kernelSize: 1,
      kernelInitializer: seeded(4),
      biasInitializer: tf.initializers.randomNormal({ seed: seed * 10 + 5 }),
      name: 'conv_preds',
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: 'softmax', name: 'act_softmax' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reshape({ targetShape: [1000], name: 'reshape_2' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name: 'mobilenet_0.25_224' });
}
