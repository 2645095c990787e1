// drawingFigure in Node: the figure its PNG paints, the data the page runs on (the model's own weights,
// its feature layer and classifier), the page's HTML, and the refusals. The page itself: drawing-browser.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ready,
  tf,
  loadDefaultModel,
  loadSamples,
  drawingFigure,
  figureHtml,
  figurePng,
  classActivationMap,
  boundingBox,
  CamlabError,
} from '../src';
import { largestRegionBox } from '../src/localize/box';
import { resizeHeatmap } from '../src/image/resize';
import { normalizeHeatmap } from '../src/image/heatmap';
import type { DrawingData } from '../src/plot/drawing';
import { Jimp } from 'jimp';

let model: tf.LayersModel;
let samples: Awaited<ReturnType<typeof loadSamples>>;

before(async () => {
  await ready();
  model = await loadDefaultModel();
  samples = await loadSamples();
});

after(() => {
  model.dispose();
  tf.dispose(samples.map((s) => s.image));
});

test('the figure is the first starting digit with the CAM of its top class and the box; the page gets the model itself', async () => {
  const tensors = tf.memory().numTensors;
  const figure = await drawingFigure(model, { starts: samples.slice(0, 3) });
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
  const [top] = await classActivationMap(model, samples[0].image);
  assert.equal(figure.layout.title.text, `CAM of "${top.classIndex}" (p = ${top.score.toFixed(3)}) on a held-out digit`);
  const box = boundingBox(top.heatmap, { threshold: 0.3 });
  assert.deepEqual(
    figure.layout.shapes?.map((s) => [s.x0, s.y0, s.x1, s.y1]),
    [[box.x - 0.5, box.y - 0.5, box.x + box.width - 0.5, box.y + box.height - 0.5]],
  );
  assert.ok(
    figure.layout.annotations?.some((a) => a.text.startsWith('Live version: draw a digit')),
    'the PNG says what the live figure does',
  );

  const data = figure.layout.meta!.camlabDrawing as DrawingData;
  assert.equal(data.featureLayer, 'features');
  assert.equal(data.classifierLayer, 'predictions');
  assert.deepEqual(data.input, [64, 64, 1]);
  assert.deepEqual(data.canvas, [256, 256]);
  assert.equal(data.threshold, 0.3, "the model's validated threshold");
  assert.deepEqual(
    data.starts.map((s) => s.label),
    samples.slice(0, 3).map((s) => s.label),
  );
  // The weights the page loads are the model's, value for value, in the order of their specs.
  const bytes = Buffer.from(data.model.weights, 'base64');
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let offset = 0;
  for (const spec of data.model.weightSpecs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const weight = model.weights.find((w) => w.originalName === spec.name || w.name === spec.name)!;
    assert.ok(weight, `weight ${spec.name}`);
    assert.deepEqual(Array.from(values.subarray(offset, offset + size)), Array.from(weight.read().dataSync()));
    offset += size;
  }
  assert.equal(offset, values.length);

  const png = await figurePng(figure);
  const decoded = await Jimp.read(Buffer.from(png));
  assert.equal(decoded.bitmap.width, figure.layout.width);
});

test('the page: TensorFlow.js and the weights once, the title and labels escaped, no network address', async () => {
  const xss = '<img src=x onerror=alert(1)>';
  const labels = Array.from({ length: 10 }, (_, i) => (i === 3 ? xss : String(i)));
  const figure = await drawingFigure(model, { starts: [{ image: samples[0].image, label: 3 }], labels, title: xss });
  const html = figureHtml(figure, await figurePng(figure), { includePlotly: false });
  assert.equal(html.split('window.__camlabTf = ').length, 2);
  assert.equal(html.split('window.__camlabModels = window.__camlabModels || {}').length, 2);
  assert.ok(!html.includes(xss), 'no label reaches the HTML unescaped');
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the title and the start button show it as text');
  assert.ok(!/https?:\/\//.test(html.replace(/http:\/\/www\.w3\.org\/[\w/.]*/g, '')), 'nothing to fetch');
  assert.ok(html.includes('touch-action: none'), 'a finger on the canvas draws instead of scrolling');
  const scripts = Array.from(html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g), (m) => m[1]);
  assert.equal(scripts.length, 3, 'TensorFlow.js, the model, the figure');
  for (const script of scripts) assert.doesNotThrow(() => new Function(script), 'every script parses');
});

test("the rules the page runs are camlab's own functions, whole: their source alone gives camlab's answers", () => {
  const raw = { width: 16, height: 16, data: Float32Array.from({ length: 256 }, (_, i) => Math.sin(i / 7) + (i % 16) / 9) };
  const standalone = <T>(f: { toString(): string }) => new Function(`return (${f.toString()});`)() as T;
  const heat = standalone<typeof normalizeHeatmap>(normalizeHeatmap)(standalone<typeof resizeHeatmap>(resizeHeatmap)(raw, 64, 64));
  assert.deepEqual(heat, normalizeHeatmap(resizeHeatmap(raw, 64, 64)));
  assert.deepEqual(standalone<typeof largestRegionBox>(largestRegionBox)(heat.data, 64, 64, 0.3), boundingBox(heat, { threshold: 0.3 }));
});

test('bad options and models without a CAM head are refused with what to do', async () => {
  await assert.rejects(
    drawingFigure(model, { treshold: 0.3 } as never),
    (e: Error) => e instanceof CamlabError && /no option 'treshold'; did you mean 'threshold'/.test(e.message),
  );
  await assert.rejects(drawingFigure(model, { threshold: 2 }), /threshold must be a number between 0 and 1, got 2/);
  await assert.rejects(drawingFigure(model, { labels: ['a', 'b'] }), /2 labels for 10 classes/);
  await assert.rejects(drawingFigure(model, { starts: [] }), /starts is empty/);
  await assert.rejects(drawingFigure(model, { starts: [samples[0].image] as never }), /starts\[0\] must be \{ image, label\? \}/);
  const noGap = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  await assert.rejects(drawingFigure(noGap), (e: Error) => e instanceof CamlabError && /GlobalAveragePooling2D/.test(e.message));
  noGap.dispose();
});

test("in a kernel session, TensorFlow.js and a model's weights travel with the first drawing figure that needs them", async () => {
  const { digitsGapCnn } = await import('../src/model/architectures/digits');
  const other = digitsGapCnn({ seed: 3 });
  try {
    const starts = [{ image: samples[0].image }];
    const [a, b] = [await drawingFigure(model, { starts }), await drawingFigure(other, { starts })];
    const png = await figurePng(a);
    const sent = new Set<string>();
    const pages = [
      figureHtml(a, png, { includePlotly: false, sent }),
      figureHtml(a, png, { includePlotly: false, sent }),
      figureHtml(b, png, { includePlotly: false, sent }),
    ];
    assert.deepEqual(
      pages.map((html) => html.includes('data-camlab-shared="tfjs"')),
      [true, false, false],
    );
    assert.deepEqual(
      pages.map((html) => html.includes('data-camlab-shared="model"')),
      [true, false, true],
    );
    assert.ok(pages[1].length < 150_000, `a further figure of the same model: ${pages[1].length} bytes`);
  } finally {
    other.dispose();
  }
});
