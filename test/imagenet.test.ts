import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { closedPort } from './helpers/net';
import { ready, resnet50, inspectModel, decodePredictions, imagenetClasses } from '../src';

before(
  async () => {
    await ready();
  },
  { timeout: 60000 },
);

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
  assert.deepEqual(
    [anatomy.featureLayer?.name, anatomy.poolingLayer?.name, anatomy.classifierLayer?.name],
    ['conv5_block3_out', 'avg_pool', 'predictions'],
  );
  net.dispose();
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

test('resnet50({ weights }) loads a Keras weights file, and ImageNet weights come from the cache or fail fast', async () => {
  const { mkdtemp, mkdir, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join, dirname } = await import('node:path');
  const { saveKerasWeights, tf } = await import('../src');
  const { cachePath } = await import('../src/model/cache');
  const dir = await mkdtemp(join(tmpdir(), 'camlab-resnet-'));
  const [previousCache, previousUrl] = [process.env.CAMLAB_CACHE, process.env.CAMLAB_RESNET50_WEIGHTS_URL];
  try {
    process.env.CAMLAB_CACHE = join(dir, 'cache');
    // An address where nothing listens stands for a machine without network access.
    const port = await closedPort();
    process.env.CAMLAB_RESNET50_WEIGHTS_URL = `http://127.0.0.1:${port}/resnet50_weights_tf_dim_ordering_tf_kernels.h5`;
    const started = Date.now();
    await assert.rejects(
      resnet50({ weights: 'imagenet' }),
      /Could not download .*resnet50_weights_tf_dim_ordering_tf_kernels\.h5 \(ECONNREFUSED\)\. Without network access, download it elsewhere and put it at '.*resnet50_weights_tf_dim_ordering_tf_kernels\.h5'/,
    );
    assert.ok(Date.now() - started < 10000, 'fails fast');
    // The file put by hand where the message says: used without any network.
    const trained = await resnet50({ seed: 7 });
    const cached = cachePath(process.env.CAMLAB_RESNET50_WEIGHTS_URL);
    await mkdir(dirname(cached), { recursive: true });
    await saveKerasWeights(trained, cached);
    const loaded = await resnet50({ weights: 'imagenet' });
    const [a, b] = [trained.getLayer('conv5_block3_3_conv').getWeights()[0], loaded.getLayer('conv5_block3_3_conv').getWeights()[0]];
    assert.equal(
      tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]),
      0,
    );
    const fromPath = await resnet50({ weights: cached });
    assert.equal(
      tf.tidy(() => tf.max(tf.abs(tf.sub(a, fromPath.getLayer('conv5_block3_3_conv').getWeights()[0]))).dataSync()[0]),
      0,
    );
    [trained, loaded, fromPath].forEach((m) => m.dispose());
  } finally {
    process.env.CAMLAB_CACHE = previousCache;
    process.env.CAMLAB_RESNET50_WEIGHTS_URL = previousUrl;
    if (previousCache === undefined) delete process.env.CAMLAB_CACHE;
    if (previousUrl === undefined) delete process.env.CAMLAB_RESNET50_WEIGHTS_URL;
    await rm(dir, { recursive: true, force: true });
  }
});
