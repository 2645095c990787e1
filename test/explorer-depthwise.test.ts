// The explorer on depthwise networks with every method: each combination is drawn or marked with its
// reason; a combination that cannot run (a gradient kernel the backend lacks) is marked, not fatal.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready, currentBackend, explorerFigure } from '../src';
import { METHOD_NAMES } from '../src/choices';
import type { ExplorerData } from '../src/plot/explorer';
import { mobilenetV1Architecture } from '../src/model/architectures/mobilenet';

before(
  async () => {
    await ready();
  },
  { timeout: 60000 },
);

test('MobileNet v1 with all methods at an early, a middle and the last layer: every combination but CAM away from GAP is drawn', async () => {
  const model = mobilenetV1Architecture({ alpha: 0.25, size: 64, seed: 7 });
  const image = tf.tidy(() => tf.mul(tf.randomUniform([64, 64, 3], 0, 1, 'float32', 8), 255)) as tf.Tensor3D;
  const layers = ['conv_pw_2_relu', 'conv_pw_7_relu', 'conv_pw_13_relu'];
  const before = tf.memory().numTensors;
  const figure = await explorerFigure(model, image, { layers, methods: [...METHOD_NAMES], classes: [3, 500] });
  assert.equal(tf.memory().numTensors, before);
  const spec = figure.layout.meta!.camlabExplorer as ExplorerData;
  const methods = spec.counts[2];
  for (let k = 0; k < spec.maps.length; k++) {
    const [l, m] = [Math.floor(k / methods) % layers.length, k % methods];
    const what = `${METHOD_NAMES[m]} at ${layers[l]}`;
    const reason = spec.reasons[l * methods + m];
    assert.ok((spec.maps[k] === null) !== (reason === null), `${what}: drawn or marked, not both or neither`);
    if (METHOD_NAMES[m] === 'cam' && l < 2) assert.match(reason!, /^CAM is defined only at conv_pw_13_relu/, what);
    else assert.equal(reason, null, `${what} runs on ${currentBackend()}: ${reason}`);
  }
  image.dispose();
  model.dispose();
});

/** Channels picked with tf.gather: its gradient needs UnsortedSegmentSum, which WASM lacks. */
class PickChannels extends tf.layers.Layer {
  static className = 'PickChannels';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.gather(Array.isArray(inputs) ? inputs[0] : inputs, [3, 2, 1, 0], 3);
  }
}

test('a combination that cannot run on this backend is marked with the error, and the rest are drawn', async (t) => {
  if (currentBackend() !== 'wasm') return t.skip('only WASM lacks UnsortedSegmentSum');
  const init = (seed: number) => tf.initializers.glorotNormal({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(41), name: 'c1' }),
      new PickChannels({ name: 'pick' }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, activation: 'relu', depthwiseInitializer: init(42), name: 'dw' }),
      tf.layers.conv2d({ filters: 6, kernelSize: 1, activation: 'relu', kernelInitializer: init(43), name: 'pw' }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(44), name: 'out' }),
    ],
  });
  const image = tf.tidy(() => tf.mul(tf.randomUniform([16, 16, 3], 0, 1, 'float32', 9), 255)) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const figure = await explorerFigure(model, image, { layers: ['c1', 'pw'], methods: ['gradcam', 'scorecam', 'cam'] });
  assert.equal(tf.memory().numTensors, before, 'a failed combination leaks nothing');
  const spec = figure.layout.meta!.camlabExplorer as ExplorerData;
  assert.match(
    spec.reasons[0]!.replace(/\n/g, ' '),
    /^Grad-CAM could not run at c1: The gradient of the class score with respect to 'c1' could not be computed on the 'wasm' backend .*UnsortedSegmentSum.* Use a method without gradients \(Score-CAM, Eigen-CAM\), or the CPU backend/,
  );
  assert.equal(spec.reasons[1], null, 'Score-CAM runs at c1');
  assert.match(spec.reasons[2]!, /^CAM is defined only at pw/);
  assert.deepEqual(spec.reasons.slice(3), [null, null, null], 'every method runs at pw');
  assert.equal(spec.titles[0], 'Grad-CAM at c1: could not run');
  assert.equal(spec.titles[2], 'CAM at c1: not defined');
  assert.ok(spec.maps[1] !== null && spec.maps[3] !== null);
  assert.deepEqual(spec.choice, [0, 0, 1], 'the first combination that ran is shown first');
  image.dispose();
  model.dispose();
});
