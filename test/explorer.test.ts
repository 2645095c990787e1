// explorerFigure on the embedded model: what the figure carries (maps at each layer's resolution, boxes,
// titles, reasons), checked against the library's own maps; its PNG; and its errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Jimp } from 'jimp';
import {
  tf,
  ready,
  loadDefaultModel,
  loadSamples,
  explain,
  boundingBox,
  explorerFigure,
  heatmapFigure,
  figurePng,
  plotlyFigure,
  CamlabError,
  type Figure,
  type LoadedSample,
} from '../src';
import type { ExplorerData } from '../src/plot/explorer';
import type { HeatmapTrace } from '../src/plot/figure';
import { heatmapOverImage } from '../src/image/place';

const LAYERS = ['features', 'block3_conv1', 'block2_conv2', 'block1_conv1'];
const METHODS = ['cam', 'gradcam', 'layercam'] as const;
let model: tf.LayersModel;
let sample: LoadedSample;
let figure: Figure;
let spec: ExplorerData;

before(
  async () => {
    await ready();
    model = await loadDefaultModel();
    sample = (await loadSamples())[0];
    const tensors = tf.memory().numTensors;
    figure = await explorerFigure(model, sample.image, { layers: LAYERS, methods: [...METHODS], threshold: 0.3 });
    assert.equal(tf.memory().numTensors, tensors, 'explorerFigure leaves no tensor behind');
    spec = figure.layout.meta!.camlabExplorer as ExplorerData;
  },
  { timeout: 60_000 },
);

after(
  () => {
    model.dispose();
    sample.image.dispose();
  },
  { timeout: 60_000 },
);

const index = (c: number, l: number, m: number) => (c * LAYERS.length + l) * METHODS.length + m;
const decode = (k: number, l: number) =>
  Uint8Array.from(Buffer.from(spec.maps[k]!, 'base64')).slice(0, spec.grids[l].width * spec.grids[l].height);

test("one image, one heat map at the first layer's resolution placed over the image, smoothed by Plotly, three menus of buttons", () => {
  assert.deepEqual(
    figure.data.map((t) => t.type),
    ['image', 'heatmap'],
  );
  const heat = figure.data[1] as HeatmapTrace;
  assert.equal(heat.zsmooth, 'best');
  assert.deepEqual([heat.z.length, heat.z[0].length], [16, 16], 'features is 16×16');
  assert.deepEqual([heat.x0 - heat.dx / 2, heat.x0 + 15.5 * heat.dx], [-0.5, 63.5], 'the cells cover the 64 pixels exactly');
  assert.deepEqual([heat.zmin, heat.zmax], [0, 100]);
  assert.match(heat.hovertemplate!, /%\{z\}% of the largest value/);
  assert.equal(heat.colorbar?.title?.text, '% of max');
  // The menus are the page's buttons (the script makes them from spec.labels), not Plotly's dropdowns.
  assert.equal(figure.layout.updatemenus, undefined);
  assert.deepEqual(
    [spec.menus, spec.labels.map((l) => l.length)],
    [
      ['class', 'layer', 'method'],
      [10, 4, 3],
    ],
  );
  assert.deepEqual(
    spec.grids.map((g) => [g.width, g.height]),
    [
      [16, 16],
      [16, 16],
      [32, 32],
      [64, 64],
    ],
  );
  assert.deepEqual(spec.counts, [10, 4, 3]);
  assert.deepEqual(Array.from(decode(index(0, 0, 0), 0)), heat.z.flat(), 'the first choice is the one drawn');
});

test("classes come most probable first, with the model's probabilities in the menu and the titles", async () => {
  const [top] = await explain(model, sample.image, { method: 'cam', topK: 10 });
  const probabilities = (await explain(model, sample.image, { method: 'cam', topK: 10 })).map((r) => [r.classIndex, r.score]);
  assert.equal(top.classIndex, sample.label);
  const labels = spec.labels[0];
  assert.deepEqual(
    labels,
    probabilities.map(([c, p]) => `${c} (p = ${p.toFixed(3)})`),
  );
  assert.equal(figure.layout.title.text, `"${top.classIndex}" (p = ${top.score.toFixed(3)}): CAM at features`);
  assert.equal(spec.titles[index(1, 2, 1)], `"${probabilities[1][0]}" (p = ${probabilities[1][1].toFixed(3)}): Grad-CAM at block2_conv2`);
});

test("each map is the library's raw map, negative values clipped, in percent of the largest value among the classes at that layer by that method; each box is that map's", async () => {
  for (const [l, layer] of LAYERS.entries()) {
    for (const [m, method] of METHODS.entries()) {
      if (method === 'cam' && layer !== 'features') continue;
      const results = await explain(model, sample.image, { method, layer, topK: 10 });
      const peak = Math.max(...results.flatMap((r) => Array.from(r.raw.data)));
      for (const c of [0, 1, 9]) {
        const expected = results[c];
        const sent = decode(index(c, l, m), l);
        const want = Array.from(expected.raw.data, (v) => (100 * Math.max(0, v)) / peak);
        const worst = Math.max(...want.map((v, i) => Math.abs(v - sent[i])));
        assert.ok(worst <= 0.5, `${method} at ${layer}, class rank ${c}: the map sent is off by ${worst} %`);
        const clipped = { ...expected.raw, data: expected.raw.data.map((v) => Math.max(0, v)) };
        const box = clipped.data.some((v) => v > 0)
          ? boundingBox(heatmapOverImage(clipped, { width: 64, height: 64 }, expected.region), { threshold: 0.3 })
          : null;
        assert.deepEqual(spec.boxes[index(c, l, m)], box && [box.x - 0.5, box.y - 0.5, box.x + box.width - 0.5, box.y + box.height - 0.5]);
      }
    }
  }
});

test("one scale per layer and method: the least probable class's map is fainter than the top class's, and no value drawn is negative evidence", () => {
  for (let l = 0; l < LAYERS.length; l++) {
    for (let m = 0; m < METHODS.length; m++) {
      if (spec.maps[index(0, l, m)] === null) continue;
      const maxima = Array.from({ length: 10 }, (_, c) => Math.max(...decode(index(c, l, m), l)));
      assert.equal(Math.max(...maxima), 100, `${METHODS[m]} at ${LAYERS[l]}: the largest value of all classes is 100 %`);
      // At the layer that feeds GAP; earlier layers' gradient maps need not rank the classes this way.
      if (l === 0)
        assert.ok(maxima[9] < maxima[0], `${METHODS[m]} at ${LAYERS[l]}: least probable class ${maxima[9]} %, top class ${maxima[0]} %`);
      for (let c = 0; c < 10; c++)
        assert.ok(
          decode(index(c, l, m), l).every((v) => v <= 100),
          'bytes hold 0..100 %: nothing below zero',
        );
    }
  }
  assert.equal(spec.offset, 0);
});

test("with negative: 'diverging', the maps keep their sign on a scale centred on zero", async () => {
  const diverging = await explorerFigure(model, sample.image, { methods: ['cam'], negative: 'diverging' });
  const data = diverging.layout.meta!.camlabExplorer as ExplorerData;
  const heat = diverging.data[1] as HeatmapTrace;
  assert.deepEqual([heat.zmin, heat.zmax, data.offset], [-100, 100, 100]);
  const [first, last] = [data.maps[0]!, data.maps[9]!].map((b) => Array.from(Buffer.from(b, 'base64'), (v) => v - data.offset));
  assert.ok(Math.min(...first, ...last) < 0, 'negative evidence is kept');
  assert.equal(Math.max(...[...first, ...last].map(Math.abs)) <= 100, true);
  assert.deepEqual(heat.colorscale[4][1], [221, 221, 221], 'white-grey at zero');
});

test('CAM away from the layer that feeds GAP carries no map but a sentence that says why and what works there', () => {
  for (let c = 0; c < 10; c++) {
    for (let l = 1; l < LAYERS.length; l++) {
      assert.equal(spec.maps[index(c, l, 0)], null);
      assert.equal(spec.boxes[index(c, l, 0)], null);
      assert.equal(spec.titles[index(c, l, 0)], `CAM at ${LAYERS[l]}: not defined`);
    }
  }
  const reason = spec.reasons[3 * METHODS.length]!.replace(/\n/g, ' ');
  assert.match(
    reason,
    /^CAM is defined only at features, the layer that feeds global average pooling.*At block1_conv1, pick Grad-CAM or Layer-CAM\.$/,
  );
  assert.equal(spec.maps.filter((k) => k === null).length, 10 * 3, 'only CAM at the three other layers');
  assert.equal(spec.reasons.filter((r) => r === null).length, 4 * 3 - 3);
});

test('the figure holds labels and titles as plain text, and they reach Plotly escaped', async () => {
  const XSS = '<img src=x onerror=alert(1)>';
  const labels = Array.from({ length: 10 }, (_, i) => (i === sample.label ? XSS : `digit ${i} & co`));
  const plain = await explorerFigure(model, sample.image, { labels, methods: ['gradcam'] });
  assert.equal(plain.layout.title.text.startsWith(`"${XSS}"`), true, "escaped once, when the figure is turned into Plotly's JSON");
  const escaped = plotlyFigure(plain) as unknown as Figure;
  const json = JSON.stringify(escaped);
  assert.ok(!json.includes('<img') && !json.includes('& co'), 'no raw label in what Plotly gets');
  assert.equal(escaped.layout.title.text.startsWith('"&lt;img src=x onerror=alert(1)&gt;"'), true);
  const escapedSpec = escaped.layout.meta!.camlabExplorer as ExplorerData;
  assert.ok(
    escapedSpec.labels[0].some((label) => label.startsWith(`digit ${(sample.label + 1) % 10} &amp; co`)),
    "the buttons' labels are escaped",
  );
  assert.ok(escapedSpec.labels[0].some((label) => label.startsWith('&lt;img src=x onerror=alert(1)&gt;')));
  const titles = escapedSpec.titles;
  assert.ok(
    titles.some((t) => t.startsWith('"&lt;img src=x onerror=alert(1)&gt;"')),
    'the titles the menus switch to are escaped too',
  );
});

test('the PNG paints the first choice and says how the maps were scaled and what the menus offer', async () => {
  const png = await Jimp.read(Buffer.from(await figurePng(figure)));
  assert.deepEqual([png.width, png.height], [figure.layout.width, figure.layout.height]);
  assert.equal(
    figure.layout.annotations![0].text.replace(/\n/g, ' '),
    "One scale for all classes per layer and method: 100% = their largest value; negative evidence clipped to 0. Box: ≥ 30% of the map's own maximum. The interactive version picks one of 10 classes, 4 layers and 3 methods.",
  );
  // The box of the first choice is painted in its colour.
  const green = [0x00, 0xe6, 0x76];
  let boxPixels = 0;
  for (let i = 0; i < png.bitmap.data.length; i += 4) if (green.every((v, k) => Math.abs(png.bitmap.data[i + k] - v) < 8)) boxPixels++;
  assert.ok(boxPixels > 200, `${boxPixels} box pixels`);
});

test("the PNG painter smooths a heat map between cell centres when zsmooth is 'best', as Plotly does", async () => {
  const image = tf.fill([40, 40, 3], 128) as tf.Tensor3D;
  const figure2 = heatmapFigure(image, { width: 2, height: 1, data: new Float32Array([0, 1]) }, { alpha: 1 });
  image.dispose();
  const colours = async (fig: Figure) => {
    const png = await Jimp.read(Buffer.from(await figurePng(fig)));
    const y = Math.round(fig.layout.margin.t + (fig.layout.height - fig.layout.margin.t - fig.layout.margin.b) / 2);
    const row = new Set<number>();
    for (let x = 0; x < png.width; x++) row.add(png.getPixelColor(x, y));
    return row.size;
  };
  (figure2.data[1] as HeatmapTrace).zsmooth = false;
  const blocky = await colours(figure2);
  (figure2.data[1] as HeatmapTrace).zsmooth = 'best';
  const smooth = await colours(figure2);
  assert.ok(smooth > blocky + 50, `distinct colours across the map: ${blocky} blocky, ${smooth} smoothed`);
});

test('bad options are refused with what was given and what exists, and leave no tensor', async () => {
  const tensors = tf.memory().numTensors;
  await assert.rejects(
    explorerFigure(model, sample.image, { layers: ['nope'] }),
    /There is no layer 'nope'\. Layers with feature maps: rescale, block1_conv1, .*features\./,
  );
  await assert.rejects(
    explorerFigure(model, sample.image, { layers: ['gap'] }),
    /Layer 'gap' has no feature maps\. Layers with feature maps: /,
  );
  await assert.rejects(explorerFigure(model, sample.image, { layers: [] }), /layers is empty/);
  await assert.rejects(
    explorerFigure(model, sample.image, { layers: ['features', 'features'] }),
    /layers lists a layer twice: features, features\./,
  );
  await assert.rejects(
    // @ts-expect-error: a method camlab does not have
    explorerFigure(model, sample.image, { methods: ['gradcam', 'magic'] }),
    /Unknown method 'magic'; use one of: cam, gradcam, /,
  );
  await assert.rejects(explorerFigure(model, sample.image, { classes: [1, 1] }), /classes lists a class twice: \[1, 1\]\./);
  await assert.rejects(
    explorerFigure(model, sample.image, { classes: [12] }),
    /classIndex 12 is not a class of this model: use an integer from 0 to 9\./,
  );
  await assert.rejects(explorerFigure(model, sample.image, { threshold: 2 }), /threshold must be a number between 0 and 1, got 2\./);
  // Checked by validate.ts like every entry's options: a misspelt name is refused, not ignored.
  await assert.rejects(
    explorerFigure(model, sample.image, { treshold: 0.4 } as never),
    /explorerFigure has no option 'treshold'; did you mean 'threshold'\?/,
  );
  await assert.rejects(explorerFigure(model, sample.image, { size: 0 }), /size must be an integer ≥ 1, got 0\./);
  await assert.rejects(
    explorerFigure(model, sample.image, { layers: ['block1_conv1'], methods: ['cam'] }),
    /None of the methods cam is defined at block1_conv1: CAM is defined only at features/,
  );
  const grey = tf.zeros([8, 8]);
  await assert.rejects(
    explorerFigure(model, grey as unknown as tf.Tensor3D),
    (e: Error) =>
      e instanceof CamlabError && /Expected one RGB image of shape \[height, width, 3\], got a tensor of shape \[8, 8\]/.test(e.message),
  );
  grey.dispose();
  assert.equal(tf.memory().numTensors, tensors);
});

test('defaults: the layer that feeds GAP, CAM, Grad-CAM and Layer-CAM, every class of a 10-class model', async () => {
  const fig = await explorerFigure(model, sample.image);
  const data = fig.layout.meta!.camlabExplorer as ExplorerData;
  assert.deepEqual(data.counts, [10, 1, 3]);
  assert.deepEqual(data.labels.slice(1), [['features (16×16)'], ['CAM', 'Grad-CAM', 'Layer-CAM']]);
  assert.ok(data.maps.every((m) => m !== null));
});
