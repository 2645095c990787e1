import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../src';
import { registerWasmGradientKernels } from '../src/kernels/wasm-gradients';

type Case = { name: string; x: number[]; w: number[]; strides: number; pad: 'same' | 'valid' };
const cases: Case[] = [
  { name: '3×3 same, stride 1', x: [2, 9, 7, 3], w: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: '5×5 valid, stride 1', x: [1, 12, 10, 2], w: [5, 5, 2, 4], strides: 1, pad: 'valid' },
  { name: '3×3 same, stride 2 (direct sum)', x: [2, 9, 8, 3], w: [3, 3, 3, 4], strides: 2, pad: 'same' },
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
      assert.ok(cpu.dw.some((v) => v !== 0), `${c.name}: the gradient is not trivially zero`);
    }
  } finally {
    await tf.setBackend(original);
  }
});
