// The teaching diagrams on the embedded model: GAP drawn (maps and the vector of their means), the CAM as a
// weighted sum of feature maps (the paper's Figure 2), and the map at each stage. What they draw is checked
// against what TensorFlow.js and classActivationMap compute, and their PNGs are decoded back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Jimp } from 'jimp';
import {
  tf,
  ready,
  loadDefaultModel,
  loadSamples,
  layerActivations,
  inspectModel,
  classActivationMap,
  gapFigure,
  camSumFigure,
  camStagesFigure,
  figurePng,
  CamlabError,
  type CamResult,
  type LoadedSample,
} from '../src';
import type { BarTrace, HeatmapTrace, ImageTrace } from '../src/plot/figure';

let model: tf.LayersModel;
let sample: LoadedSample;
let features: tf.Tensor4D;
let result: CamResult;
let column: Float32Array;

before(
  async () => {
    await ready();
    model = await loadDefaultModel();
    sample = (await loadSamples())[1];
    const anatomy = inspectModel(model);
    features = (await layerActivations(model, sample.image, anatomy.featureLayer!.name)) as tf.Tensor4D;
    [result] = await classActivationMap(model, sample.image);
    const [kernel] = model.getLayer(anatomy.classifierLayer!.name).getWeights();
    column = tf.tidy(() => tf.slice(kernel, [0, result.classIndex], [kernel.shape[0], 1]).dataSync() as Float32Array);
  },
  { timeout: 60_000 },
);

after(
  () => {
    model.dispose();
    sample.image.dispose();
    features.dispose();
  },
  { timeout: 60_000 },
);

const heatmaps = (data: unknown[]) => data.filter((t): t is HeatmapTrace => (t as { type: string }).type === 'heatmap');
const titles = (figure: ReturnType<typeof gapFigure>) => figure.layout.annotations!.map((a) => a.text);

test('gapFigure: the bars are the means TensorFlow.js computes, the drawn maps are the channels with the largest means, on one scale', async () => {
  const tensors = tf.memory().numTensors;
  const figure = gapFigure(features);
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
  const means = tf.tidy(() => tf.mean(features, [0, 1, 2]).dataSync());
  const bars = figure.data.find((t): t is BarTrace => t.type === 'bar')!;
  assert.equal(bars.y.length, 64);
  bars.y.forEach((v, k) => assert.ok(Math.abs(v - means[k]) < 1e-4, `channel ${k}: ${v} vs ${means[k]}`));
  const largest = Array.from(means, (v, k) => [v, k])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 6)
    .map(([, k]) => k);
  assert.deepEqual(
    titles(figure).slice(0, 6),
    largest.map((k) => `f${k}: mean ${means[k].toPrecision(3)}`),
  );
  // The marked bars are exactly the drawn channels.
  const marked = (bars.marker!.color as number[][]).flatMap((c, k) => (c[0] === 214 ? [k] : []));
  assert.deepEqual(
    marked,
    [...largest].sort((a, b) => a - b),
  );
  // Each map panel holds its channel's values, and all share one colour range from 0 to their maximum.
  const maps = heatmaps(figure.data);
  const values = features.dataSync();
  let max = 0;
  maps.forEach((trace, i) => {
    const k = largest[i];
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++) {
        const v = values[(y * 16 + x) * 64 + k];
        max = Math.max(max, v);
        assert.ok(Math.abs(trace.z[y][x] - v) <= 5e-4, `channel ${k} at ${x},${y}`);
      }
  });
  for (const trace of maps) assert.deepEqual([trace.zmin, trace.zmax], [0, max]);
  assert.equal(maps.filter((t) => t.showscale).length, 1, 'one colour bar for the shared scale');
  const png = await Jimp.read(Buffer.from(await figurePng(figure)));
  assert.deepEqual([png.bitmap.width, png.bitmap.height], [figure.layout.width, figure.layout.height]);
});

test('gapFigure draws the channels asked for, and refuses what it cannot draw', () => {
  const figure = gapFigure(features, { channels: [3, 0], title: 'Two maps' });
  assert.equal(figure.layout.title.text, 'Two maps');
  assert.deepEqual(
    titles(figure)
      .slice(0, 2)
      .map((t) => t.split(':')[0]),
    ['f3', 'f0'],
  );
  assert.throws(
    () => gapFigure(features, { channels: [64] }),
    (e: Error) => e instanceof CamlabError && /Channel 64 does not exist: the layer has channels 0 to 63/.test(e.message),
  );
  assert.throws(() => gapFigure(features, { chanels: [1] } as never), /gapFigure has no option 'chanels'; did you mean 'channels'\?/);
  assert.throws(
    () => gapFigure(tf.zeros([2, 4, 4, 3]) as tf.Tensor4D),
    /gapFigure takes a layer's activations \[h, w, channels\] or \[1, h, w, channels\], got \[2, 4, 4, 3\]/,
  );
});

test("camSumFigure: the weighted sum it draws is classActivationMap's raw map; the terms drawn are the largest, titled with their weights", async () => {
  const figure = camSumFigure(features, column, { count: 4 });
  const maps = heatmaps(figure.data);
  assert.equal(maps.length, 5);
  const sum = maps[4];
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < 16; x++) {
      const expected = result.raw.data[y * 16 + x];
      assert.ok(Math.abs(sum.z[y][x] - expected) <= 1e-3 + 1e-5 * Math.abs(expected), `at ${x},${y}: ${sum.z[y][x]} vs ${expected}`);
    }
  const means = tf.tidy(() => tf.mean(features, [0, 1, 2]).dataSync());
  const terms = Array.from(means, (m, k) => [column[k] * m, k])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 4)
    .map(([, k]) => k);
  assert.deepEqual(
    titles(figure).slice(0, 4),
    terms.map((k) => `${column[k] < 0 ? '−' : '+'}${Math.abs(column[k]).toPrecision(3)} × f${k}`),
  );
  assert.equal(titles(figure)[4], '= Σ over all 64 maps');
  // A diverging scale centred on zero: evidence against the class is blue, never heat.
  const peak = Math.max(...Array.from(result.raw.data, Math.abs));
  assert.ok(Math.abs(sum.zmax - peak) < 1e-3 && sum.zmin === -sum.zmax, `[${sum.zmin}, ${sum.zmax}] vs ±${peak}`);
  assert.deepEqual(sum.colorscale[0][1], [59, 76, 192]);
  assert.ok(sum.showscale && maps.slice(0, 4).every((t) => !t.showscale));
  assert.throws(() => camSumFigure(features, column.slice(1)), /camSumFigure needs one weight per channel: 64 channels, 63 weights/);
  assert.throws(
    () =>
      camSumFigure(
        features,
        Float32Array.from(column, (v, k) => (k === 5 ? NaN : v)),
      ),
    /Weight 5 is NaN/,
  );
  const png = await Jimp.read(Buffer.from(await figurePng(figure)));
  assert.deepEqual([png.bitmap.width, png.bitmap.height], [figure.layout.width, figure.layout.height]);
});

test('camStagesFigure: the input alone, the coarse map at its own resolution, the same map over the input, on one scale', async () => {
  const tensors = tf.memory().numTensors;
  const figure = camStagesFigure(sample.image, result, { title: 'Stages' });
  assert.equal(tf.memory().numTensors, tensors);
  assert.deepEqual(titles(figure), ['the input (64×64)', 'the map (16×16)', 'upsampled, over the input']);
  const images = figure.data.filter((t): t is ImageTrace => t.type === 'image');
  assert.deepEqual(
    images.map((t) => t.xaxis),
    ['x', 'x3'],
    'the picture in the first and the last panel',
  );
  const pixels = sample.image.dataSync();
  for (const i of [0, 1000, 4095]) assert.equal(images[0].pixels.rgba[i * 4], Math.round(pixels[i * 3]));
  const [coarse, over] = heatmaps(figure.data);
  assert.deepEqual([coarse.z.length, coarse.z[0].length], [16, 16]);
  assert.equal(coarse.z[5][9], Math.round(result.raw.data[5 * 16 + 9] * 1000) / 1000);
  assert.deepEqual([over.zmin, over.zmax], [coarse.zmin, coarse.zmax], "one colour scale, in the map's own units");
  assert.deepEqual([coarse.xaxis, over.xaxis, over.opacity], ['x2', 'x3', 0.5]);
  const png = await Jimp.read(Buffer.from(await figurePng(figure)));
  assert.deepEqual([png.bitmap.width, png.bitmap.height], [figure.layout.width, figure.layout.height]);
  assert.throws(
    () => camStagesFigure(sample.image, { ...result, raw: { width: 16, height: 16, data: new Float32Array(3) } }),
    /The result's raw map is inconsistent: 16×16 needs 256 values and it has 3/,
  );
});
