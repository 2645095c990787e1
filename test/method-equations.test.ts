// Every method of the family against its paper's equation, computed here with plain loops over arrays.
// The model is built so that the gradient at the explained layer has a closed form AND differs from
// position to position (a 1×1 ReLU convolution sits between that layer and GAP), and every map is
// non-square (6 rows × 5 columns), and also upsampled to a picture whose two sides scale differently.
// (Strides that differ per axis are avoided: tfjs-backend-wasm 4.22 returns zeros for a 'same' conv2d with
// strides [2, 4].)
import { test, before, after } from 'node:test';
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
  explain,
  normalizeHeatmap,
  type CamResult,
} from '../src';
import { bilinear, minMax } from './helpers/reference';

const [H, W] = [12, 10]; // the model's input: 12 rows × 10 columns
const [h, w] = [6, 5]; // the explained layer: stride 2
const K = 6; // channels of the explained layer 'target'
const M = 5; // channels of 'mix', the 1×1 ReLU convolution that GAP averages
const C = 3; // classes

let model: tf.LayersModel;
let image: tf.Tensor3D;
let A: number[]; // activations of 'target' for `image`, [h, w, K] row-major
let V: number[]; // 'mix' kernel [K, M]
let vBias: number[];
let Wd: number[]; // 'logits' kernel [M, C]
let bD: number[];

/** input → conv (stride 2) → 'target' conv 3×3 ReLU → 'mix' conv 1×1 ReLU → GAP → 'logits' Dense → softmax. */
function buildModel(): tf.LayersModel {
  const seeded = (seed: number) => tf.initializers.glorotNormal({ seed });
  const input = tf.input({ shape: [H, W, 3] });
  let x = tf.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: seeded(1),
      biasInitializer: tf.initializers.constant({ value: 0.05 }),
      name: 'early',
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      filters: K,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: seeded(2),
      biasInitializer: tf.initializers.constant({ value: 0.05 }),
      name: 'target',
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      filters: M,
      kernelSize: 1,
      activation: 'relu',
      kernelInitializer: seeded(3),
      biasInitializer: tf.initializers.randomNormal({ seed: 4, stddev: 0.3 }),
      name: 'mix',
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: C, kernelInitializer: seeded(5), biasInitializer: tf.initializers.randomNormal({ seed: 6 }), name: 'logits' })
    .apply(x) as tf.SymbolicTensor;
  const out = tf.layers.activation({ activation: 'softmax', name: 'probabilities' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** The output of 'target' for a batch, read with a plain tfjs sub-model (not camlab's probe). */
function targetActivations(batch: tf.Tensor4D): number[] {
  return tf.tidy(() => {
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer('target').output as tf.SymbolicTensor });
    return Array.from((sub.predict(batch) as tf.Tensor).dataSync());
  });
}

before(
  async () => {
    await ready();
    model = buildModel();
    image = tf.randomUniform([H, W, 3], 0, 4, 'float32', 7) as tf.Tensor3D;
    A = targetActivations(tf.expandDims(image, 0) as tf.Tensor4D);
    const weights = (name: string) =>
      model
        .getLayer(name)
        .getWeights()
        .map((t) => Array.from(t.dataSync()));
    [V, vBias] = weights('mix');
    [Wd, bD] = weights('logits');
  },
  { timeout: 60000 },
);

after(
  () => {
    image.dispose();
    model.dispose();
  },
  { timeout: 60000 },
);

// ---- The model in closed form, from A (plain loops) ----

/** 'mix' before its ReLU at position p, channel m. */
const mixInput = (acts: number[], p: number, m: number) =>
  vBias[m] + Array.from({ length: K }, (_, k) => acts[p * K + k] * V[k * M + m]).reduce((s, v) => s + v, 0);

/** The logits z_c = Σ_m W[m, c] · mean_p ReLU(mix) + b_c. */
function logits(acts: number[]): number[] {
  const pooled = Array.from(
    { length: M },
    (_, m) => Array.from({ length: h * w }, (_, p) => Math.max(0, mixInput(acts, p, m))).reduce((s, v) => s + v, 0) / (h * w),
  );
  return Array.from({ length: C }, (_, c) => bD[c] + pooled.reduce((s, v, m) => s + v * Wd[m * C + c], 0));
}

/** ∂z_c/∂A[p, k] = (1/hw) Σ_m W[m, c] · V[k, m] · [mix(p, m) > 0]: it changes with p through the ReLU. */
function logitGradient(c: number): number[] {
  const g = new Array<number>(h * w * K).fill(0);
  for (let p = 0; p < h * w; p++) {
    for (let m = 0; m < M; m++) {
      if (mixInput(A, p, m) <= 0) continue;
      for (let k = 0; k < K; k++) g[p * K + k] += (Wd[m * C + c] * V[k * M + m]) / (h * w);
    }
  }
  return g;
}

function softmax(z: number[]): number[] {
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

// ---- Maps as the papers define them ----

/** Σ_k weight[k] · A[:, :, k]. */
const channelWeighted = (weights: number[]) =>
  Array.from({ length: h * w }, (_, p) => weights.reduce((s, wk, k) => s + wk * A[p * K + k], 0));
/** Σ_k G[p, k] · A[p, k]. */
const elementwise = (g: number[]) =>
  Array.from({ length: h * w }, (_, p) => Array.from({ length: K }, (_, k) => g[p * K + k] * A[p * K + k]).reduce((s, v) => s + v, 0));
const relu = (values: number[]) => values.map((v) => Math.max(0, v));

const maxAbs = (values: ArrayLike<number>) => Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** The raw map equals `expected` (relative to its scale), and the heat map is its upsampled, scaled form. */
function assertMap(
  result: CamResult,
  expectedRaw: number[],
  options: { relu: boolean; imageW: number; imageH: number },
  what: string,
): void {
  assert.deepEqual([result.raw.width, result.raw.height], [w, h], `${what}: raw map is ${w} wide × ${h} high`);
  const scale = maxAbs(expectedRaw);
  assert.ok(scale > 0, `${what}: the expected map is not all zeros`);
  const rawError = maxAbs(Array.from(result.raw.data, (v, i) => v - expectedRaw[i]));
  assert.ok(rawError < 1e-4 * scale, `${what}: raw map off by ${rawError} (scale ${scale})`);
  const kept = options.relu ? relu(expectedRaw) : expectedRaw;
  const expectedHeat = minMax(bilinear(kept, w, h, options.imageW, options.imageH));
  assert.deepEqual(
    [result.heatmap.width, result.heatmap.height],
    [options.imageW, options.imageH],
    `${what}: heat map at the image's size`,
  );
  const heatError = maxAbs(Array.from(result.heatmap.data, (v, i) => v - expectedHeat[i]));
  assert.ok(heatError < 1e-4, `${what}: heat map off by ${heatError}`);
}

const CLASS = 1;
const atImage = { relu: true, imageW: W, imageH: H };

test('the closed-form model is the model: logits match, and the gradient at the layer differs between positions', async () => {
  const [result] = await gradCam(model, image, { layer: 'target', classIndex: CLASS });
  assert.ok(Math.abs(result.logit - logits(A)[CLASS]) < 1e-4, `logit ${result.logit} vs ${logits(A)[CLASS]}`);
  const g = logitGradient(CLASS);
  const spread = Array.from({ length: K }, (_, k) => {
    const column = Array.from({ length: h * w }, (_, p) => g[p * K + k]);
    return Math.max(...column) - Math.min(...column);
  });
  assert.ok(Math.max(...spread) > 0.2 * maxAbs(g), 'ReLU in mix makes the gradient vary with position');
  assert.ok(g.some((v) => v < 0) && g.some((v) => v > 0), 'gradients of both signs (ReLU(g) ≠ g)');
});

test('Grad-CAM (Selvaraju et al. eq. 1–2): α_k = mean_ij ∂y^c/∂A_ij^k, map ReLU(Σ_k α_k A^k)', async () => {
  const g = logitGradient(CLASS);
  const alpha = Array.from(
    { length: K },
    (_, k) => Array.from({ length: h * w }, (_, p) => g[p * K + k]).reduce((s, v) => s + v, 0) / (h * w),
  );
  const [result] = await gradCam(model, image, { layer: 'target', classIndex: CLASS });
  assertMap(result, channelWeighted(alpha), atImage, 'Grad-CAM');
});

test('Grad-CAM with score: probability explains p_c, whose gradient is p_c (∂z_c − Σ_j p_j ∂z_j)', async () => {
  const p = softmax(logits(A));
  const grads = Array.from({ length: C }, (_, c) => logitGradient(c));
  const g = grads[CLASS].map((v, i) => p[CLASS] * (v - grads.reduce((s, gj, j) => s + p[j] * gj[i], 0)));
  const alpha = Array.from(
    { length: K },
    (_, k) => Array.from({ length: h * w }, (_, q) => g[q * K + k]).reduce((s, v) => s + v, 0) / (h * w),
  );
  const [result] = await gradCam(model, image, { layer: 'target', classIndex: CLASS, score: 'probability' });
  assertMap(result, channelWeighted(alpha), atImage, 'Grad-CAM of the probability');
  assert.ok(Math.abs(result.score - p[CLASS]) < 1e-5, 'score is the probability');
});

test('Grad-CAM++ (Chattopadhay et al. eq. 19): α_ij^k = g² / (2g² + Σ_ab A_ab^k g³), w_k = Σ_ij α_ij^k ReLU(g)', async () => {
  const g = logitGradient(CLASS);
  const sumA = Array.from({ length: K }, (_, k) => Array.from({ length: h * w }, (_, p) => A[p * K + k]).reduce((s, v) => s + v, 0));
  const weights = Array.from({ length: K }, (_, k) => {
    let sum = 0;
    for (let p = 0; p < h * w; p++) {
      const gi = g[p * K + k];
      const denominator = 2 * gi ** 2 + sumA[k] * gi ** 3;
      const a = denominator !== 0 ? gi ** 2 / denominator : 0;
      sum += a * Math.max(0, gi);
    }
    return sum;
  });
  const [result] = await gradCamPlusPlus(model, image, { layer: 'target', classIndex: CLASS });
  assertMap(result, channelWeighted(weights), atImage, 'Grad-CAM++');
});

test('Layer-CAM (Jiang et al. eq. 5–6): Σ_k ReLU(∂y^c/∂A^k) ⊙ A^k', async () => {
  const g = logitGradient(CLASS);
  const [result] = await layerCam(model, image, { layer: 'target', classIndex: CLASS });
  assertMap(result, elementwise(relu(g)), atImage, 'Layer-CAM');
});

test('HiResCAM (Draelos & Carin): Σ_k ∂y^c/∂A^k ⊙ A^k', async () => {
  const g = logitGradient(CLASS);
  const [result] = await hiResCam(model, image, { layer: 'target', classIndex: CLASS });
  assertMap(result, elementwise(g), atImage, 'HiResCAM');
});

test('Score-CAM (Wang et al. eq. 3–6): softmax over channels of the class score of the input masked by each upsampled, scaled channel', async () => {
  const pixels = Array.from(image.dataSync());
  const masked = pixels.slice(); // reused buffer
  const batch: number[] = [];
  for (let k = 0; k < K; k++) {
    const mask = minMax(
      bilinear(
        Array.from({ length: h * w }, (_, p) => A[p * K + k]),
        w,
        h,
        W,
        H,
      ),
    );
    for (let i = 0; i < H * W; i++) for (let ch = 0; ch < 3; ch++) masked[i * 3 + ch] = pixels[i * 3 + ch] * mask[i];
    batch.push(...masked);
  }
  const maskedActs = targetActivations(tf.tensor4d(batch, [K, H, W, 3]));
  const scores = Array.from({ length: K }, (_, k) => logits(maskedActs.slice(k * h * w * K, (k + 1) * h * w * K))[CLASS]);
  const [result] = await scoreCam(model, image, { layer: 'target', classIndex: CLASS, batchSize: 4 });
  assertMap(result, channelWeighted(softmax(scores)), atImage, 'Score-CAM');
});

/** First principal component of the channel-centred activations [positions, channels], by power iteration on XᵀX in double precision, signed to agree with the mean activation. */
function eigenProjection(acts: number[], positions: number, channels: number): number[] {
  const means = Array.from(
    { length: channels },
    (_, k) => Array.from({ length: positions }, (_, p) => acts[p * channels + k]).reduce((s, v) => s + v, 0) / positions,
  );
  const X = Array.from({ length: positions }, (_, p) => Array.from({ length: channels }, (_, k) => acts[p * channels + k] - means[k]));
  let v = new Array<number>(channels).fill(1 / Math.sqrt(channels));
  for (let iteration = 0; iteration < 1000; iteration++) {
    const xv = X.map((row) => row.reduce((s, r, k) => s + r * v[k], 0));
    const next = Array.from({ length: channels }, (_, k) => X.reduce((s, row, p) => s + row[k] * xv[p], 0));
    const norm = Math.hypot(...next);
    v = next.map((n) => n / norm);
  }
  const projection = X.map((row) => row.reduce((s, r, k) => s + r * v[k], 0));
  const meanActivation = Array.from(
    { length: positions },
    (_, p) => Array.from({ length: channels }, (_, k) => acts[p * channels + k]).reduce((s, x) => s + x, 0) / channels,
  );
  return projection.reduce((s, x, p) => s + x * meanActivation[p], 0) < 0 ? projection.map((x) => -x) : projection;
}

test('Eigen-CAM (Muhammad & Yeasin): the projection of the channel-centred activations on their first principal component, signed to agree with the mean activation', async () => {
  const [result] = await eigenCam(model, image, { layer: 'target' });
  assertMap(result, eigenProjection(A, h * w, K), atImage, 'Eigen-CAM (30 positions, 6 channels)');
});

test('Eigen-CAM where positions are fewer than channels (as at ResNet-50’s 7 × 7 × 2048): the same projection', async () => {
  // 4 × 6 input → a 2 × 3 map of 12 channels: camlab then works on the 6 × 6 matrix XXᵀ instead of XᵀX.
  const wide = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [4, 6, 3],
        filters: 12,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 21 }),
        biasInitializer: tf.initializers.constant({ value: 0.1 }),
        name: 'wide',
      }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 22 }) }),
    ],
  });
  const small = tf.randomUniform([4, 6, 3], 0, 4, 'float32', 23) as tf.Tensor3D;
  try {
    const acts = tf.tidy(() =>
      Array.from(
        (
          tf
            .model({ inputs: wide.inputs, outputs: wide.getLayer('wide').output as tf.SymbolicTensor })
            .predict(tf.expandDims(small, 0)) as tf.Tensor
        ).dataSync(),
      ),
    );
    const [result] = await eigenCam(wide, small, { layer: 'wide' });
    assert.deepEqual([result.raw.width, result.raw.height], [3, 2]);
    const expected = eigenProjection(acts, 6, 12);
    const scale = maxAbs(expected);
    assert.ok(scale > 0);
    const error = maxAbs(Array.from(result.raw.data, (v, i) => v - expected[i]));
    assert.ok(error < 1e-4 * scale, `raw map off by ${error} (scale ${scale})`);
    const heat = minMax(bilinear(relu(expected), 3, 2, 6, 4));
    assert.ok(maxAbs(Array.from(result.heatmap.data, (v, i) => v - heat[i])) < 1e-4, 'heat map');
  } finally {
    small.dispose();
    wide.dispose();
  }
});

test('CAM (Zhou et al. eq. 2) at the layer GAP averages: M_c = Σ_m w_m^c f_m, signed, and mean(M_c) + b_c = z_c', async () => {
  const f = Array.from({ length: h * w * M }, (_, i) => Math.max(0, mixInput(A, Math.floor(i / M), i % M)));
  const expected = Array.from({ length: h * w }, (_, p) =>
    Array.from({ length: M }, (_, m) => Wd[m * C + CLASS] * f[p * M + m]).reduce((s, v) => s + v, 0),
  );
  const [result] = await classActivationMap(model, image, { classIndex: CLASS });
  assertMap(result, expected, { relu: false, imageW: W, imageH: H }, 'CAM');
  assert.ok(
    Math.abs(expected.reduce((s, v) => s + v, 0) / (h * w) + bD[CLASS] - logits(A)[CLASS]) < 1e-9,
    'the identity holds for the hand-made map',
  );
  const [viaExplain] = await explain(model, image, { classIndex: CLASS });
  assert.equal(viaExplain.method, 'cam');
});

test('XGrad-CAM (Fu et al. 2020): w_k = Σ_ij (A_ij^k / Σ_ab A_ab^k) · ∂y^c/∂A_ij^k', async () => {
  const g = logitGradient(CLASS);
  const weights = Array.from({ length: K }, (_, k) => {
    let total = 0;
    for (let p = 0; p < h * w; p++) total += A[p * K + k];
    let sum = 0;
    for (let p = 0; p < h * w; p++) sum += total !== 0 ? (A[p * K + k] / total) * g[p * K + k] : 0;
    return sum;
  });
  const [result] = await xGradCam(model, image, { layer: 'target', classIndex: CLASS });
  assertMap(result, channelWeighted(weights), atImage, 'XGrad-CAM');
});

test('Ablation-CAM (Desai & Ramaswamy 2020): w_k = (y^c − y_k^c) / y^c, with channel k of the layer set to zero', async () => {
  const y = logits(A)[CLASS];
  const weights = Array.from({ length: K }, (_, k) => {
    const ablated = A.map((v, i) => (i % K === k ? 0 : v));
    return (y - logits(ablated)[CLASS]) / y;
  });
  const [result] = await ablationCam(model, image, { layer: 'target', classIndex: CLASS, batchSize: 4 });
  assertMap(result, channelWeighted(weights), atImage, 'Ablation-CAM');
});

test('EigenGrad-CAM: the first principal component of ∂y^c/∂A ⊙ A, signed to agree with its channel mean', async () => {
  const g = logitGradient(CLASS);
  const product = A.map((v, i) => v * g[i]);
  const [result] = await eigenGradCam(model, image, { layer: 'target', classIndex: CLASS });
  assertMap(result, eigenProjection(product, h * w, K), atImage, 'EigenGrad-CAM');
});

test('eigen smoothing: Grad-CAM’s weighted activations α_k A^k reduced to their first principal component instead of summed', async () => {
  const g = logitGradient(CLASS);
  const alpha = Array.from(
    { length: K },
    (_, k) => Array.from({ length: h * w }, (_, p) => g[p * K + k]).reduce((s, v) => s + v, 0) / (h * w),
  );
  const terms = A.map((v, i) => alpha[i % K] * v);
  const [result] = await gradCam(model, image, { layer: 'target', classIndex: CLASS, eigenSmooth: true });
  assertMap(result, eigenProjection(terms, h * w, K), atImage, 'Grad-CAM, eigen-smoothed');
  const [eigen] = await eigenCam(model, image, { layer: 'target', eigenSmooth: true });
  assertMap(eigen, eigenProjection(A, h * w, K), atImage, 'Eigen-CAM is a principal component already');
});

test('augmentation smoothing: the mean over left–right flips × brightness 0.9, 1, 1.1 of each map flipped back, scaled to 0..1', async () => {
  // The model takes the image as it is (no preprocessing, same size), so augmenting its input is augmenting the image.
  const flipMap = (data: ArrayLike<number>, width: number, height: number) =>
    Array.from({ length: width * height }, (_, i) => data[Math.floor(i / width) * width + (width - 1 - (i % width))]);
  const heat = new Array<number>(W * H).fill(0);
  const raw = new Array<number>(w * h).fill(0);
  for (const flip of [false, true]) {
    for (const factor of [0.9, 1, 1.1]) {
      const variant = tf.tidy(() => {
        const scaled = tf.mul(image, factor) as tf.Tensor3D;
        return flip ? (tf.reverse(scaled, 1) as tf.Tensor3D) : scaled;
      });
      const [r] = await layerCam(model, variant, { layer: 'target', classIndex: CLASS });
      variant.dispose();
      const back = flip ? flipMap(r.heatmap.data, W, H) : Array.from(r.heatmap.data);
      const backRaw = flip ? flipMap(r.raw.data, w, h) : Array.from(r.raw.data);
      back.forEach((v, i) => (heat[i] += v / 6));
      backRaw.forEach((v, i) => (raw[i] += v / 6));
    }
  }
  const expected = normalizeHeatmap({ width: W, height: H, data: Float32Array.from(heat) }).data;
  const [plain] = await layerCam(model, image, { layer: 'target', classIndex: CLASS });
  const [result] = await layerCam(model, image, { layer: 'target', classIndex: CLASS, augSmooth: true });
  const heatError = maxAbs(Array.from(result.heatmap.data, (v, i) => v - expected[i]));
  assert.ok(heatError < 1e-5, `heat map off by ${heatError}`);
  const rawError = maxAbs(Array.from(result.raw.data, (v, i) => v - raw[i]));
  assert.ok(rawError < 1e-5 * maxAbs(raw), `raw map off by ${rawError}`);
  assert.ok(maxAbs(Array.from(result.heatmap.data, (v, i) => v - plain.heatmap.data[i])) > 1e-3, 'smoothing changed the map');
  assert.equal(result.score, plain.score, 'scores are the plain pass’s');
  // With topK the augmented passes explain the classes the plain pass chose.
  const [top] = await gradCam(model, image, { layer: 'target', augSmooth: true });
  const [plainTop] = await gradCam(model, image, { layer: 'target' });
  assert.equal(top.classIndex, plainTop.classIndex);
});

test('a picture of another shape: the map is upsampled with each side scaled by its own factor', async () => {
  // 30 rows × 16 columns, stretched to the model's 12 × 10: the map's 6 rows go to 30 and its 5 columns to 16.
  const tall = tf.tidy(
    () => tf.image.resizeBilinear(tf.expandDims(image, 0) as tf.Tensor4D, [30, 16], false, true).squeeze([0]) as tf.Tensor3D,
  );
  const [result] = await layerCam(model, tall, { layer: 'target', classIndex: CLASS });
  const acts = targetActivations(tf.tidy(() => tf.image.resizeBilinear(tf.expandDims(tall, 0) as tf.Tensor4D, [H, W], false, true)));
  const saved = A;
  try {
    A = acts;
    assertMap(result, elementwise(relu(logitGradient(CLASS))), { relu: true, imageW: 16, imageH: 30 }, 'Layer-CAM on a 16 × 30 picture');
  } finally {
    A = saved;
    tall.dispose();
  }
});
