import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready, classActivationMap, gradCam, explain } from '../src';
import { sigmoidGapCnn } from './helpers/models';

before(async () => {
  await ready();
});

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
  assert.ok(zero.raw.data.every((v, i) => Math.abs(v + one.raw.data[i]) < 1e-5), 'class 0 map is the negated class 1 map');
  const top = await classActivationMap(model, images, { topK: 2 });
  assert.deepEqual(top.filter((r) => r.imageIndex === 0).map((r) => r.classIndex), p[0] >= 0.5 ? [1, 0] : [0, 1]);
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
  await assert.rejects(classActivationMap(model, image), /head is not linear: head\/hidden \(Dense, relu\) → head\/classes \(Dense, softmax\)\. Use Grad-CAM at 'base\/base_features'/);
  const [r] = await explain(model, image);
  assert.equal(r.method, 'gradcam');
  assert.equal(r.layer, 'base/base_features');
  const p = (model.predict(tf.expandDims(image, 0)) as tf.Tensor).dataSync();
  assert.ok(Math.abs(r.score - Math.max(...p)) < 1e-5);
  image.dispose();
  model.dispose();
});
