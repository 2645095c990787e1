// Depthwise networks on WASM: the depthwise-convolution gradients camlab registers for 'wasm' equal the
// CPU backend's, kernel by kernel and map by map (every gradient method at an early, a middle and the
// last layer of MobileNet v1, its topology built in code with Keras's names; MobileNet v2 in
// mobilenet-v2-gradients.test.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../src';
import { mobilenetV1Architecture } from '../src/model/architectures/mobilenet';
import { assertSameMapsOnWasm, maxAbsDiff, scale } from './helpers/backend-maps';

let original: string;
before(async () => {
  await ready();
  original = tf.getBackend();
}, { timeout: 60000 });
after(async () => {
  await tf.setBackend(original);
});

type Case = { name: string; x: [number, number, number, number]; w: [number, number, number, number]; strides: number; pad: 'same' | 'valid' };
const cases: Case[] = [
  { name: '3×3 same, stride 1 (WASM forward kernel)', x: [2, 9, 7, 5], w: [3, 3, 5, 1], strides: 1, pad: 'same' },
  { name: '3×3 same, stride 2', x: [2, 9, 8, 4], w: [3, 3, 4, 1], strides: 2, pad: 'same' },
  { name: '3×3 valid, stride 2 (MobileNet v2 after its padding)', x: [1, 11, 11, 6], w: [3, 3, 6, 1], strides: 2, pad: 'valid' },
  { name: '5×5 valid, stride 1, channel multiplier 2', x: [2, 10, 9, 3], w: [5, 5, 3, 2], strides: 1, pad: 'valid' },
];

/** Gradients of sum(depthwise(x, w) · r) with respect to x and w, on a backend. */
async function depthwiseGradients(backend: string, c: Case, seed: number) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const result = tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed);
    const w = tf.randomNormal(c.w, 0, 1, 'float32', seed + 1);
    const [dx, dw] = tf.grads((a, b) => {
      const y = tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
      return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', seed + 2)));
    })([x, w]);
    return { dx: dx.dataSync().slice(), dw: dw.dataSync().slice() };
  });
  assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left behind`);
  return result;
}

test('WASM depthwise-convolution gradients (input and filter) equal the CPU backend’s', async () => {
  for (const [i, c] of cases.entries()) {
    const cpu = await depthwiseGradients('cpu', c, 10 * i + 1);
    const wasm = await depthwiseGradients('wasm', c, 10 * i + 1);
    assert.ok(maxAbsDiff(cpu.dx, wasm.dx) <= 1e-5 * scale(cpu.dx), `${c.name}: input gradient off by ${maxAbsDiff(cpu.dx, wasm.dx)}`);
    assert.ok(maxAbsDiff(cpu.dw, wasm.dw) <= 1e-5 * scale(cpu.dw), `${c.name}: filter gradient off by ${maxAbsDiff(cpu.dw, wasm.dw)}`);
  }
});

test('MobileNet v1 (alpha 0.25): every gradient method at an early, a middle and the last layer draws the same map on WASM as on the CPU backend', async () => {
  await assertSameMapsOnWasm(() => mobilenetV1Architecture({ alpha: 0.25, size: 64, seed: 3 }), ['conv_pw_2_relu', 'conv_dw_7_relu', 'conv_pw_13_relu'], 309);
});
