import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../src';
import { heNormal } from '../src/model/architectures/he-normal';
import { resnet50Architecture } from '../src/model/architectures/resnet50';
import { Random } from '../src/random';

before(async () => {
  await ready();
});

/** Mean, standard deviation, largest magnitude and share within one σ of a kernel's values. */
function stats(kernel: tf.Tensor): { mean: number; std: number; max: number; withinOne: (sigma: number) => number } {
  const values = kernel.dataSync();
  let [sum, squares, max] = [0, 0, 0];
  for (const v of values) {
    sum += v;
    squares += v * v;
    max = Math.max(max, Math.abs(v));
  }
  const mean = sum / values.length;
  return {
    mean,
    std: Math.sqrt(squares / values.length - mean * mean),
    max,
    withinOne: (sigma) => values.filter((v) => Math.abs(v) < sigma).length / values.length,
  };
}

test("heNormal draws tfjs's He-normal: a normal of σ = √(2 / fan-in) cut at ±2σ, repeatable by seed", () => {
  const before = tf.memory().numTensors;
  // A 3×3 convolution from 64 to 128 channels (fan-in 576) and a dense kernel from 512 to 10 (fan-in 512).
  for (const [shape, fanIn] of [
    [[3, 3, 64, 128], 576],
    [[512, 200], 512],
  ] as const) {
    const sigma = Math.sqrt(2 / fanIn);
    const kernel = heNormal(9).apply([...shape]);
    const { mean, std, max, withinOne } = stats(kernel);
    assert.deepEqual(kernel.shape, [...shape]);
    assert.ok(max <= 2 * sigma, `a value beyond 2σ: ${max} > ${2 * sigma}`);
    // A normal cut at ±2 has σ·0.8796 and keeps 68.27 % / 95.45 % = 71.52 % of its mass within ±1σ.
    assert.ok(Math.abs(std / (0.87962566 * sigma) - 1) < 0.02, `std ${std} for σ ${sigma}`);
    assert.ok(Math.abs(mean) < 0.02 * sigma, `mean ${mean}`);
    assert.ok(Math.abs(withinOne(sigma) - 0.7152) < 0.01, `share within 1σ ${withinOne(sigma)}`);
    const again = heNormal(9).apply([...shape]);
    const other = heNormal(10).apply([...shape]);
    assert.deepEqual(again.dataSync(), kernel.dataSync());
    assert.notDeepEqual(other.dataSync(), kernel.dataSync());
    tf.dispose([kernel, again, other]);
  }
  assert.equal(tf.memory().numTensors, before);
});

test("resnet50Architecture's convolutions use it, and a saved config still names tfjs's He-normal", () => {
  const net = resnet50Architecture({ inputShape: [64, 64, 3], classes: 5 });
  try {
    const { className, config } = net.getLayer('conv3_block2_2_conv').getConfig().kernelInitializer as {
      className: string;
      config: Record<string, unknown>;
    };
    assert.equal(className, 'VarianceScaling');
    assert.deepEqual([config.scale, config.mode, config.distribution], [2, 'fanIn', 'normal']);
    const [kernel] = net.getLayer('conv3_block2_2_conv').getWeights();
    const sigma = Math.sqrt(2 / (3 * 3 * 128));
    assert.ok(stats(kernel).max <= 2 * sigma);
    assert.ok(Math.abs(stats(kernel).std / (0.87962566 * sigma) - 1) < 0.02);
  } finally {
    net.dispose();
  }
});

/** The standard normal's CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

test("Random's normals follow the normal CDF in the middle and in the tails the ziggurat samples apart", () => {
  const n = 1_000_000;
  const values = new Random(3).fillTruncatedNormal(new Float32Array(n), 1, 50);
  const sorted = Float64Array.from(values).sort();
  const below = (z: number) => {
    let [lo, hi] = [0, n];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < z) lo = mid + 1;
      else hi = mid;
    }
    return lo / n;
  };
  // ±0.002 is about four standard errors of a share near 0.5 at a million draws.
  for (let z = -3; z <= 3; z += 0.25)
    assert.ok(Math.abs(below(z) - normalCdf(z)) < 0.002, `P(Z < ${z}) = ${below(z)}, expected ${normalCdf(z)}`);
  // Beyond the base layer's edge r = 3.4426 both tails together hold 5.76e-4 of the mass (≈ 576 ± 24 draws).
  const tails = values.filter((v) => Math.abs(v) > 3.442619855899).length;
  assert.ok(Math.abs(tails / (2 * n * (1 - normalCdf(3.442619855899))) - 1) < 0.15, `${tails} draws beyond r`);
  assert.ok(values.some((v) => v > 4) && values.some((v) => v < -4), 'the tails reach past 4σ');
});
