import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../src';
import { registerWasmGradientKernels } from '../src/kernels/wasm-gradients';

type Case = { name: string; x: number[]; w: number[]; strides: number; pad: 'same' | 'valid' };
const cases: Case[] = [
  { name: '3×3 same, stride 1', x: [2, 9, 7, 3], w: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: '5×5 valid, stride 1', x: [1, 12, 10, 2], w: [5, 5, 2, 4], strides: 1, pad: 'valid' },
  { name: '3×3 same, stride 2 (direct sum)', x: [2, 9, 8, 3], w: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '1×1 same, stride 1 (one matrix product)', x: [2, 7, 6, 12], w: [1, 1, 12, 9], strides: 1, pad: 'same' },
];

/** Gradients of sum(conv(x, w) · r) w.r.t. x and w, as plain arrays, on the given backend. */
async function convGradients(backend: string, c: Case, seed: number) {
  await tf.setBackend(backend);
  if (backend === 'wasm') registerWasmGradientKernels();
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x as [number, number, number, number], 0, 1, 'float32', seed);
    const w = tf.randomNormal(c.w as [number, number, number, number], 0, 1, 'float32', seed + 1);
    const f = (xs: tf.Tensor4D, ws: tf.Tensor4D) => {
      const y = tf.conv2d(xs, ws, c.strides, c.pad);
      return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', seed + 2)));
    };
    const [dx, dw] = tf.grads((a, b) => f(a as tf.Tensor4D, b as tf.Tensor4D))([x, w]);
    return { dx: dx.dataSync().slice(), dw: dw.dataSync().slice() };
  });
}

function maxAbsDiff(a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

test('WASM convolution gradients match the CPU backend', async () => {
  await ready();
  const original = tf.getBackend();
  try {
    for (const [i, c] of cases.entries()) {
      const cpu = await convGradients('cpu', c, 10 * i + 1);
      const wasm = await convGradients('wasm', c, 10 * i + 1);
      assert.ok(maxAbsDiff(cpu.dx, wasm.dx) < 1e-4, `${c.name}: input gradient differs`);
      assert.ok(maxAbsDiff(cpu.dw, wasm.dw) < 1e-4, `${c.name}: filter gradient differs`);
      assert.ok(
        cpu.dw.some((v) => v !== 0),
        `${c.name}: the gradient is not trivially zero`,
      );
    }
  } finally {
    await tf.setBackend(original);
  }
});

// Depthwise convolutions (MobileNet's): WASM has no gradient kernels for them; camlab's (kernels/wasm-depthwise-gradients.ts).
type DepthwiseCase = {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  strides: number;
  pad: 'same' | 'valid';
};
const depthwiseCases: DepthwiseCase[] = [
  { name: '3×3 same, stride 1 (WASM forward kernel)', x: [2, 9, 7, 5], w: [3, 3, 5, 1], strides: 1, pad: 'same' },
  { name: '3×3 same, stride 2', x: [2, 9, 8, 4], w: [3, 3, 4, 1], strides: 2, pad: 'same' },
  { name: '3×3 valid, stride 2 (MobileNet v2 after its padding)', x: [1, 11, 11, 6], w: [3, 3, 6, 1], strides: 2, pad: 'valid' },
  { name: '5×5 valid, stride 1, channel multiplier 2', x: [2, 10, 9, 3], w: [5, 5, 3, 2], strides: 1, pad: 'valid' },
];

const scale = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

/** Gradients of sum(depthwise(x, w) · r) with respect to x and w, on a backend. */
async function depthwiseGradients(backend: string, c: DepthwiseCase, seed: number) {
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
  await ready();
  const original = tf.getBackend();
  try {
    for (const [i, c] of depthwiseCases.entries()) {
      const cpu = await depthwiseGradients('cpu', c, 10 * i + 1);
      const wasm = await depthwiseGradients('wasm', c, 10 * i + 1);
      assert.ok(maxAbsDiff(cpu.dx, wasm.dx) <= 1e-5 * scale(cpu.dx), `${c.name}: input gradient off by ${maxAbsDiff(cpu.dx, wasm.dx)}`);
      assert.ok(maxAbsDiff(cpu.dw, wasm.dw) <= 1e-5 * scale(cpu.dw), `${c.name}: filter gradient off by ${maxAbsDiff(cpu.dw, wasm.dw)}`);
    }
  } finally {
    await tf.setBackend(original);
  }
});
