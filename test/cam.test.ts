import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready, classActivationMap, inspectModel, formatLayerTable, CamlabError } from '../src';
import { flattenCnn, functionalNestedGapCnn, randomImages, sequentialGapCnn } from './helpers/models';

before(
  async () => {
    await ready();
  },
  { timeout: 60000 },
);

const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;

test('inspectModel finds features → GAP → classifier in a Sequential model', () => {
  const model = sequentialGapCnn();
  const anatomy = inspectModel(model);
  assert.equal(anatomy.featureLayer?.path, 'features');
  assert.deepEqual(anatomy.featureLayer?.outputShape, [null, 16, 16, 16]);
  assert.equal(anatomy.poolingLayer?.path, 'gap');
  assert.equal(anatomy.classifierLayer?.path, 'predictions');
  assert.equal(anatomy.activation, 'softmax');
  assert.equal(anatomy.numClasses, 5);
  assert.equal(
    anatomy.layers.reduce((s, l) => s + l.params, 0),
    model.countParams(),
  );
  const table = formatLayerTable(anatomy);
  assert.match(table, /features\s+Conv2D\s+\[n, 16, 16, 16\]\s+1,168\s+← CAM features/);
  assert.match(table, new RegExp(`total parameters: ${model.countParams().toLocaleString('en-US')}`));
  model.dispose();
});

test('inspectModel descends into a nested backbone and skips Dropout and Activation', () => {
  const model = functionalNestedGapCnn();
  const anatomy = inspectModel(model);
  assert.equal(anatomy.featureLayer?.path, 'backbone/block2_features');
  assert.equal(anatomy.featureLayer?.depth, 1);
  assert.equal(anatomy.poolingLayer?.path, 'avg_pool');
  assert.equal(anatomy.classifierLayer?.path, 'logits');
  assert.equal(anatomy.activation, 'softmax');
  model.dispose();
});

test('inspectModel of a model without GAP reports why CAM is impossible and lists its layers', () => {
  const model = flattenCnn();
  const anatomy = inspectModel(model);
  assert.equal(anatomy.featureLayer, undefined);
  assert.match(anatomy.problem ?? '', /GlobalAveragePooling2D.*Grad-CAM/s);
  assert.deepEqual(
    anatomy.layers.map((l) => l.name),
    ['conv', 'flatten', 'fc'],
  );
  model.dispose();
});

for (const [name, build, size] of [
  ['Sequential', () => sequentialGapCnn(), 32],
  ['functional with a nested backbone', () => functionalNestedGapCnn(), 24],
] as const) {
  test(`CAM identity on a ${name} model: mean(raw CAM) + b_c = logit_c, and scores match predict()`, async () => {
    const model: tf.LayersModel = build();
    const images = randomImages(3, size);
    const numClasses = inspectModel(model).numClasses;
    const results = await classActivationMap(model, images, { classIndex: [...Array(numClasses).keys()] });
    assert.equal(results.length, 3 * numClasses);
    const head = model.layers.find((l) => l.getClassName() === 'Dense')!;
    const bias = (await head.getWeights()[1].data()) as Float32Array;
    const predicted = tf.tidy(() => (model.predict(images) as tf.Tensor).arraySync() as number[][]);
    // Where the Dense layer is linear (an Activation layer follows), its output is the logit itself.
    const logitsLayer = model.layers.find((l) => l.name === 'logits');
    const preSoftmax = logitsLayer
      ? tf.tidy(
          () =>
            (
              tf.model({ inputs: model.inputs, outputs: logitsLayer.output as tf.SymbolicTensor }).predict(images) as tf.Tensor
            ).arraySync() as number[][],
        )
      : undefined;
    assert.equal(preSoftmax !== undefined, name !== 'Sequential');
    for (const r of results) {
      assert.ok(
        Math.abs(mean(r.raw.data) + bias[r.classIndex] - r.logit) < 1e-4,
        `identity for image ${r.imageIndex}, class ${r.classIndex}`,
      );
      assert.ok(Math.abs(r.score - predicted[r.imageIndex][r.classIndex]) < 1e-5, 'score is the model’s probability');
      if (preSoftmax) assert.ok(Math.abs(r.logit - preSoftmax[r.imageIndex][r.classIndex]) < 1e-4, 'logit is the Dense layer’s output');
    }
    tf.dispose(images);
    model.dispose();
  });
}

test('CAM equals Σ_k w_k^c f_k computed from the layer outputs', async () => {
  const model = sequentialGapCnn();
  const image = tf.tidy(() => tf.squeeze(randomImages(1, 32, 21), [0]) as tf.Tensor3D);
  const [result] = await classActivationMap(model, image, { classIndex: 2 });
  const features = tf.tidy(() => {
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer('features').output as tf.SymbolicTensor });
    return (sub.predict(tf.expandDims(image, 0)) as tf.Tensor).arraySync() as number[][][][];
  });
  const kernel = model.getLayer('predictions').getWeights()[0].arraySync() as number[][];
  assert.equal(result.raw.width, 16);
  assert.equal(result.raw.height, 16);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 16; x++) {
      const expected = features[0][y][x].reduce((sum, f, k) => sum + kernel[k][2] * f, 0);
      assert.ok(Math.abs(result.raw.data[y * 16 + x] - expected) < 1e-4, `pixel (${x}, ${y})`);
    }
  }
  // The heat map is at the image's size, scaled to 0..1 with its maximum where the raw map peaks.
  assert.equal(result.heatmap.width, 32);
  assert.equal(result.heatmap.height, 32);
  assert.equal(Math.max(...result.heatmap.data), 1);
  assert.equal(Math.min(...result.heatmap.data), 0);
  tf.dispose(image);
  model.dispose();
});

test('default class is the top-1; topK returns the k most probable classes in order', async () => {
  const model = sequentialGapCnn();
  const images = randomImages(2, 32, 31);
  const predicted = tf.tidy(() => (model.predict(images) as tf.Tensor).arraySync() as number[][]);
  const top1 = await classActivationMap(model, images);
  assert.deepEqual(
    top1.map((r) => r.classIndex),
    predicted.map((p) => p.indexOf(Math.max(...p))),
  );
  const top3 = await classActivationMap(model, images, { topK: 3 });
  assert.equal(top3.length, 6);
  for (const i of [0, 1]) {
    const order = [...predicted[i].keys()].sort((a, b) => predicted[i][b] - predicted[i][a]).slice(0, 3);
    assert.deepEqual(
      top3.filter((r) => r.imageIndex === i).map((r) => r.classIndex),
      order,
    );
  }
  tf.dispose(images);
  model.dispose();
});

test('images of another size are stretched to the input and maps come back at their size', async () => {
  const model = sequentialGapCnn();
  const image = tf.tidy(() => tf.mul(tf.randomUniform([50, 70, 3], 0, 1, 'float32', 5), 255) as tf.Tensor3D);
  const [r] = await classActivationMap(model, image);
  assert.deepEqual([r.heatmap.width, r.heatmap.height], [70, 50]);
  tf.dispose(image);
  model.dispose();
});

test('a constant feature map gives a heat map of zeros, not NaN', async () => {
  const model = sequentialGapCnn();
  const black = tf.zeros([32, 32, 3]) as tf.Tensor3D;
  // Zero input and ReLU convs with zero bias give all-zero features.
  const [r] = await classActivationMap(model, black);
  assert.ok(r.heatmap.data.every((v) => v === 0));
  assert.ok(Number.isFinite(r.score));
  tf.dispose(black);
  model.dispose();
});

test('100 CAM calls leave tf.memory().numTensors unchanged', async () => {
  const model = functionalNestedGapCnn();
  const images = randomImages(2, 24, 41);
  await classActivationMap(model, images, { topK: 2 }); // builds and caches the feature model
  const before = tf.memory().numTensors;
  for (let i = 0; i < 100; i++) await classActivationMap(model, images, { topK: 2 });
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(images);
  model.dispose();
});

test('bad requests get specific errors and leave no tensors behind', async () => {
  const model = sequentialGapCnn();
  const noGap = flattenCnn();
  const image = tf.tidy(() => tf.squeeze(randomImages(1, 32, 51), [0]) as tf.Tensor3D);
  const small = tf.zeros([16, 16, 3]) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const rejects = (options: object, pattern: RegExp) =>
    assert.rejects(classActivationMap(model, image, options), (e: Error) => e instanceof CamlabError && pattern.test(e.message));
  await rejects({ layer: 'nope' }, /no layer named 'nope'.*conv1, pool1, features, gap, predictions/);
  await rejects(
    { layer: 'gap' },
    /'gap' outputs \[n, 16\], not feature maps \[n, h, w, channels\]\. Layers with feature maps: conv1, pool1, features\./,
  );
  await rejects({ layer: 'conv1' }, /CAM is defined only at 'features'.*Grad-CAM/);
  await rejects({ classIndex: 5 }, /classIndex 5 is not a class.*0 to 4/);
  await rejects({ classIndex: 1.5 }, /classIndex must be an integer, got 1.5/);
  await rejects({ classIndex: -1 }, /classIndex -1/);
  await rejects({ topK: 0 }, /topK must be an integer from 1 to 5/);
  await rejects({ topK: 6 }, /topK must be an integer from 1 to 5/);
  await rejects({ topK: 2, classIndex: 1 }, /either classIndex or topK/);
  const flat = tf.zeros([32, 32]);
  await assert.rejects(classActivationMap(model, flat as tf.Tensor3D), /\[height, width, channels\].*\[32, 32\]/);
  const fourChannels = tf.zeros([32, 32, 4]);
  await assert.rejects(classActivationMap(model, fourChannels as tf.Tensor3D), /1 or 3 channels/);
  await assert.rejects(classActivationMap(noGap, small), /has none.*Grad-CAM/s);
  tf.dispose([flat, fourChannels]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([image, small]);
  noGap.dispose();
  model.dispose();
});

test('with a centre crop the map covers the cropped region of the image, and nothing outside it', async () => {
  const model = sequentialGapCnn();
  const wide = tf.tidy(() => tf.mul(tf.randomUniform([32, 48, 3], 0, 1, 'float32', 71), 255) as tf.Tensor3D);
  const [r] = await classActivationMap(model, wide, { fit: 'center-crop' });
  assert.deepEqual([r.heatmap.width, r.heatmap.height], [48, 32]);
  const column = (x: number) => Array.from({ length: 32 }, (_, y) => r.heatmap.data[y * 48 + x]);
  assert.ok(column(0).every((v) => v === 0) && column(47).every((v) => v === 0), 'outside the crop (8 px each side)');
  assert.ok(
    [...Array(32).keys()].some((x) => column(8 + x).some((v) => v > 0)),
    'inside the crop',
  );
  assert.equal(Math.max(...r.heatmap.data), 1);
  wide.dispose();
  model.dispose();
});

test('an image the model cannot take (channels it does not accept) is a clear error', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 4], filters: 2, kernelSize: 3, name: 'features' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  const rgb = tf.zeros([8, 8, 3]) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  await assert.rejects(
    classActivationMap(model, rgb),
    /The model takes 4 channels and the image has 3; camlab converts only between grey and RGB/,
  );
  assert.equal(tf.memory().numTensors, before);
  rgb.dispose();
  model.dispose();
});
