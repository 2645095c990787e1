// BatchNormalization on WASM runs as a depthwise convolution (src/kernels/wasm-batch-norm.ts): the values
// must be the CPU backend's up to float rounding, every shape tfjs may hand the kernel must still work
// (the native kernel takes what is not per last-axis channel), and nothing may be left in WASM's memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../src';

type Case = { name: string; x: number[]; params: number[]; scaled: boolean };
const cases: Case[] = [
  { name: 'rank 4, per channel (Keras after a Conv2D)', x: [2, 9, 7, 16], params: [16], scaled: true },
  { name: 'rank 4, no γ or β', x: [1, 5, 5, 8], params: [8], scaled: false },
  { name: 'rank 2 (Keras after a Dense)', x: [6, 12], params: [12], scaled: true },
  { name: 'parameters broadcast as [1, 1, 1, c] (native kernel)', x: [1, 4, 4, 6], params: [1, 1, 1, 6], scaled: true },
];

/** tf.batchNorm on the given backend with seeded inputs, as a plain array. */
async function normalised(backend: string, c: Case, seed: number): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf
    .tidy(() => {
      const x = tf.randomNormal(c.x, 3, 2, 'float32', seed);
      const mean = tf.randomNormal(c.params, 3, 1, 'float32', seed + 1);
      const variance = tf.randomUniform(c.params, 0.2, 5, 'float32', seed + 2);
      const scale = c.scaled ? tf.randomNormal(c.params, 1, 0.5, 'float32', seed + 3) : undefined;
      const offset = c.scaled ? tf.randomNormal(c.params, 0, 1, 'float32', seed + 4) : undefined;
      return tf.batchNorm(x, mean, variance, offset, scale, 1e-3).dataSync() as Float32Array;
    })
    .slice();
}

test('WASM batch normalisation gives the CPU backend’s values up to rounding, for every shape, and frees what it makes', async () => {
  await ready();
  const original = tf.getBackend();
  try {
    for (const [i, c] of cases.entries()) {
      const cpu = await normalised('cpu', c, 10 * i + 1);
      await tf.setBackend('wasm');
      const before = tf.engine().backend.numDataIds();
      const wasm = await normalised('wasm', c, 10 * i + 1);
      assert.equal(tf.engine().backend.numDataIds(), before, `${c.name}: no data left in WASM's memory`);
      assert.equal(wasm.length, cpu.length);
      let worst = 0;
      for (let k = 0; k < cpu.length; k++) worst = Math.max(worst, Math.abs(cpu[k] - wasm[k]) / Math.max(1, Math.abs(cpu[k])));
      assert.ok(worst < 1e-5, `${c.name}: largest relative difference ${worst}`);
      assert.ok(
        cpu.some((v) => Math.abs(v) > 1),
        `${c.name}: the values are not trivially small`,
      );
    }
  } finally {
    await tf.setBackend(original);
  }
});

test('BatchNormalization layers train on WASM as on the CPU: the gradient does not depend on the kernel', async () => {
  await ready();
  const original = tf.getBackend();
  const gradients = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 6, 4], 1, 2, 'float32', 5);
      const [mean, variance, scale, offset] = [
        tf.randomNormal([4], 1, 1, 'float32', 6),
        tf.randomUniform([4], 0.5, 2, 'float32', 7),
        tf.randomNormal([4], 1, 0.3, 'float32', 8),
        tf.randomNormal([4], 0, 1, 'float32', 9),
      ];
      const r = tf.randomNormal([2, 6, 6, 4], 0, 1, 'float32', 10);
      const [dx, dScale] = tf.grads((a, s) => tf.sum(tf.mul(tf.batchNorm(a, mean, variance, offset, s, 1e-3), r)))([x, scale]);
      return [dx.dataSync().slice(), dScale.dataSync().slice()];
    });
  };
  try {
    const [cpu, wasm] = [await gradients('cpu'), await gradients('wasm')];
    for (const [k, name] of ['dx', 'dγ'].entries()) {
      const worst = Math.max(...Array.from(cpu[k], (v, i) => Math.abs(v - wasm[k][i])));
      assert.ok(worst < 1e-4, `${name}: largest difference ${worst}`);
    }
  } finally {
    await tf.setBackend(original);
  }
});
