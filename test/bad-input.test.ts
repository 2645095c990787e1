// Bad input never gives a wrong answer: each case is refused with a message that says what was given,
// and leaves tf.memory().numTensors as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  tf,
  ready,
  CamlabError,
  classActivationMap,
  gradCam,
  explain,
  overlayPng,
  boundingBox,
  inspectModel,
  loadModel,
  modelInputSize,
  toModelInput,
  digitsCanvas,
  faithfulness,
  layerActivations,
  gradCamPlusPlus,
  layerCam,
  hiResCam,
  currentBackend,
  heatmapFigure,
  type Heatmap,
  modelLabels,
  modelMetadata,
  saveModel,
  saveKerasWeights,
  loadKerasWeights,
  explorerFigure,
  eigenCam,
  scoreCam,
} from '../src';
import { sequentialGapCnn } from './helpers/models';
import { nonFiniteReport } from './helpers/non-finite';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
let dir: string;

before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-bad-input-'));
  },
  { timeout: 60_000 },
);
after(() => rm(dir, { recursive: true, force: true }), { timeout: 60_000 });

const camlabError = (pattern: RegExp) => (e: Error) => e instanceof CamlabError && pattern.test(e.message);

const NON_FINITE = [
  /^The image holds 3072 NaN or infinite value\(s\) \(the first, NaN, at row 0, column 0, channel 0\); a model would answer something meaningless\./,
  /^The image holds 1 NaN or infinite value\(s\) \(the first, NaN, at row 10, column 20, channel 1\)/,
  /^The image holds 3 NaN or infinite value\(s\) \(the first, Infinity, at image 1, row 4, column 5, channel 0\)/,
  /^The image holds 3072 NaN or infinite value\(s\) \(the first, -Infinity, at row 0, column 0, channel 0\)/,
];

test('NaN and ±Infinity are refused before the model runs on WASM, with the count and the first position', async () => {
  const report = await nonFiniteReport();
  assert.equal(report.backend, 'wasm');
  report.messages.forEach((message, i) => assert.match(message, NON_FINITE[i]));
  assert.equal(report.leaked, 0);
});

test('the same on the CPU backend (a child process with CAMLAB_BACKEND=cpu)', async () => {
  const script = `require('./test/helpers/non-finite').nonFiniteReport().then((r) => console.log(JSON.stringify(r)), (e) => { console.log(JSON.stringify({ error: e.message })); })`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, CAMLAB_BACKEND: 'cpu', CAMLAB_QUIET: '1' },
    timeout: 120_000,
  });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as Awaited<ReturnType<typeof nonFiniteReport>>;
  assert.equal(report.backend, 'cpu');
  report.messages.forEach((message, i) => assert.match(message, NON_FINITE[i]));
  assert.equal(report.leaked, 0);
});

test('zero-sized, disposed, null and non-tensor images are refused by name', async () => {
  const model = sequentialGapCnn();
  const disposed = tf.zeros([32, 32, 3]) as tf.Tensor3D;
  disposed.dispose();
  const empty = [tf.zeros([0, 64, 3]), tf.zeros([64, 0, 3]), tf.zeros([2, 0, 5, 3])] as tf.Tensor[] as tf.Tensor3D[];
  const heat: Heatmap = { width: 4, height: 4, data: new Float32Array(16) };
  const before = tf.memory().numTensors;
  await assert.rejects(
    classActivationMap(model, empty[0]),
    camlabError(/^The image is 64×0 pixels \(shape \[0, 64, 3\]\): an image needs at least one row and one column\.$/),
  );
  await assert.rejects(gradCam(model, empty[1]), camlabError(/^The image is 0×64 pixels \(shape \[64, 0, 3\]\)/));
  await assert.rejects(explain(model, empty[2]), camlabError(/^The image is 5×0 pixels \(shape \[2, 0, 5, 3\]\)/));
  await assert.rejects(overlayPng(empty[0], heat), camlabError(/^The image is 64×0 pixels/));
  await assert.rejects(
    classActivationMap(model, disposed),
    camlabError(/^The images tensor \[32, 32, 3\] has been disposed; load or create it again\.$/),
  );
  await assert.rejects(overlayPng(disposed, heat), camlabError(/^The image tensor \[32, 32, 3\] has been disposed/));
  await assert.rejects(
    classActivationMap(model, null as never),
    camlabError(/^The images must be a tensor \(loadImage\(\) makes one from a file\), got null\.$/),
  );
  await assert.rejects(
    gradCam(model, [[[0, 0, 0]]] as never),
    camlabError(/The images must be a tensor .*got an array \[an array \[an array \[0, 0, 0\]\]\]/),
  );
  await assert.rejects(overlayPng(undefined as never, heat), camlabError(/The image must be a tensor .*got undefined/));
  assert.equal(tf.memory().numTensors, before);
  tf.dispose(empty);
  model.dispose();
});

test('options are checked by type and range where they enter; a string is named as a string', async () => {
  const model = sequentialGapCnn();
  const image = tf.zeros([32, 32, 3]) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const cases: [object | null, RegExp][] = [
    [{ score: 'nope' }, /^score must be one of 'logit', 'probability', got the string 'nope'\.$/],
    [{ classIndex: '3' }, /^classIndex must be an integer, got the string '3'\.$/],
    [{ classIndex: [1, '2'] }, /^classIndex\[1\] must be an integer, got the string '2'\.$/],
    [{ classIndex: [] }, /^classIndex is an empty list; give at least one class\.$/],
    [{ topK: '2' }, /^topK must be an integer, got the string '2'\.$/],
    [{ layer: 5 }, /^layer must be a string, got 5\.$/],
    [{ batchSize: 0 }, /^batchSize must be an integer ≥ 1, got 0\.$/],
    [{ progress: 'yes' }, /^progress must be a boolean, got the string 'yes'\.$/],
    [{ fit: 'crop' }, /^fit must be one of 'stretch', 'center-crop', got the string 'crop'\.$/],
    [
      { preprocess: 'imagenet' },
      /^preprocess must be one of 'none', 'caffe', 'tf', 'torch', 'teachable-machine', got the string 'imagenet'\.$/,
    ],
    [{ inputSize: [0, 3] }, /^inputSize\[0\] must be an integer ≥ 1, got 0\.$/],
    [{ inputSize: 32 }, /^inputSize must be \[height, width\], got 32\.$/],
    [null, /^The options of (classActivationMap|gradcam) must be an object, got null\.$/],
  ];
  for (const [options, pattern] of cases) {
    await assert.rejects(
      classActivationMap(model, image, options as never),
      camlabError(pattern),
      `classActivationMap ${JSON.stringify(options)}`,
    );
    await assert.rejects(gradCam(model, image, options as never), camlabError(pattern), `gradCam ${JSON.stringify(options)}`);
  }
  await assert.rejects(explain(model, image, { method: 'gradcam', score: 'nope' as never }), camlabError(/^score must be one of/));
  await assert.rejects(explain(model, image, null as never), camlabError(/^The options of explain must be an object, got null\.$/));
  await assert.rejects(explain(model, image, { method: 3 as never }), camlabError(/^method must be a string, got 3\.$/));
  assert.throws(
    () => toModelInput(image, model, { fit: 3 as never }),
    camlabError(/^fit must be one of 'stretch', 'center-crop', got 3\.$/),
  );
  // A misspelt name would be ignored and the map drawn for the top class: refused, with the name meant.
  await assert.rejects(
    classActivationMap(model, image, { classindex: 3 } as never),
    camlabError(
      /^classActivationMap has no option 'classindex'; did you mean 'classIndex'\? Its options: fit, preprocess, inputSize, classIndex, topK, layer, score, batchSize, progress, augSmooth, eigenSmooth\.$/,
    ),
  );
  await assert.rejects(gradCam(model, image, { topk: 2 } as never), camlabError(/^gradcam has no option 'topk'; did you mean 'topK'\?/));
  await assert.rejects(
    explain(model, image, { methd: 'gradcam' } as never),
    camlabError(/^explain has no option 'methd'; did you mean 'method'\?/),
  );
  await assert.rejects(explain(model, image, { colour: 'red' } as never), camlabError(/^explain has no option 'colour'\. Its options: /));
  const flat: Heatmap = { width: 4, height: 3, data: new Float32Array(12).fill(0.5) };
  assert.throws(
    () => boundingBox(flat, { treshold: 0.5 } as never),
    camlabError(/^boundingBox has no option 'treshold'; did you mean 'threshold'\?/),
  );
  await assert.rejects(
    overlayPng(image, flat, { colourmap: 'gray' } as never),
    camlabError(/^overlayPng has no option 'colourmap'; did you mean 'colormap'\?/),
  );
  assert.equal(tf.memory().numTensors, before);
  image.dispose();
  model.dispose();
});

test('heat maps are checked before they are drawn or boxed', async () => {
  const image = tf.zeros([4, 4, 3]) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const short: Heatmap = { width: 4, height: 4, data: new Float32Array(12) };
  const allNaN: Heatmap = { width: 3, height: 2, data: new Float32Array(6).fill(NaN) };
  const oneInf: Heatmap = { width: 3, height: 2, data: Float32Array.from([0, 0, 0, 0, Infinity, 0]) };
  await assert.rejects(overlayPng(image, short), camlabError(/^The heat map is inconsistent: 4×4 needs 16 values and it has 12\.$/));
  await assert.rejects(
    overlayPng(image, oneInf),
    camlabError(/^The heat map holds 1 NaN or infinite value\(s\) of 6 \(the first at row 1, column 1\); it cannot be drawn or boxed\.$/),
  );
  await assert.rejects(
    overlayPng(image, null as never),
    camlabError(/^The heat map must be \{ width, height, data: Float32Array \} .*got null\.$/),
  );
  await assert.rejects(
    overlayPng(image, short, { colormap: 'rainbow' as never }),
    camlabError(/^colormap must be one of 'jet', 'viridis', 'inferno', 'turbo', 'gray', 'coolwarm', got the string 'rainbow'\.$/),
  );
  await assert.rejects(
    overlayPng(image, short, { alpha: '0.5' as never }),
    camlabError(/^alpha must be a number between 0 and 1, got the string '0\.5'\.$/),
  );
  assert.throws(() => heatmapFigure(image, allNaN), camlabError(/^The heat map holds 6 NaN or infinite value\(s\) of 6/));
  assert.throws(
    () => heatmapFigure(image, { width: 4, height: 4, data: new Float32Array(16) }, { alpha: NaN }),
    camlabError(/^alpha must be a number between 0 and 1, got NaN\.$/),
  );
  assert.throws(
    () => boundingBox(allNaN),
    camlabError(/^The heat map holds 6 NaN or infinite value\(s\) of 6 \(the first at row 0, column 0\)/),
  );
  assert.throws(() => boundingBox(short), camlabError(/inconsistent: 4×4 needs 16 values and it has 12/));
  assert.throws(
    () => boundingBox(oneInf, { threshold: '0.5' as never }),
    camlabError(/^threshold must be a number between 0 and 1, got the string '0\.5'\.$/),
  );
  assert.throws(() => boundingBox(oneInf, { threshold: NaN }), camlabError(/^threshold must be a number between 0 and 1, got NaN\.$/));
  assert.equal(tf.memory().numTensors, before);
  image.dispose();
});

/** A GAP-CNN that takes images of any size: [null, null, 3] (or, with `size`, the same weights at a fixed size). */
function variableSizeGapCnn(size: [number, number] | [null, null] = [null, null]): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const input = tf.input({ shape: [...size, 3] });
  let x = tf.layers
    .conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(21), name: 'conv1' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(22), name: 'features' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      units: 3,
      activation: 'softmax',
      kernelInitializer: init(23),
      biasInitializer: tf.initializers.randomNormal({ seed: 24 }),
      name: 'predictions',
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

test('a model with a variable input size runs at the image’s own size, or at the inputSize given', async () => {
  const model = variableSizeGapCnn();
  const fixed = sequentialGapCnn();
  const image = tf.tidy(() => tf.mul(tf.randomUniform([30, 40, 3], 0, 1, 'float32', 25), 255) as tf.Tensor3D);
  const before = tf.memory().numTensors;
  const bias = (model.getLayer('predictions').getWeights()[1].dataSync() as Float32Array).slice();
  const [own] = await classActivationMap(model, image, { classIndex: 1 });
  assert.deepEqual([own.raw.width, own.raw.height], [20, 15], 'features at half the image size');
  assert.deepEqual([own.heatmap.width, own.heatmap.height], [40, 30]);
  const mean = (data: Float32Array) => data.reduce((a, b) => a + b, 0) / data.length;
  assert.ok(Math.abs(mean(own.raw.data) + bias[1] - own.logit) < 1e-4, 'the CAM identity holds at the image’s size');
  const [given] = await classActivationMap(model, image, { classIndex: 1, inputSize: [16, 24] });
  assert.deepEqual([given.raw.width, given.raw.height], [12, 8]);
  assert.deepEqual([given.heatmap.width, given.heatmap.height], [40, 30]);
  // Methods with per-position gradients see the same maps as the model built for 30×40 with the same weights.
  const built = variableSizeGapCnn([30, 40]);
  for (const method of [gradCam, gradCamPlusPlus, layerCam, hiResCam]) {
    const [open] = await method(model, image, { classIndex: 2 });
    const [fixedAt] = await method(built, image, { classIndex: 2 });
    assert.deepEqual([open.raw.width, open.raw.height], [20, 15]);
    const worst = open.raw.data.reduce((m, v, i) => Math.max(m, Math.abs(v - fixedAt.raw.data[i])), 0);
    assert.ok(worst < 1e-5, `${open.method}: largest difference ${worst}`);
  }
  built.dispose();
  const input = toModelInput(image, model);
  assert.deepEqual(input.shape, [1, 30, 40, 3]);
  input.dispose();
  assert.throws(
    () => modelInputSize(model),
    camlabError(
      /^The model's input size is not fixed \(\[null, null, null, 3\]\); pass the size to run it at as \{ inputSize: \[height, width\] \}/,
    ),
  );
  assert.deepEqual(modelInputSize(model, { inputSize: [10, 12] }), { height: 10, width: 12, channels: 3 });
  await assert.rejects(
    classActivationMap(fixed, image, { inputSize: [16, 16] }),
    camlabError(
      /^inputSize asks for height 16, but the model's input is fixed at \[null, 32, 32, 3\]; leave inputSize out for this model\.$/,
    ),
  );
  // Too small for the pooling layer: refused from the inferred shapes (run, it aborts WASM for the whole process).
  const tiny = tf.zeros([1, 1, 3]) as tf.Tensor3D;
  await assert.rejects(
    classActivationMap(model, tiny),
    camlabError(
      /^The model cannot run at 1×1 \(height × width\): its layer 'pool' would output \[1, 0, 0, 6\]\. Give larger images, or pass \{ inputSize: \[2, 2\] \} \(the smallest square it takes\) or more to stretch them\.$/,
    ),
  );
  const [stretched] = await classActivationMap(model, tiny, { inputSize: [2, 2] });
  assert.deepEqual([stretched.raw.width, stretched.heatmap.width], [1, 1]);
  tiny.dispose();
  const [again] = await classActivationMap(model, image, { classIndex: 1 });
  assert.deepEqual(again.raw.data, own.raw.data, 'the backend still works after the refusal');
  assert.equal(tf.memory().numTensors, before);
  image.dispose();
  model.dispose();
  fixed.dispose();
});

test('`layers` on a model without convolutional layers does not recommend Grad-CAM', () => {
  const dense = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [8], units: 4, activation: 'relu', name: 'hidden' }),
      tf.layers.dense({ units: 2, activation: 'softmax', name: 'out' }),
    ],
  });
  const { problem } = inspectModel(dense);
  assert.match(
    problem!,
    /this model has none .*It has no layer with feature maps \(\[n, height, width, channels\]\) either, so no method of camlab applies/,
  );
  assert.doesNotMatch(problem!, /Grad-CAM/);
  dense.dispose();
});

test('a null or non-object model.json is named; errors from tfjs keep the original as cause', async () => {
  const before = tf.memory().numTensors;
  const write = async (name: string, text: string) => {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'model.json'), text);
    return join(dir, name);
  };
  await assert.rejects(
    loadModel(await write('null', 'null')),
    camlabError(/model\.json' holds null, not a model\.json object with modelTopology and weightsManifest\./),
  );
  await assert.rejects(
    loadModel(await write('array', '[1, 2]')),
    camlabError(/model\.json' holds an array \[1, 2\], not a model\.json object/),
  );
  await assert.rejects(loadModel(await write('topology', '{"modelTopology": 5}')), camlabError(/has no modelTopology/));
  const badJson = await loadModel(await write('json', '{"modelTopology": ')).catch((e: Error) => e);
  assert.ok(
    badJson instanceof CamlabError && /is not a readable model\.json/.test(badJson.message) && badJson.cause instanceof SyntaxError,
  );
  const unknownLayer = JSON.stringify({
    modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'NoSuchLayer', config: {} }] } },
    weightsManifest: [],
  });
  const fromTfjs = await loadModel(await write('tfjs', unknownLayer)).catch((e: Error) => e);
  assert.ok(fromTfjs instanceof CamlabError, String(fromTfjs));
  assert.match(fromTfjs.message, /could not be turned into a model: .*NoSuchLayer/);
  assert.ok(fromTfjs.cause instanceof Error && /NoSuchLayer/.test(fromTfjs.cause.message), 'tfjs error kept as cause');
  assert.equal(tf.memory().numTensors, before);
});

test('the other entry points check their arguments too: digitsCanvas, faithfulness, layerActivations, loadModel', async () => {
  const model = sequentialGapCnn();
  const input = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
  const image = tf.zeros([32, 32, 3]) as tf.Tensor3D;
  const heat: Heatmap = { width: 32, height: 32, data: new Float32Array(1024) };
  const before = tf.memory().numTensors;
  assert.throws(
    () => digitsCanvas({ split: 'val' as never, count: 1, seed: 1 }),
    camlabError(/^split must be one of 'train', 'validation', 'test', got the string 'val'\.$/),
  );
  assert.throws(
    () => digitsCanvas({ split: 'test', count: '5' as never, seed: 1 }),
    camlabError(/^count must be an integer ≥ 0, got the string '5'\.$/),
  );
  assert.throws(() => digitsCanvas({ split: 'test', count: 1, seed: NaN }), camlabError(/^seed must be an integer, got NaN\.$/));
  await assert.rejects(faithfulness(model, input, heat, 0, { steps: 0 }), camlabError(/^steps must be an integer ≥ 1, got 0\.$/));
  await assert.rejects(
    faithfulness(model, input, heat, '1' as never),
    camlabError(/^classIndex must be an integer ≥ 0, got the string '1'\.$/),
  );
  await assert.rejects(faithfulness(model, input, { ...heat, data: new Float32Array(3) }, 0), camlabError(/^The heat map is inconsistent/));
  const nanInput = tf.fill([1, 32, 32, 3], NaN) as tf.Tensor4D;
  await assert.rejects(
    faithfulness(model, nanInput, heat, 0),
    camlabError(/^The image holds 3072 NaN or infinite value\(s\) \(the first, NaN, at image 0, row 0, column 0, channel 0\)/),
  );
  nanInput.dispose();
  await assert.rejects(
    layerActivations(model, image, 3 as never),
    camlabError(/^layer must be a string \(a layer's name or nested path\), got 3\.$/),
  );
  await assert.rejects(
    loadModel(undefined as never),
    camlabError(/^loadModel takes a model\.json path, its folder, an http\(s\) URL or a hosted model's name, got undefined\.$/),
  );
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([input, image]);
  model.dispose();
});

/** Channels picked with tf.gather: its gradient needs UnsortedSegmentSum, which WASM lacks and the CPU backend has. */
class PickChannels extends tf.layers.Layer {
  static className = 'PickChannels';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.gather(x, [3, 2, 1, 0], 3);
  }
}

test('a gradient kernel the backend lacks is a camlab error with the original as cause, advice that would work, and no leak', async (t) => {
  if (currentBackend() !== 'wasm') return t.skip('only WASM lacks UnsortedSegmentSum');
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(31), name: 'c1' }),
      new PickChannels({ name: 'pick' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', kernelInitializer: init(33), name: 'pw' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(34) }),
    ],
  });
  const image = tf.fill([16, 16, 3], 100) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const error = await gradCam(model, image, { layer: 'c1' }).catch((e: Error) => e);
  assert.ok(error instanceof CamlabError, String(error));
  assert.equal(
    error.message,
    "The gradient of the class score with respect to 'c1' could not be computed on the 'wasm' backend (Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'). " +
      "Use a method without gradients (Score-CAM, Eigen-CAM), or the CPU backend, which has 'UnsortedSegmentSum' (slower: set CAMLAB_BACKEND=cpu before camlab starts).",
  );
  assert.ok(error.cause instanceof Error && !(error.cause instanceof CamlabError));
  assert.equal(tf.memory().numTensors, before);
  const [after] = await gradCam(model, image, { layer: 'pw' });
  assert.equal(after.layer, 'pw');
  assert.equal(tf.memory().numTensors, before);
  // What the message offers works at that layer.
  const [eigen] = await explain(model, image, { method: 'eigencam', layer: 'c1' });
  assert.equal(eigen.layer, 'c1');
  assert.equal(tf.memory().numTensors, before);
  image.dispose();
  model.dispose();
});

/** Passes its input on (ReLU) with a gradient that fails as a missing kernel does: a failing backward pass on every backend. */
class NoGradientLayer extends tf.layers.Layer {
  static readonly className = 'NoGradientLayer';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const relu = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x]);
      return {
        value: tf.relu(x),
        gradFunc: () => {
          throw new Error("Kernel 'NoGradient' not registered for this test");
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return relu(Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
  }
}

test('a failing backward pass is a camlab error with the original as cause and leaks nothing, on every backend', async () => {
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(41), name: 'c1' }),
      new NoGradientLayer({ name: 'broken' }),
      tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', kernelInitializer: init(43), name: 'pw' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(44) }),
    ],
  });
  const image = tf.fill([16, 16, 3], 100) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  for (const method of [gradCam, gradCamPlusPlus]) {
    const error = await method(model, image, { layer: 'c1' }).catch((e: Error) => e);
    assert.ok(error instanceof CamlabError, String(error));
    assert.match(
      error.message,
      new RegExp(
        `^The gradient of the class score with respect to 'c1' could not be computed on the '${tf.getBackend()}' backend \\(Kernel 'NoGradient' not registered for this test\\)\\. Use a method without gradients`,
      ),
    );
    assert.ok(error.cause instanceof Error && !(error.cause instanceof CamlabError));
    assert.equal(tf.memory().numTensors, before, 'the tensors the tape saved are released');
    assert.equal(tf.engine().state.gradientDepth, 0, 'the tape is left as it was');
  }
  const [after] = await gradCam(model, image, { layer: 'pw' });
  assert.equal(after.layer, 'pw');
  assert.equal(tf.memory().numTensors, before);
  image.dispose();
  model.dispose();
});

/** A real tf.GraphModel (what loadGraphModel gives for a converted SavedModel): x → Identity → y. */
async function graphModel(): Promise<tf.GraphModel> {
  const modelTopology = {
    node: [
      {
        name: 'x',
        op: 'Placeholder',
        attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '3' }] } } },
      },
      { name: 'y', op: 'Identity', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } },
    ],
    versions: { producer: 1 },
  };
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology, weightSpecs: [], weightData: new ArrayBuffer(0), format: 'graph-model' }));
}

test('every function that takes a model refuses undefined, a plain object and a GraphModel, by name, before reading it', async () => {
  const graph = await graphModel();
  const image = tf.zeros([8, 8, 3]) as tf.Tensor3D;
  const input = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
  const heat = { width: 8, height: 8, data: new Float32Array(64) };
  const before = tf.memory().numTensors;
  const entries: [string, (model: never) => unknown][] = [
    ['inspectModel', (m) => inspectModel(m)],
    ['explain', (m) => explain(m, image)],
    ['classActivationMap', (m) => classActivationMap(m, image)],
    ['gradCam', (m) => gradCam(m, image)],
    ['eigenCam', (m) => eigenCam(m, image)],
    ['scoreCam', (m) => scoreCam(m, image)],
    ['layerActivations', (m) => layerActivations(m, image, 'conv')],
    ['modelInputSize', (m) => modelInputSize(m)],
    ['toModelInput', (m) => toModelInput(image, m)],
    ['modelLabels', (m) => modelLabels(m)],
    ['modelMetadata', (m) => modelMetadata(m)],
    ['saveModel', (m) => saveModel(m, join(dir, 'never-saved'))],
    ['saveKerasWeights', (m) => saveKerasWeights(m, join(dir, 'never.h5'))],
    ['loadKerasWeights', (m) => loadKerasWeights(m, join(dir, 'never.h5'))],
    ['faithfulness', (m) => faithfulness(m, input, heat, 0)],
    ['explorerFigure', (m) => explorerFigure(m, image)],
  ];
  const notAModel =
    /^The model must be a tf\.LayersModel \(loadModel\(\) or loadDefaultModel\(\) gives one\), got (undefined|an object)\.$/;
  const graphRefused =
    /^This is a tf\.GraphModel \(loadGraphModel, a converted SavedModel or a TF Hub model\): it has no layers to explain\. Convert the Keras model with tensorflowjs_converter --output_format tfjs_layers_model/;
  try {
    for (const [name, call] of entries) {
      for (const [given, model, pattern] of [
        ['undefined', undefined, notAModel],
        ['{}', {}, notAModel],
        ['a GraphModel', graph, graphRefused],
      ] as const) {
        let caught: unknown;
        try {
          await call(model as never);
        } catch (error) {
          caught = error;
        }
        assert.ok(
          caught instanceof CamlabError && pattern.test(caught.message),
          `${name}(${given}): ${caught instanceof Error ? `${caught.constructor.name}: ${caught.message}` : 'no error'}`,
        );
      }
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  } finally {
    tf.dispose([image, input]);
    graph.dispose();
  }
});

test('loadModel names a graph model.json as such, with the way to a layers model', async () => {
  const folder = join(dir, 'graph-model');
  await mkdir(folder, { recursive: true });
  const node = [{ name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' } } }];
  await writeFile(
    join(folder, 'model.json'),
    JSON.stringify({ format: 'graph-model', modelTopology: { node, versions: {} }, weightsManifest: [{ paths: [], weights: [] }] }),
  );
  await assert.rejects(
    loadModel(folder),
    camlabError(
      /^'.*graph-model\/model\.json' is a TensorFlow\.js graph model \(a converted SavedModel or TF Hub model\): it has no layers to explain\. Convert the Keras model with tensorflowjs_converter --output_format tfjs_layers_model/,
    ),
  );
});
