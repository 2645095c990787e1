// Maps a reader compares share one colour scale, and negative evidence is never drawn as heat: the
// grid and a single map on the embedded model, in the live figure's data and in the PNG.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Jimp } from 'jimp';
import {
  tf,
  ready,
  loadDefaultModel,
  loadSamples,
  classActivationMap,
  gradCam,
  camGridFigure,
  heatmapFigure,
  figurePng,
  type CamResult,
  type LoadedSample,
} from '../src';
import type { Figure, HeatmapTrace } from '../src/plot/figure';

let model: tf.LayersModel;
let sample: LoadedSample;
let ranked: CamResult[];

before(
  async () => {
    await ready();
    model = await loadDefaultModel();
    sample = (await loadSamples())[0];
    ranked = await classActivationMap(model, sample.image, { topK: 10 });
  },
  { timeout: 60_000 },
);

after(() => {
  model.dispose();
  sample.image.dispose();
});

const heats = (figure: Figure) => figure.data.filter((t): t is HeatmapTrace => t.type === 'heatmap');
const values = (trace: HeatmapTrace) => trace.z.flat();

test("a grid of classes: one scale, so the least probable class's panel is fainter than the top class's; nothing below zero is drawn", () => {
  const [top, least] = [ranked[0], ranked[9]];
  assert.ok(top.score > 0.9 && least.score < 0.01, `p = ${top.score}, ${least.score}`);
  assert.ok(Math.min(...least.raw.data) < 0, 'the least probable class has negative evidence to clip');
  const figure = camGridFigure(sample.image, [top, ranked[1], least]);
  const [a, b, c] = heats(figure);
  for (const trace of [a, b, c]) {
    assert.deepEqual([trace.zmin, trace.zmax], [0, 100]);
    assert.ok(
      values(trace).every((v) => v >= 0 && v <= 100),
      'percent of the shared peak, negative values clipped',
    );
  }
  const maxima = [a, b, c].map((t) => Math.max(...values(t)));
  assert.equal(Math.max(...maxima), 100, 'the largest value of the three maps is 100 %');
  assert.ok(maxima[2] < maxima[0], `least probable ${maxima[2]} %, top ${maxima[0]} %`);
  // Before, each map was stretched to its own 0..1: the least probable class's reached 1 too.
  assert.equal(Math.max(...least.heatmap.data), 1);
  const peak = Math.max(...top.raw.data, ...ranked[1].raw.data, ...least.raw.data);
  const expected = Array.from(least.raw.data, (v) => Math.round((1000 * 100 * Math.max(0, v)) / peak) / 1000);
  assert.ok(
    values(c).every((v, i) => Math.abs(v - expected[i]) < 1e-3),
    'the raw map itself, at its own resolution',
  );
  assert.equal(a.colorbar?.title?.text, '% of max');
  assert.match(
    figure.layout.annotations!.at(-1)!.text.replace(/\n/g, ' '),
    /^One colour scale: 100% = the largest value of these 3 maps\. Negative evidence \(against the class\) is clipped to 0\.$/,
  );
});

test("the PNG shows the same: the top class's panel holds hot colours, the least probable class's none", async () => {
  const figure = camGridFigure(sample.image, [ranked[0], ranked[9]], { alpha: 1 });
  const png = await Jimp.read(Buffer.from(await figurePng(figure)));
  const { margin, width, height } = figure.layout;
  const inner = width - margin.l - margin.r;
  const hot = (column: number) => {
    let count = 0;
    for (let y = margin.t; y < height - margin.b; y++) {
      for (let x = margin.l + (column * inner) / 2; x < margin.l + ((column + 1) * inner) / 2; x++) {
        const i = (y * png.width + Math.round(x)) * 4;
        const [r, g, b] = [png.bitmap.data[i], png.bitmap.data[i + 1], png.bitmap.data[i + 2]];
        if (r > 180 && b < 100 && g < 200) count++;
      }
    }
    return count;
  };
  const [top, least] = [hot(0), hot(1)];
  assert.ok(top > 300, `${top} hot pixels in the top class's panel`);
  assert.ok(least < top / 20, `${least} hot pixels in the least probable class's panel, ${top} in the top class's`);
});

test('the diverging scale keeps negative evidence, blue below zero, centred on zero', () => {
  const figure = camGridFigure(sample.image, [ranked[0], ranked[9]], { negative: 'diverging' });
  const [a, b] = heats(figure);
  assert.deepEqual([a.zmin, a.zmax], [-100, 100]);
  assert.ok(Math.min(...values(b)) < -10, 'the least probable class shows evidence against it');
  assert.equal(Math.max(...[...values(a), ...values(b)].map(Math.abs)), 100);
  assert.deepEqual(a.colorscale[0][1], [59, 76, 192]);
  assert.deepEqual(a.colorscale[4][1], [221, 221, 221]);
  assert.match(
    figure.layout.annotations!.at(-1)!.text.replace(/\n/g, ' '),
    /±100% = the largest magnitude of these 2 maps\. Blue: evidence against the class, red: for it; white is 0\./,
  );
});

test('methods compared in one grid keep a scale each (their units differ), and the caption says so', async () => {
  const [grad] = await gradCam(model, sample.image, { layer: 'block2_conv2' });
  const figure = camGridFigure(sample.image, [ranked[0], grad], { panelTitles: ['CAM', 'Grad-CAM'] });
  assert.deepEqual(
    heats(figure).map((t) => Math.max(...values(t))),
    [100, 100],
  );
  assert.match(figure.layout.annotations!.at(-1)!.text.replace(/\n/g, ' '), /^One scale per method and layer/);
});

test('a single map given as a result: its raw map on its own scale, negative evidence clipped; given as a heat map, drawn as it is', () => {
  const least = ranked[9];
  const figure = heatmapFigure(sample.image, least);
  const [trace] = heats(figure);
  assert.equal(Math.max(...values(trace)), 100);
  assert.ok(values(trace).every((v) => v >= 0));
  assert.equal(values(trace).length, least.raw.width * least.raw.height);
  assert.equal(trace.zsmooth, 'best');
  assert.match(figure.layout.annotations!.at(-1)!.text.replace(/\n/g, ' '), /^100% = the map's largest value\./);
  const given = heatmapFigure(sample.image, least.heatmap);
  assert.deepEqual([heats(given)[0].zmin, heats(given)[0].zmax], [0, 1]);
  assert.equal(heats(given)[0].colorbar?.title?.text, 'activation');
});

test('an unknown negative option is refused by name, not drawn as clipped', () => {
  assert.throws(
    () => camGridFigure(sample.image, [ranked[0]], { negative: 'divergent' as never }),
    /^CamlabError: negative must be one of 'clip', 'diverging', got the string 'divergent'\.$/,
  );
});
