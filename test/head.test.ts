import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready, classActivationMap, gradCam, explain } from '../src';
import { sigmoidGapCnn } from './helpers/models';

before(
  async () => {
    await ready();
  },
  { timeout: 60000 },
);

test('a single sigmoid unit is two classes: class 1 uses w, class 0 uses −w, probabilities follow the sigmoid', async () => {
  const model = sigmoidGapCnn();
  const images = tf.randomUniform([2, 20, 20, 3], 0, 255, 'float32', 21) as tf.Tensor4D;
  const p = (model.predict(images) as tf.Tensor).dataSync();
  const results = await classActivationMap(model, images, { classIndex: [0, 1] });
  assert.equal(results.length, 4);
  const bias = model.getLayer('is_cat').getWeights()[1].dataSync()[0];
  for (const r of results) {
    const expected = r.classIndex === 1 ? p[r.imageIndex] : 1 - p[r.imageIndex];
    assert.ok(Math.abs(r.score - expected) < 1e-5, 'probability');
    const mean = r.raw.data.reduce((s, v) => s + v, 0) / r.raw.data.length;
    assert.ok(Math.abs(mean + (r.classIndex === 1 ? bias : -bias) - r.logit) < 1e-4, 'identity');
  }
  const [zero, one] = results.filter((r) => r.imageIndex === 0);
  assert.ok(
    zero.raw.data.every((v, i) => Math.abs(v + one.raw.data[i]) < 1e-5),
    'class 0 map is the negated class 1 map',
  );
  const top = await classActivationMap(model, images, { topK: 2 });
  assert.deepEqual(
    top.filter((r) => r.imageIndex === 0).map((r) => r.classIndex),
    p[0] >= 0.5 ? [1, 0] : [0, 1],
  );
  await assert.rejects(classActivationMap(model, images, { classIndex: 2 }), /0 to 1/);
  const grads = await gradCam(model, images, { classIndex: 0 });
  assert.ok(Math.abs(grads[0].score - (1 - p[0])) < 1e-5);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) {
    await classActivationMap(model, images);
    await explain(model, images, { method: 'scorecam' });
    await gradCam(model, images, { topK: 2 });
  }
  assert.equal(tf.memory().numTensors, before);
  images.dispose();
  model.dispose();
});

test('a non-linear head after GAP: CAM refuses, naming the head, and explain() uses Grad-CAM at the GAP input', async () => {
  const { nonLinearHeadCnn } = await import('./helpers/models');
  const model = nonLinearHeadCnn();
  const image = tf.randomUniform([20, 20, 3], 0, 255, 'float32', 31) as tf.Tensor3D;
  await assert.rejects(
    classActivationMap(model, image),
    /head is not linear: head\/hidden \(Dense, relu\) → head\/classes \(Dense, softmax\)\. Use Grad-CAM at 'base\/base_features'/,
  );
  const [r] = await explain(model, image);
  assert.equal(r.method, 'gradcam');
  assert.equal(r.layer, 'base/base_features');
  const p = (model.predict(tf.expandDims(image, 0)) as tf.Tensor).dataSync();
  assert.ok(Math.abs(r.score - Math.max(...p)) < 1e-5);
  image.dispose();
  model.dispose();
});

test('MobileNet’s head (GAP → Reshape → 1×1 conv → softmax → Reshape) is a CAM head, with logits before the softmax', async () => {
  const { mobilenetHeadCnn } = await import('./helpers/models');
  const { inspectModel } = await import('../src');
  const model = mobilenetHeadCnn();
  const anatomy = inspectModel(model);
  assert.deepEqual(
    [anatomy.featureLayer?.name, anatomy.poolingLayer?.name, anatomy.classifierLayer?.name, anatomy.activation],
    ['conv_pw_13_relu', 'global_average_pooling2d_1', 'conv_preds', 'softmax'],
  );
  const images = tf.randomUniform([2, 16, 16, 3], 0, 255, 'float32', 41) as tf.Tensor4D;
  const results = await classActivationMap(model, images, { classIndex: [0, 1, 2, 3, 4] });
  const logits = tf.tidy(() => {
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv_preds').output as tf.SymbolicTensor });
    return tf.reshape(sub.predict(images) as tf.Tensor, [2, 5]).arraySync() as number[][];
  });
  const bias = model.getLayer('conv_preds').getWeights()[1].dataSync();
  const p = (model.predict(images) as tf.Tensor).arraySync() as number[][];
  for (const r of results) {
    const mean = r.raw.data.reduce((s, v) => s + v, 0) / r.raw.data.length;
    assert.ok(Math.abs(mean + bias[r.classIndex] - logits[r.imageIndex][r.classIndex]) < 1e-4, 'identity against the conv_preds output');
    assert.ok(Math.abs(r.logit - logits[r.imageIndex][r.classIndex]) < 1e-4);
    assert.ok(Math.abs(r.score - p[r.imageIndex][r.classIndex]) < 1e-5);
  }
  const [g] = await gradCam(model, images, { classIndex: 3 });
  assert.ok(Math.abs(g.logit - logits[0][3]) < 1e-4, 'Grad-CAM explains the logit, not the probability');
  images.dispose();
  model.dispose();
});
