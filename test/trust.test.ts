// Can we trust the map? ROAD's imputation and scores on cases worked by hand, the similarity measures,
// and the model-randomisation sanity check on the embedded model (Adebayo et al. 2018).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  tf,
  ready,
  loadDefaultModel,
  digitsCanvas,
  noisyLinearImputation,
  road,
  rankCorrelation,
  ssim,
  sanityCheck,
  methodMaker,
  sobelEdgeMaker,
  randomMapMaker,
  compareMethods,
  formatMethodTable,
  formatSanityReport,
  CamlabError,
  type Heatmap,
} from '../src';

before(
  async () => {
    await ready();
  },
  { timeout: 60000 },
);

const W6 = 1 / 6;
const W12 = 1 / 12;

test('imputation fills a removed interior pixel with its neighbours’ weighted mean: 1/6 beside, 1/12 diagonal, per channel', () => {
  // 4 wide × 3 high, 2 channels; pixel (x 1, y 1) removed.
  const [height, width, channels] = [3, 4, 2];
  const pixels = Float32Array.from({ length: height * width * channels }, (_, i) => ((i * 7) % 11) + 0.5 * (i % 2));
  const removed = new Uint8Array(height * width);
  removed[1 * width + 1] = 1;
  const out = noisyLinearImputation(pixels, { height, width, channels }, removed);
  const at = (y: number, x: number, c: number) => pixels[(y * width + x) * channels + c];
  for (let c = 0; c < channels; c++) {
    const expected =
      W6 * (at(0, 1, c) + at(2, 1, c) + at(1, 0, c) + at(1, 2, c)) + W12 * (at(0, 0, c) + at(0, 2, c) + at(2, 0, c) + at(2, 2, c));
    assert.ok(
      Math.abs(out[(1 * width + 1) * channels + c] - expected) < 1e-5,
      `channel ${c}: ${out[(width + 1) * channels + c]} vs ${expected}`,
    );
  }
  out[(1 * width + 1) * channels] = pixels[(1 * width + 1) * channels];
  out[(1 * width + 1) * channels + 1] = pixels[(1 * width + 1) * channels + 1];
  assert.deepEqual(out, pixels, 'kept pixels are unchanged');
});

test('imputation at a corner renormalises over the neighbours inside the image; two removed neighbours solve each other’s equations', () => {
  const [height, width] = [3, 3];
  const pixels = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const corner = new Uint8Array(9);
  corner[0] = 1;
  const [value] = noisyLinearImputation(pixels, { height, width, channels: 1 }, corner);
  const expected = (W6 * (2 + 4) + W12 * 5) / (2 * W6 + W12);
  assert.ok(Math.abs(value - expected) < 1e-5, `corner ${value} vs ${expected}`);
  // Pixels 4 (the centre) and 5 removed: each equals the weighted mean of its neighbours, the other included.
  const pair = new Uint8Array(9);
  pair[4] = pair[5] = 1;
  const out = noisyLinearImputation(pixels, { height, width, channels: 1 }, pair);
  const mean = (p: number) => {
    const [y, x] = [Math.floor(p / 3), p % 3];
    let [sum, weights] = [0, 0];
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        if ((dx === 0 && dy === 0) || y + dy < 0 || y + dy > 2 || x + dx < 0 || x + dx > 2) continue;
        const w = dx === 0 || dy === 0 ? W6 : W12;
        sum += w * out[(y + dy) * 3 + x + dx];
        weights += w;
      }
    return sum / weights;
  };
  for (const p of [4, 5]) assert.ok(Math.abs(out[p] - mean(p)) < 1e-5, `pixel ${p}: ${out[p]} vs ${mean(p)}`);
});

test('imputation noise: seeded, of the standard deviation asked for, and absent at 0', () => {
  const [height, width] = [20, 20];
  const pixels = new Float32Array(height * width).fill(3);
  const removed = Uint8Array.from({ length: height * width }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const quiet = noisyLinearImputation(pixels, { height, width, channels: 1 }, removed, { noise: 0 });
  assert.ok(
    quiet.every((v) => Math.abs(v - 3) < 1e-5),
    'a constant image stays constant',
  );
  const noisy = noisyLinearImputation(pixels, { height, width, channels: 1 }, removed, { noise: 0.5, seed: 4 });
  assert.deepEqual(
    noisyLinearImputation(pixels, { height, width, channels: 1 }, removed, { noise: 0.5, seed: 4 }),
    noisy,
    'same seed, same noise',
  );
  const deviations = Array.from(noisy)
    .filter((_, i) => removed[i])
    .map((v) => v - 3);
  const std = Math.sqrt(deviations.reduce((s, d) => s + d * d, 0) / deviations.length);
  assert.ok(std > 0.4 && std < 0.6, `noise standard deviation ${std} (asked 0.5, ${deviations.length} pixels)`);
  assert.throws(() => noisyLinearImputation(pixels, { height, width, channels: 1 }, new Uint8Array(height * width).fill(1)), CamlabError);
});

/** 8 × 8 grey input → 'features' (1×1 conv, weight 1) → GAP → Dense [[4, 0]] → softmax: logit 0 is 4 × the mean pixel. */
function meanModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [8, 8, 1],
        filters: 1,
        kernelSize: 1,
        useBias: false,
        name: 'features',
        weights: [tf.ones([1, 1, 1, 1])],
      }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ units: 2, activation: 'softmax', name: 'predictions', weights: [tf.tensor2d([[4, 0]]), tf.zeros([2])] }),
    ],
  });
}

test('ROAD on a hand-worked case: the map that points exactly at the evidence beats its inverse; removing all the evidence leaves p = 1/2', async () => {
  const model = meanModel();
  // The evidence: a bright 4 × 4 square (value 1) in an 8 × 8 zero image: a quarter of the pixels.
  const pixels = new Float32Array(64);
  for (let y = 2; y < 6; y++) for (let x = 1; x < 5; x++) pixels[y * 8 + x] = 1;
  const input = tf.tensor4d(pixels, [1, 8, 8, 1]);
  const exact: Heatmap = { width: 8, height: 8, data: Float32Array.from(pixels) };
  const inverse: Heatmap = { width: 8, height: 8, data: pixels.map((v) => 1 - v) };
  const before = tf.memory().numTensors;
  try {
    const options = { percentiles: [10, 25, 50, 75, 90], noise: 0 };
    const good = await road(model, input, exact, 0, options);
    const bad = await road(model, input, inverse, 0, options);
    const p0 = Math.exp(1) / (Math.exp(1) + 1); // logit 4 × 16/64 = 1 against 0
    assert.ok(Math.abs(good.original - p0) < 1e-5, `original p ${good.original} vs ${p0}`);
    // With the square gone (25 % and more removed, most relevant first) every imputed pixel comes from zeros.
    for (const i of [1, 2, 3, 4])
      assert.ok(Math.abs(good.mostRelevantFirst[i] - 0.5) < 1e-5, `MoRF at ${options.percentiles[i]}%: ${good.mostRelevantFirst[i]}`);
    assert.ok(good.mostRelevantFirst[0] < p0 && good.mostRelevantFirst[0] > 0.5, 'a part of the square removed: in between');
    // Removing background first never removes evidence until 75 % (48 of the 48 zero pixels).
    for (const i of [0, 1, 2])
      assert.ok(
        good.leastRelevantFirst[i] >= p0 - 1e-6,
        `LeRF at ${options.percentiles[i]}% keeps the evidence: ${good.leastRelevantFirst[i]}`,
      );
    assert.ok(good.morf < bad.morf, `MoRF: exact ${good.morf} < inverse ${bad.morf}`);
    assert.ok(good.lerf > bad.lerf, `LeRF: exact ${good.lerf} > inverse ${bad.lerf}`);
    assert.ok(good.combined > 0 && bad.combined < 0, `combined: exact ${good.combined}, inverse ${bad.combined}`);
    assert.ok(Math.abs(good.combined - (good.lerf - good.morf) / 2) < 1e-9);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    await assert.rejects(
      road(model, input, exact, 0, { percentiles: [0] }),
      /percentiles\[0\] must be a percentage above 0 and below 100, got 0/,
    );
    await assert.rejects(road(model, input, exact, 2), /classIndex 2 is not a class of this model/);
    await assert.rejects(road(model, input, exact, 0, { precentiles: [10] } as never), /did you mean 'percentiles'/);
  } finally {
    input.dispose();
    model.dispose();
  }
});

test('rank correlation and SSIM: 1 for the same map, rank correlation −1 for a reversed one, 1 for a monotone transform; sizes must match', () => {
  const data = Float32Array.from({ length: 16 * 16 }, (_, i) => Math.sin(i / 7) + (i % 5) / 10);
  const map: Heatmap = { width: 16, height: 16, data };
  assert.ok(Math.abs(rankCorrelation(map, map) - 1) < 1e-12);
  assert.ok(Math.abs(ssim(map, map) - 1) < 1e-9);
  assert.ok(Math.abs(rankCorrelation(map, { ...map, data: data.map((v) => -v) }) + 1) < 1e-12);
  assert.ok(
    Math.abs(rankCorrelation(map, { ...map, data: data.map((v) => Math.exp(3 * v)) }) - 1) < 1e-12,
    'ranks ignore monotone rescaling',
  );
  assert.ok(ssim(map, { ...map, data: data.map((v) => 1 - v) }) < 0, 'an inverted map is structurally unlike');
  // Ties share their mean rank: [0, 0, 1, 1] against [0, 1, 2, 3] is Pearson of [1.5, 1.5, 3.5, 3.5] and [1, 2, 3, 4].
  const tied = rankCorrelation(
    { width: 4, height: 1, data: Float32Array.from([0, 0, 1, 1]) },
    { width: 4, height: 1, data: Float32Array.from([0, 1, 2, 3]) },
  );
  assert.ok(Math.abs(tied - 4 / Math.sqrt(4 * 5)) < 1e-12, `tied ${tied}`);
  assert.throws(() => rankCorrelation(map, { width: 8, height: 8, data: new Float32Array(64) }), /differ in size/);
});

test('sanity check on the embedded model: CAM changes when the classifier and the last block are randomised; the Sobel edge map does not and is flagged; weights come back', async () => {
  const model = await loadDefaultModel();
  const [sample] = digitsCanvas({ split: 'test', count: 1, seed: 11 });
  const weightsBefore = model.getWeights().map((w) => Array.from(w.dataSync()));
  const tensorsBefore = tf.memory().numTensors;
  try {
    const layers = ['predictions', 'features', 'block3_conv1'];
    const cam = await sanityCheck(model, sample.image, methodMaker('cam'), { layers, classIndex: sample.label });
    assert.deepEqual(
      cam.steps.map((s) => s.layer),
      layers,
      'from the top down',
    );
    assert.deepEqual(cam.steps[2].randomised, layers, 'cascading keeps the layers above random');
    const last = cam.steps[cam.steps.length - 1];
    assert.ok(last.rankCorrelation < 0.5, `CAM after the classifier and the last block: rank correlation ${last.rankCorrelation}`);
    assert.ok(last.ssim < 0.9, `and SSIM ${last.ssim}`);
    assert.equal(cam.flagged, false);
    const sobel = await sanityCheck(model, sample.image, sobelEdgeMaker, { layers, classIndex: sample.label });
    for (const s of sobel.steps)
      assert.ok(s.rankCorrelation > 0.999 && s.ssim > 0.999, `Sobel at ${s.layer}: ${s.rankCorrelation}, ${s.ssim}`);
    assert.equal(sobel.flagged, true);
    assert.match(formatSanityReport(sobel), /FLAGGED/);
    const independent = await sanityCheck(model, sample.image, methodMaker('gradcam'), {
      mode: 'independent',
      layers: ['predictions', 'block1_conv1'],
      classIndex: sample.label,
    });
    assert.deepEqual(
      independent.steps.map((s) => s.randomised),
      [['predictions'], ['block1_conv1']],
      'one layer at a time',
    );
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor leaks');
    assert.deepEqual(
      model.getWeights().map((w) => Array.from(w.dataSync())),
      weightsBefore,
      'the model’s weights are restored',
    );
    await assert.rejects(
      sanityCheck(model, sample.image, sobelEdgeMaker, { layers: ['gap'] }),
      /Layer 'gap' has no trainable weights to randomise/,
    );
    await assert.rejects(
      sanityCheck(model, sample.image, sobelEdgeMaker, { mode: 'cascade' as never }),
      /mode must be one of 'cascading', 'independent'/,
    );
  } finally {
    sample.image.dispose();
    model.dispose();
  }
});

test('compareMethods puts methods, baselines and metrics in one table: ROAD and the randomised-model column, the Sobel map flagged', async () => {
  const model = await loadDefaultModel();
  const samples = digitsCanvas({ split: 'test', count: 2, seed: 12 });
  try {
    const tensorsBefore = tf.memory().numTensors;
    const rows = await compareMethods(model, samples, [methodMaker('cam'), randomMapMaker, sobelEdgeMaker], {
      threshold: 0.3,
      steps: 4,
      road: { percentiles: [30, 70] },
    });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensor leaks');
    const [cam, random, sobel] = rows;
    assert.ok(cam.roadCombined > random.roadCombined, `ROAD combined: CAM ${cam.roadCombined} > random ${random.roadCombined}`);
    assert.ok(cam.randomisedRankCorrelation < 0.5 && !cam.flagged, `CAM on a random model: ${cam.randomisedRankCorrelation}`);
    assert.ok(sobel.randomisedRankCorrelation > 0.999 && sobel.flagged);
    assert.ok(random.flagged, 'a seeded random map does not depend on the model either');
    const table = formatMethodTable(rows, 0.3);
    assert.match(table, /ROAD combined ↑/);
    assert.match(table, /\| Sobel edges ⚑ \|/);
    assert.equal(table.split('\n').length, 5);
    assert.doesNotMatch(formatMethodTable(rows, 0.3, { timing: false }), /ms per map/, 'timing: false leaves the milliseconds out');
    await assert.rejects(
      compareMethods(model, samples, [sobelEdgeMaker], { threshold: 0.3, sanity: 'yes' as never }),
      /sanity must be a boolean/,
    );
  } finally {
    tf.dispose(samples.map((s) => s.image));
    model.dispose();
  }
});
