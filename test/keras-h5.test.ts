import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, ready, loadModel, loadKerasWeights, saveKerasWeights, CamlabError } from '../src';
import { functionalNestedGapCnn, randomImages, sequentialGapCnn } from './helpers/models';

let dir: string;
before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-h5-'));
  },
  { timeout: 60000 },
);
after(() => rm(dir, { recursive: true, force: true }), { timeout: 60000 });

const predict = (model: tf.LayersModel, images: tf.Tensor) => tf.tidy(() => Array.from((model.predict(images) as tf.Tensor).dataSync()));
const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

/** The same architecture with other initial weights: what a user builds before loading a file. */
function reinitialised(build: () => tf.LayersModel): tf.LayersModel {
  const model = build();
  model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.1, 'float32', 100 + i)));
  return model;
}

for (const [name, build, size] of [
  ['Sequential', sequentialGapCnn, 32],
  ['nested functional', functionalNestedGapCnn, 24],
] as const) {
  test(`Keras-layout weights load into a ${name} model by layer name`, async () => {
    const source = build();
    const path = join(dir, `${name}.h5`);
    await saveKerasWeights(source, path);
    const target = reinitialised(build);
    const images = randomImages(2, size, 5);
    assert.notDeepEqual(predict(target, images), predict(source, images));
    await loadKerasWeights(target, path);
    const [a, b] = [predict(target, images), predict(source, images)];
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
    tf.dispose(images);
    source.dispose();
    target.dispose();
  });
}

test('a wrong shape and a missing layer are named, and the model is left as it was', async () => {
  const source = sequentialGapCnn(6); // six classes: the classifier's kernel is 16×6, not 16×5
  const wrong = join(dir, 'wrong.h5');
  await saveKerasWeights(source, wrong);
  const target = sequentialGapCnn();
  const before = weightsOf(target);
  await assert.rejects(
    loadKerasWeights(target, wrong),
    (e: Error) =>
      e instanceof CamlabError &&
      /Layer 'predictions', weight 'predictions\/kernel:0': the file has shape \[16, 6\] but the model expects \[16, 5\]/.test(e.message),
  );
  assert.deepEqual(weightsOf(target), before, 'nothing changed');
  const partial = tf.sequential({ layers: [source.layers[0]] });
  const missing = join(dir, 'missing.h5');
  await saveKerasWeights(partial, missing);
  await assert.rejects(loadKerasWeights(target, missing), /has no weights for layer 'features' \(it has: conv1\)/);
  assert.deepEqual(weightsOf(target), before);
  await writeFile(join(dir, 'not.h5'), 'plain text');
  await assert.rejects(loadKerasWeights(target, join(dir, 'not.h5')), /is not an HDF5 file/);
  await assert.rejects(loadKerasWeights(target, join(dir, 'nope.h5')), /Keras file not found/);
  source.dispose();
  target.dispose();
});

test('a whole Keras .h5 model (model_config + model_weights) loads with loadModel', async () => {
  const source = functionalNestedGapCnn();
  const path = join(dir, 'whole.h5');
  // Keras ≥ 2.4 names functional models 'Functional'.
  await saveKerasWeights(source, path, {
    modelConfig: JSON.stringify({ ...(source.toJSON(null, false) as object), class_name: 'Functional' }),
  });
  const loaded = await loadModel(path);
  const images = randomImages(2, 24, 9);
  const [a, b] = [predict(loaded, images), predict(source, images)];
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
  await assert.rejects(loadModel(join(dir, 'Sequential.h5')), /holds weights only/);
  tf.dispose(images);
  source.dispose();
  loaded.dispose();
});

test('a weights file written by h5py the way Keras writes it (byte-string names) loads', async () => {
  const { execFileSync } = await import('node:child_process');
  const path = join(dir, 'from-h5py.h5');
  // Independent of camlab's writer: Keras 2 stores names as fixed-length byte strings.
  execFileSync('/usr/bin/python3', [
    '-c',
    `
import h5py, numpy as np
shapes = {'conv1': [(3, 3, 3, 8), (8,)], 'features': [(3, 3, 8, 16), (16,)], 'predictions': [(16, 5), (5,)]}
with h5py.File(${JSON.stringify(path)}, 'w') as f:
    f.attrs['layer_names'] = np.array([n.encode() for n in shapes], dtype='S')
    f.attrs['backend'] = b'tensorflow'
    for layer, (kernel, bias) in shapes.items():
        g = f.create_group(layer)
        g.attrs['weight_names'] = np.array([f'{layer}/kernel:0'.encode(), f'{layer}/bias:0'.encode()], dtype='S')
        g.create_dataset(f'{layer}/kernel:0', data=np.arange(np.prod(kernel), dtype='float32').reshape(kernel) / 1000)
        g.create_dataset(f'{layer}/bias:0', data=np.full(bias, 0.5, dtype='float32'))
`,
  ]);
  const model = sequentialGapCnn();
  await loadKerasWeights(model, path);
  const kernel = model.getLayer('features').getWeights()[0];
  assert.deepEqual(kernel.shape, [3, 3, 8, 16]);
  assert.ok(Math.abs(kernel.dataSync()[17] - 0.017) < 1e-6);
  assert.ok(Math.abs(kernel.dataSync()[1151] - 1.151) < 1e-6);
  assert.deepEqual(Array.from(model.getLayer('predictions').getWeights()[1].dataSync()), [0.5, 0.5, 0.5, 0.5, 0.5]);
  model.dispose();
});
