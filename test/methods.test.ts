import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  tf,
  ready,
  classActivationMap,
  gradCam,
  gradCamPlusPlus,
  scoreCam,
  layerCam,
  hiResCam,
  eigenCam,
  explain,
  methods,
  layerActivations,
  CamlabError,
  type CamResult,
} from '../src';
import { METHOD_NAMES } from '../src/choices';
import { bilinear, minMax } from './helpers/reference';
import { flattenCnn, functionalNestedGapCnn, randomImages, sequentialGapCnn } from './helpers/models';

before(
  async () => {
    await ready();
  },
  { timeout: 60000 },
);

const FAMILY = { gradCam, gradCamPlusPlus, scoreCam, layerCam, hiResCam, eigenCam };
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('on a GAP + linear head: HiResCAM = CAM / (h·w), Grad-CAM · (h·w) = CAM, and Grad-CAM’s heat map is CAM’s after ReLU', async () => {
  const model = sequentialGapCnn();
  const images = randomImages(2, 32, 101);
  const classes = { classIndex: [0, 3] };
  const [cams, grads, hires] = [
    await classActivationMap(model, images, classes),
    await gradCam(model, images, classes),
    await hiResCam(model, images, classes),
  ];
  for (const [i, cam] of cams.entries()) {
    const hw = cam.raw.width * cam.raw.height;
    const scale = Math.max(...cam.raw.data.map(Math.abs));
    assert.ok(
      maxDiff(
        hires[i].raw.data,
        cam.raw.data.map((v) => v / hw),
      ) <
        1e-6 * scale,
      'HiResCAM',
    );
    assert.ok(
      maxDiff(
        grads[i].raw.data.map((v) => v * hw),
        cam.raw.data,
      ) <
        1e-5 * scale,
      'Grad-CAM raw',
    );
    // Computed here, not with camlab's resize and scaling: ReLU, bilinear to 32 × 32, min–max.
    const expected = minMax(
      bilinear(
        Array.from(cam.raw.data, (v) => Math.max(0, v)),
        cam.raw.width,
        cam.raw.height,
        32,
        32,
      ),
    );
    assert.ok(maxDiff(grads[i].heatmap.data, expected) < 1e-4, 'Grad-CAM heat map');
    assert.equal(grads[i].method, 'gradcam');
  }
  tf.dispose(images);
  model.dispose();
});

test('Grad-CAM at an inner layer equals one computed from the layer’s output by tf.grad, independently', async () => {
  const model = sequentialGapCnn();
  const image = tf.tidy(() => tf.squeeze(randomImages(1, 32, 7), [0]) as tf.Tensor3D);
  const [result] = await gradCam(model, image, { layer: 'conv1', classIndex: 1 });
  const reference = tf.tidy(() => {
    const a = model.layers[0].apply(tf.expandDims(image, 0)) as tf.Tensor4D;
    const rest = model.layers.slice(1, -1);
    const [kernel, bias] = model.layers[model.layers.length - 1].getWeights();
    const logit = (x: tf.Tensor) => {
      const h = rest.reduce((t, l) => l.apply(t) as tf.Tensor, x);
      return tf.sum(tf.slice(tf.add(tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D), bias), [0, 1], [1, 1]));
    };
    const g = tf.grad(logit)(a);
    const alpha = tf.mean(g, [0, 1, 2]);
    return tf.sum(tf.mul(tf.squeeze(a, [0]), alpha), 2).dataSync();
  });
  assert.equal(result.raw.width, 32);
  const scale = Math.max(...Array.from(reference).map(Math.abs));
  assert.ok(maxDiff(result.raw.data, reference) < 1e-4 * scale);
  image.dispose();
  model.dispose();
});

test('Eigen-CAM is the first principal component of the channel-centred activations', async () => {
  const model = sequentialGapCnn();
  const image = tf.tidy(() => tf.squeeze(randomImages(1, 32, 17), [0]) as tf.Tensor3D);
  const [result] = await eigenCam(model, image, { layer: 'features' });
  const acts = await layerActivations(model, image, 'features');
  const [, h, w, k] = acts.shape;
  const a = Array.from(await acts.data());
  acts.dispose();
  // Plain power iteration in double precision on the k×k covariance.
  const means = Array.from({ length: k }, (_, c) => a.filter((_, i) => i % k === c).reduce((s, v) => s + v, 0) / (h * w));
  const x = Array.from({ length: h * w }, (_, p) => Array.from({ length: k }, (_, c) => a[p * k + c] - means[c]));
  let v = Array(k).fill(1 / Math.sqrt(k));
  for (let it = 0; it < 300; it++) {
    const xv = x.map((row) => row.reduce((s, r, c) => s + r * v[c], 0));
    const next = Array.from({ length: k }, (_, c) => x.reduce((s, row, p) => s + row[c] * xv[p], 0));
    const norm = Math.hypot(...next);
    v = next.map((n) => n / norm);
  }
  const projection = x.map((row) => row.reduce((s, r, c) => s + r * v[c], 0));
  const dot = projection.reduce((s, p, i) => s + p * result.raw.data[i], 0);
  const cosine = Math.abs(dot) / (Math.hypot(...projection) * Math.hypot(...result.raw.data));
  assert.ok(cosine > 0.999, `cosine ${cosine}`);
  image.dispose();
  model.dispose();
});

test('every method works at any layer, on models without GAP, and leaves no tensor over 50 calls', async () => {
  const noGap = flattenCnn();
  const nested = functionalNestedGapCnn();
  const image = tf.zeros([16, 16, 3]).add(tf.randomUniform([16, 16, 3], 0, 255, 'float32', 3)) as tf.Tensor3D;
  const nestedImage = tf.randomUniform([24, 24, 3], 0, 255, 'float32', 4) as tf.Tensor3D;
  for (const [name, method] of Object.entries(FAMILY)) {
    const [r] = await method(noGap, image);
    assert.equal(r.layer, 'conv');
    assert.ok(r.heatmap.data.every(Number.isFinite), `${name}: finite`);
    const [inner] = await method(nested, nestedImage, { layer: 'backbone/block1' });
    assert.equal(inner.raw.width, 24, `${name}: at the nested layer's resolution`);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) await method(nested, nestedImage, { topK: i % 2 ? 2 : 1 });
    assert.equal(tf.memory().numTensors, before, `${name}: tensors left over`);
  }
  tf.dispose([image, nestedImage]);
  noGap.dispose();
  nested.dispose();
});

test('explain() picks CAM where it is exact and Grad-CAM otherwise, and says which', async () => {
  const withGap = sequentialGapCnn();
  const noGap = flattenCnn();
  const image = tf.randomUniform([32, 32, 3], 0, 255, 'float32', 8) as tf.Tensor3D;
  const small = tf.randomUniform([16, 16, 3], 0, 255, 'float32', 9) as tf.Tensor3D;
  const pick = async (model: tf.LayersModel, img: tf.Tensor3D, options = {}) =>
    ((await explain(model, img, options))[0] as CamResult).method;
  assert.equal(await pick(withGap, image), 'cam');
  assert.equal(await pick(withGap, image, { layer: 'conv1' }), 'gradcam');
  assert.equal(await pick(noGap, small), 'gradcam');
  assert.equal(await pick(withGap, image, { method: 'layercam' }), 'layercam');
  assert.deepEqual(
    methods.map((m) => m.name),
    ['cam', 'gradcam', 'gradcam++', 'scorecam', 'layercam', 'hirescam', 'eigencam', 'xgradcam', 'ablationcam', 'eigengradcam'],
  );
  // The CLI checks --method against the light list, before the library loads: the two must agree.
  assert.deepEqual(
    methods.map((m) => m.name),
    [...METHOD_NAMES],
  );
  await assert.rejects(explain(withGap, image, { method: 'nope' as never }), /Unknown method 'nope'/);
  tf.dispose([image, small]);
  withGap.dispose();
  noGap.dispose();
});

test('a layer without feature maps, and NaN activations, are clear errors', async () => {
  const model = sequentialGapCnn();
  const image = tf.randomUniform([32, 32, 3], 0, 255, 'float32', 10) as tf.Tensor3D;
  await assert.rejects(
    gradCam(model, image, { layer: 'gap' }),
    (e: Error) => e instanceof CamlabError && /'gap' outputs \[n, 16\].*Layers with feature maps: conv1, pool1, features/.test(e.message),
  );
  // NaN input is refused before the model (bad-input.test.ts); NaN weights in a linear conv make NaN activations.
  const linear = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3, name: 'linear_features' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  const conv = linear.getLayer('linear_features');
  const nanWeights = conv.getWeights().map((w) => tf.fill(w.shape, NaN));
  conv.setWeights(nanWeights);
  tf.dispose(nanWeights);
  const broken = tf.fill([8, 8, 3], 100) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  await assert.rejects(layerCam(linear, broken), /activations of 'linear_features' hold 72 NaN or infinite value\(s\)/);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([image, broken]);
  model.dispose();
  linear.dispose();
});
