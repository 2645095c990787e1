// Maps of every gradient method on a backend, and how two maps are compared (depthwise-network tests).
import assert from 'node:assert/strict';
import { tf, explain, methods, type MethodName, type CamResult } from '../../src';

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export const scale = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const [ma, mb] = [Array.from(a).reduce((s, v) => s + v, 0) / n, Array.from(b).reduce((s, v) => s + v, 0) / n];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

export const GRADIENT_METHODS = methods.filter((m) => m.needsGradients).map((m) => m.name);

/** Every gradient method's map at each layer, for one class, on a backend (the model built there from its seed). */
export async function mapsOn(
  backend: string,
  build: () => tf.LayersModel,
  layers: string[],
  classIndex: number,
): Promise<Map<string, CamResult>> {
  await tf.setBackend(backend);
  const model = build();
  const size = model.inputs[0].shape[1]!;
  const image = tf.tidy(() => tf.mul(tf.randomUniform([size, size, 3], 0, 1, 'float32', 5), 255)) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const maps = new Map<string, CamResult>();
  for (const layer of layers) {
    for (const method of GRADIENT_METHODS) {
      const [result] = await explain(model, image, { method: method as MethodName, layer, classIndex });
      maps.set(`${method} at ${layer}`, result);
    }
  }
  assert.equal(tf.memory().numTensors, before, `${backend}: no tensor left behind`);
  image.dispose();
  model.dispose();
  return maps;
}

/** Every gradient method at each layer equals the CPU backend's map on WASM: correlation ≥ 0.999, raw maps within 1e-4 of their scale. */
export async function assertSameMapsOnWasm(build: () => tf.LayersModel, layers: string[], classIndex: number): Promise<void> {
  assert.ok(GRADIENT_METHODS.length >= 4, GRADIENT_METHODS.join(', '));
  const cpu = await mapsOn('cpu', build, layers, classIndex);
  const wasm = await mapsOn('wasm', build, layers, classIndex);
  for (const [key, expected] of cpu) {
    const got = wasm.get(key)!;
    assert.equal(got.raw.data.length, expected.raw.data.length, key);
    const size = scale(expected.raw.data);
    assert.ok(size > 0, `${key}: the CPU map is not empty`);
    const r = correlation(expected.raw.data, got.raw.data);
    assert.ok(r >= 0.999, `${key}: correlation ${r}`);
    const diff = maxAbsDiff(expected.raw.data, got.raw.data);
    assert.ok(diff <= 1e-4 * size, `${key}: raw maps differ by ${diff} (scale ${size})`);
  }
}
