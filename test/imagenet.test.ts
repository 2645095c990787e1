import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { ready, resnet50, inspectModel, decodePredictions, imagenetClasses } from '../src';

before(async () => {
  await ready();
});

test('ResNet-50 has Keras’s layer names, shapes and parameter count, and its CAM head is found', async () => {
  const net = await resnet50();
  assert.equal(net.countParams(), 25636712);
  const shapes = Object.fromEntries(net.layers.map((l) => [l.name, l.outputShape]));
  // Values as keras.applications.ResNet50().summary() prints them.
  assert.deepEqual(shapes.conv1_pad, [null, 230, 230, 3]);
  assert.deepEqual(shapes.conv1_conv, [null, 112, 112, 64]);
  assert.deepEqual(shapes.pool1_pool, [null, 56, 56, 64]);
  assert.deepEqual(shapes.conv2_block1_out, [null, 56, 56, 256]);
  assert.deepEqual(shapes.conv3_block4_out, [null, 28, 28, 512]);
  assert.deepEqual(shapes.conv4_block6_out, [null, 14, 14, 1024]);
  assert.deepEqual(shapes.conv5_block3_out, [null, 7, 7, 2048]);
  assert.deepEqual(shapes.avg_pool, [null, 2048]);
  assert.deepEqual(shapes.predictions, [null, 1000]);
  assert.equal(net.layers.length, 177);
  const anatomy = inspectModel(net);
  assert.deepEqual([anatomy.featureLayer?.name, anatomy.poolingLayer?.name, anatomy.classifierLayer?.name], ['conv5_block3_out', 'avg_pool', 'predictions']);
  net.dispose();
  await assert.rejects(resnet50({ weights: 'imagenet' as never }), /random weights only/);
});

test('decodePredictions names the top ImageNet classes from the packaged table', () => {
  const scores = new Float32Array(1000).fill(0.0001);
  scores[281] = 0.6;
  scores[285] = 0.3;
  const [first, second] = decodePredictions(scores, 2);
  assert.deepEqual([first.classIndex, second.classIndex], [281, 285]);
  assert.match(first.label, /tabby/);
  assert.match(second.label, /Egyptian cat/);
  assert.equal(imagenetClasses().length, 1000);
  assert.match(imagenetClasses()[0], /tench/);
  assert.throws(() => decodePredictions(new Float32Array(10)), /1000 scores/);
});
