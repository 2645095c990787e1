// The explainer's contract: one forward pass per batch whatever classes are asked for, one backward
// pass for gradient methods, per-class results that equal one-class calls, and no tensor left behind.
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
  xGradCam,
  ablationCam,
  eigenGradCam,
  faithfulness,
  toModelInput,
  type CamResult,
  type MethodOptions,
} from '../src';
import { watchTape, wrapLayerCall } from '../src/tf-internals';
import { functionalNestedGapCnn, randomImages, sequentialGapCnn, sigmoidGapCnn } from './helpers/models';

before(
  async () => {
    await ready();
  },
  { timeout: 60_000 },
);

type Run = (model: tf.LayersModel, images: tf.Tensor4D, options?: MethodOptions) => Promise<CamResult[]>;
const METHODS: [string, Run, boolean][] = [
  ['cam', classActivationMap, false],
  ['gradcam', gradCam, true],
  ['gradcam++', gradCamPlusPlus, true],
  ['scorecam', scoreCam, false],
  ['layercam', layerCam, true],
  ['hirescam', hiResCam, true],
  ['eigencam', eigenCam, false],
  ['xgradcam', xGradCam, true],
  ['ablationcam', ablationCam, false],
  ['eigengradcam', eigenGradCam, true],
];
const CHOICES: [string, MethodOptions, number][] = [
  ['top-1', {}, 1],
  ['one given class', { classIndex: 2 }, 1],
  ['three given classes', { classIndex: [4, 0, 2] }, 3],
  ['top-3', { topK: 3 }, 3],
];

/** Counts calls of a layer (with the batch size each saw) while `body` runs. */
async function countCalls<T>(layer: tf.layers.Layer, body: () => Promise<T>): Promise<{ result: T; batches: number[] }> {
  const batches: number[] = [];
  const restore = wrapLayerCall(
    layer,
    (original) =>
      function (this: tf.layers.Layer, inputs, kwargs) {
        batches.push((Array.isArray(inputs) ? inputs[0] : inputs).shape[0]);
        return original.call(this, inputs, kwargs);
      },
  );
  try {
    return { result: await body(), batches };
  } finally {
    restore();
  }
}

test('one forward pass per batch for every method and every choice of classes; gradient methods one backward pass', async () => {
  const model = sequentialGapCnn(); // conv1 → pool1 → features (16 channels) → gap → predictions
  const images = randomImages(2, 32, 61);
  const engine = tf.engine();
  const gradients = engine.gradients;
  let backward = 0;
  engine.gradients = function (this: typeof engine, ...args: Parameters<typeof gradients>) {
    backward++;
    return gradients.apply(this, args);
  } as typeof gradients;
  try {
    for (const [name, run, needsGradients] of METHODS) {
      for (const [choice, options, ranks] of CHOICES) {
        backward = 0;
        const counted = await countCalls(model.getLayer('conv1'), () =>
          countCalls(model.getLayer('predictions'), () => run(model, images, options)),
        );
        const { result: results, batches: above } = counted.result;
        const what = `${name}, ${choice}`;
        assert.equal(results.length, 2 * ranks, what);
        // Score-CAM's masked inputs (16 channels of one image per pass) and Ablation-CAM's passes of one image
        // (its 16 ablated copies are made at the layer, above conv1) are their methods, not the explainer's pass.
        const passes = counted.batches.filter((n) => n === 2);
        const masked = counted.batches.filter((n) => n !== 2);
        assert.deepEqual(passes, [2], `${what}: forward passes over the batch`);
        assert.deepEqual(masked, name === 'scorecam' ? [16, 16] : name === 'ablationcam' ? [1, 1] : [], `${what}: masked passes`);
        assert.equal(backward, needsGradients ? 1 : 0, `${what}: backward passes`);
        // Above the layer, gradient methods run the classifier once per rank of classes, in the same pass.
        assert.equal(above[0], needsGradients ? 2 * ranks : 2, `${what}: rows through the head`);
      }
    }
  } finally {
    engine.gradients = gradients;
    images.dispose();
    model.dispose();
  }
});

test('maps of several classes from one pass equal one-class calls, also where a shortcut skips the explained layer', async () => {
  // conv_a → conv_b (explained) → conv_c → add(conv_a, conv_c) → GAP → dense: the shortcut from below
  // the layer joins above it, so it must be repeated with the layer's output for each rank.
  const input = tf.input({ shape: [12, 12, 3] });
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const a = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(71), name: 'conv_a' })
    .apply(input) as tf.SymbolicTensor;
  const b = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(72), name: 'conv_b' })
    .apply(a) as tf.SymbolicTensor;
  const c = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(73), name: 'conv_c' })
    .apply(b) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'shortcut' }).apply([a, c]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(sum) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 5, activation: 'softmax', kernelInitializer: init(74), name: 'classes' })
    .apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const images = randomImages(3, 12, 75);
  for (const [name, run] of METHODS.filter(([n]) => n !== 'cam')) {
    const top = await run(model, images, { layer: 'conv_b', topK: 3 });
    for (const r of top) {
      const [single] = (await run(model, images, { layer: 'conv_b', classIndex: r.classIndex })).filter(
        (s) => s.imageIndex === r.imageIndex,
      );
      const scale = Math.max(1e-12, ...single.raw.data.map(Math.abs));
      const worst = r.raw.data.reduce((m, v, i) => Math.max(m, Math.abs(v - single.raw.data[i])), 0);
      assert.ok(worst <= 1e-4 * scale, `${name}: image ${r.imageIndex}, class ${r.classIndex} differs by ${worst} (scale ${scale})`);
      assert.ok(Math.abs(r.score - single.score) < 1e-6 && Math.abs(r.logit - single.logit) < 1e-5, `${name}: scores`);
    }
  }
  images.dispose();
  model.dispose();
});

test('faithfulness on a sigmoid head: class 0 and class 1 both work, and `original` is the score the CAM result reports', async () => {
  const model = sigmoidGapCnn();
  const image = tf.tidy(() => tf.squeeze(randomImages(1, 20, 81), [0]) as tf.Tensor3D);
  const input = toModelInput(image, model);
  const results = await classActivationMap(model, image, { classIndex: [0, 1] });
  for (const r of results) {
    const f = await faithfulness(model, input, r.heatmap, r.classIndex, { steps: 8 });
    assert.ok(Math.abs(f.original - r.score) < 1e-6, `class ${r.classIndex}: original ${f.original}, result score ${r.score}`);
    for (const v of [f.masked, f.deletion, f.insertion]) assert.ok(v >= 0 && v <= 1, `class ${r.classIndex}: ${v} is a probability`);
  }
  assert.ok(Math.abs(results[0].score + results[1].score - 1) < 1e-6, 'the two classes of one unit share the probability');
  await assert.rejects(
    faithfulness(model, input, results[0].heatmap, 2),
    /classIndex 2 is not a class of this model: use an integer from 0 to 1/,
  );
  tf.dispose([image, input]);
  model.dispose();
});

test('tf.memory().numTensors is unchanged after 10 calls of each method, with and without smoothing (a leak would show at the first)', async () => {
  const model = functionalNestedGapCnn();
  const images = randomImages(2, 24, 91);
  const choices: MethodOptions[] = [{}, { topK: 2 }, { classIndex: [1, 3] }, { classIndex: 0, augSmooth: true }, { eigenSmooth: true }];
  for (const [name, run] of METHODS) {
    await run(model, images); // first call: tfjs's own one-time tensors, if any
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) await run(model, images, choices[i % choices.length]);
    assert.equal(tf.memory().numTensors, before, `${name}: tensors left over`);
  }
  images.dispose();
  model.dispose();
});

test('the gradient pass records only the part above the explained layer on the tape', async () => {
  const model = sequentialGapCnn(); // conv1 → pool1 → features → gap → predictions
  const images = randomImages(2, 32, 62);
  // Where tfjs records an op for the backward pass (an internal: src/tf-internals.ts).
  const recorded: string[] = [];
  const stopWatching = watchTape((kernelName) => recorded.push(kernelName));
  try {
    const taped = async (layer: string) => {
      recorded.length = 0;
      const [result] = await gradCam(model, images, { layer, classIndex: 1 });
      assert.ok(
        result.raw.data.some((v) => v !== 0),
        `a map at ${layer}`,
      );
      return recorded.filter((name) => name === 'Conv2D' || name === 'FusedConv2D'); // the kernels, not the op scopes around them
    };
    // At 'features', every convolution runs below (or in) the explained layer: none is recorded.
    assert.deepEqual(await taped('features'), []);
    // At 'conv1', the 'features' convolution runs above it and must be recorded for the gradient.
    assert.deepEqual(await taped('conv1'), ['Conv2D']);
    assert.equal(tf.engine().state.gradientDepth, 0, 'the tape is left as it was');
  } finally {
    stopWatching();
    images.dispose();
    model.dispose();
  }
});
