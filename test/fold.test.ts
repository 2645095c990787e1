import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import {
  tf,
  ready,
  explain,
  gradCam,
  loadModel,
  loadImage,
  saveModel,
  findImageFiles,
  openExplainPool,
  type FileExplanation,
} from '../src';
import { foldBatchNorms } from '../src/model/fold';

const init = (seed: number) => tf.initializers.glorotNormal({ seed });

/**
 * Conv + BatchNormalization pairs of every kind: foldable (a, b), a convolution without bias (c), one
 * with its own ReLU before the normalisation (d), and one whose output also feeds a shortcut (e).
 */
function normalisedCnn(): tf.LayersModel {
  const input = tf.input({ shape: [20, 24, 3] });
  const conv = (x: tf.SymbolicTensor, name: string, seed: number, extra: { useBias?: boolean; activation?: 'relu' } = {}) =>
    tf.layers
      .conv2d({
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: init(seed),
        biasInitializer: tf.initializers.randomNormal({ seed: seed + 50 }),
        name,
        ...extra,
      })
      .apply(x) as tf.SymbolicTensor;
  const norm = (x: tf.SymbolicTensor, name: string) =>
    tf.layers.batchNormalization({ axis: 3, epsilon: 1e-3, name }).apply(x) as tf.SymbolicTensor;
  const relu = (x: tf.SymbolicTensor, name: string) => tf.layers.activation({ activation: 'relu', name }).apply(x) as tf.SymbolicTensor;
  let x = relu(norm(conv(input, 'conv_a', 1), 'bn_a'), 'relu_a');
  x = relu(norm(conv(x, 'conv_b', 2), 'bn_b'), 'relu_b');
  x = norm(conv(x, 'conv_c', 3, { useBias: false }), 'bn_c');
  x = norm(conv(x, 'conv_d', 4, { activation: 'relu' }), 'bn_d');
  const e = conv(x, 'conv_e', 5);
  x = relu(tf.layers.add({ name: 'shortcut' }).apply([norm(e, 'bn_e'), e]) as tf.SymbolicTensor, 'features');
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: 4, activation: 'softmax', kernelInitializer: init(9), name: 'predictions' })
    .apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  // Statistics far from the initial γ = 1, β = 0, μ = 0, σ² = 1, so that a wrong fold shows.
  let seed = 20;
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    layer.setWeights(
      layer.getWeights().map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.3 : -1.5, i === 3 ? 3 : 1.5, 'float32', seed++)),
    );
  }
  return model;
}

function copyOf(model: tf.LayersModel): tf.LayersModel {
  const copy = normalisedCnn();
  copy.setWeights(model.getWeights());
  return copy;
}

const maxDifference = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

let dir: string;
before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-fold-'));
  },
  { timeout: 60_000 },
);
after(() => rm(dir, { recursive: true, force: true }), { timeout: 60_000 });

test('BatchNormalization folds into the convolution before it only where that is exact, and the outputs stay the same', async () => {
  const original = normalisedCnn();
  const folded = copyOf(original);
  const images = tf.randomUniform([3, 20, 24, 3], 0, 255, 'float32', 3) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  assert.equal(
    foldBatchNorms(folded, folded.getLayer('conv_b')),
    1,
    'only bn_a: conv_b is kept, c has no bias, d its own ReLU, e a second consumer',
  );
  assert.equal(tf.memory().numTensors, before, 'folding leaves no tensor behind');
  assert.notEqual(
    maxDifference(folded.getLayer('conv_a').getWeights()[0], original.getLayer('conv_a').getWeights()[0]),
    0,
    'conv_a now carries bn_a',
  );
  assert.equal(
    maxDifference(folded.getLayer('conv_b').getWeights()[0], original.getLayer('conv_b').getWeights()[0]),
    0,
    'conv_b is untouched',
  );
  const [p, q] = [original.predict(images) as tf.Tensor, folded.predict(images) as tf.Tensor];
  assert.ok(maxDifference(p, q) < 1e-5, `predictions moved by ${maxDifference(p, q)}`);
  // Grad-CAM at the kept convolution, and at the folded pair's normalisation, read the same maps.
  for (const layer of ['conv_b', 'bn_a']) {
    const [a] = await gradCam(original, images, { layer, classIndex: 2 });
    const [b] = await gradCam(folded, images, { layer, classIndex: 2 });
    const scale = Math.max(...a.raw.data.map(Math.abs));
    a.raw.data.forEach((v, i) => assert.ok(Math.abs(v - b.raw.data[i]) <= 1e-4 * scale, `${layer} at ${i}: ${v} vs ${b.raw.data[i]}`));
  }
  assert.equal(foldBatchNorms(copyOf(original), undefined), 2, 'without a kept layer, bn_b folds too');
  tf.dispose([p, q, images]);
  original.dispose();
  folded.dispose();
});

test('a pool explains with its folded copy: the same maps as explain() on the model as saved', async () => {
  const model = normalisedCnn();
  const modelDir = join(dir, 'model');
  await saveModel(model, modelDir);
  const images = join(dir, 'images');
  await mkdir(images);
  const data = Buffer.alloc(30 * 26 * 4, 255);
  for (let i = 0; i < 30 * 26; i++) for (let c = 0; c < 3; c++) data[i * 4 + c] = (i * (3 + c) + (i % 30) * 11) % 256;
  await writeFile(join(images, 'a.png'), await Jimp.fromBitmap({ width: 30, height: 26, data }).getBuffer('image/png'));
  const files: FileExplanation[] = [];
  const pool = await openExplainPool({ model: modelDir, method: 'gradcam', layer: 'features' }, { workers: 1 });
  try {
    assert.equal(pool.info.foldedBatchNorms, 2);
    for await (const file of pool.files(await findImageFiles([images]))) files.push(file);
  } finally {
    await pool.close();
  }
  const saved = await loadModel(modelDir);
  const image = await loadImage(join(images, 'a.png'));
  try {
    const [direct] = await explain(saved, image, { method: 'gradcam', layer: 'features' });
    const [pooled] = files[0].results;
    assert.equal(pooled.classIndex, direct.classIndex);
    assert.ok(Math.abs(pooled.logit - direct.logit) < 1e-4);
    const scale = Math.max(...direct.raw.data.map(Math.abs));
    direct.raw.data.forEach((v, i) =>
      assert.ok(Math.abs(v - pooled.raw.data[i]) <= 1e-4 * scale, `at ${i}: ${v} vs ${pooled.raw.data[i]}`),
    );
  } finally {
    image.dispose();
    saved.dispose();
    model.dispose();
  }
});
