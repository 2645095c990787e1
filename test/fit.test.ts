// Figures laid out again for a narrow screen: what the browser runs (figureHtml embeds fitLayout's source).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready, heatmapFigure, featureMapsFigure, camGridFigure, probabilitiesFigure, curveFigure, type Figure } from '../src';
import { fitLayout } from '../src/plot/fit';
import type { Layout } from '../src/plot/figure';

const axes = (layout: Layout, kind: 'x' | 'y') =>
  Object.keys(layout)
    .filter((k) => new RegExp(`^${kind}axis\\d*$`).test(k))
    .map((k) => layout[k as `xaxis${string}`]!);

async function figures(): Promise<{ heat: Figure; short: Figure; maps: Figure; grid: Figure }> {
  await ready();
  const image = tf.randomUniform([64, 64, 3], 0, 255, 'float32', 1) as tf.Tensor3D;
  const activations = tf.randomUniform([16, 16, 32], 0, 1, 'float32', 2) as tf.Tensor3D;
  const heatmap = { width: 64, height: 64, data: new Float32Array(64 * 64).map((_, i) => (i % 64) / 64) };
  const results = [0, 1, 2, 3].map((c) => ({ classIndex: c, score: 0.25, imageIndex: 0, heatmap, raw: heatmap })) as unknown as Parameters<
    typeof camGridFigure
  >[1];
  try {
    return {
      heat: heatmapFigure(image, heatmap, {
        title: 'Class activation map of the digit seven, threshold 0.2',
        boxes: [{ box: { x: 4, y: 4, width: 20, height: 20 }, label: 'CAM box' }],
      }),
      short: heatmapFigure(image, heatmap, { title: 'CAM', boxes: [{ box: { x: 4, y: 4, width: 20, height: 20 }, label: 'CAM box' }] }),
      maps: featureMapsFigure(activations, { channels: [...Array(16).keys()] }),
      grid: camGridFigure(image, results, {
        panelTitles: ['conv2_block3_out', 'conv3_block4_out', 'conv4_block6_out', 'conv5_block3_out'],
      }),
    };
  } finally {
    tf.dispose([image, activations]);
  }
}

test('a figure that fits is drawn as designed, except that no annotation is under 12 px', async () => {
  await ready();
  const tensors = tf.memory().numTensors;
  const { heat, short } = await figures();
  assert.equal(tf.memory().numTensors, tensors, 'the test leaves no tensor behind');
  const fitted = fitLayout(short.layout, short.layout.width + 200);
  assert.equal(short.layout.annotations![0].font!.size, 11, 'the box label is designed at 11 px');
  assert.equal(fitted.annotations![0].font!.size, 12);
  assert.deepEqual(fitted.uniformtext, { minsize: 12, mode: 'hide' });
  assert.deepEqual({ ...fitted, annotations: [], uniformtext: undefined }, { ...short.layout, annotations: [], uniformtext: undefined });
  // A title longer than the figure as designed wraps even where the figure fits.
  const wide = fitLayout(heat.layout, 2000);
  assert.equal(wide.width, heat.layout.width);
  assert.match(wide.title.text, /<br>/);
});

test('at a phone width, a grid of 16 feature maps reflows into fewer columns that fill the width', async () => {
  const { maps } = await figures();
  assert.ok(maps.layout.width > 900, `designed ${maps.layout.width} px wide`);
  const fitted = fitLayout(maps.layout, 358);
  assert.equal(fitted.width, 358);
  const xs = axes(fitted, 'x').map((a) => a.domain!);
  const ys = axes(fitted, 'y').map((a) => a.domain!);
  const columns = new Set(xs.map((d) => d[0].toFixed(4))).size;
  assert.ok(columns >= 2 && columns < 8, `${columns} columns`);
  const inner = fitted.width - fitted.margin.l - fitted.margin.r;
  const plotHeight = fitted.height - fitted.margin.t - fitted.margin.b;
  for (const [i, x] of xs.entries()) {
    const y = ys[i];
    assert.ok(x[0] >= 0 && x[1] <= 1 && y[0] >= 0 && y[1] <= 1, `panel ${i} inside the figure`);
    // Square panels: the same number of pixels across and down.
    assert.ok(Math.abs((x[1] - x[0]) * inner - (y[1] - y[0]) * plotHeight) < 1, `panel ${i} square`);
    for (const [j, other] of xs.entries()) {
      if (j <= i) continue;
      const overlap = Math.min(x[1], other[1]) > Math.max(x[0], other[0]) && Math.min(y[1], ys[j][1]) > Math.max(y[0], ys[j][0]);
      assert.ok(!overlap, `panels ${i} and ${j} overlap`);
    }
  }
  // Each panel title moved with its panel.
  const titles = fitted.annotations!.filter((a) => a.xref === 'paper');
  assert.equal(titles.length, 16);
  titles.forEach((t, i) => assert.ok(Math.abs(t.x - (xs[i][0] + xs[i][1]) / 2) < 1e-9 && Math.abs(t.y - ys[i][1]) < 1e-9));
  assert.ok(fitted.height > maps.layout.height, 'more rows, taller figure');
});

test('long panel titles get wide enough panels; an image keeps its aspect; a long title wraps', async () => {
  const { heat, grid } = await figures();
  const fittedGrid = fitLayout(grid.layout, 360);
  // Neighbouring titles (centred over their panels) do not overlap: centres a title's width apart, or one column.
  const inner = 360 - fittedGrid.margin.l - fittedGrid.margin.r;
  const [a, b] = [fittedGrid.xaxis!.domain!, fittedGrid.xaxis2!.domain!];
  const apart = Math.abs((b[0] + b[1]) / 2 - (a[0] + a[1]) / 2) * inner;
  assert.ok(apart === 0 || apart >= 'conv2_block3_out'.length * 7, `titles ${apart.toFixed(0)} px apart for 16 characters`);
  const fittedHeat = fitLayout(heat.layout, 340);
  const plot = (l: Layout) => [l.width - l.margin.l - l.margin.r, l.height - l.margin.t - l.margin.b];
  const [w0, h0] = plot(heat.layout);
  const [w1, h1] = plot(fittedHeat);
  assert.ok(Math.abs(w1 / h1 - w0 / h0) < 0.02, `aspect ${w0 / h0} → ${w1 / h1}`);
  assert.match(fittedHeat.title.text, /<br>/);
  assert.ok(fittedHeat.margin.t > heat.layout.margin.t, 'room for the second line');
  const bars = probabilitiesFigure([0.1, 0.9], ['a', 'b']);
  assert.equal(fitLayout(bars.layout, 300).height, bars.layout.height, 'a bar chart keeps its height');
});

test('at a phone width a curve figure moves its legend under the plot, one line an entry; at full width it stays inside', () => {
  const x = [0, 0.5, 1];
  const figure = curveFigure(
    x,
    [
      { name: 'a', y: [0, 1, 0] },
      { name: 'b', y: [0, 0.9, 0] },
      { name: 'baseline', y: [0.2, 0.2, 0.2], dash: true },
    ],
    { title: 'curves', xTitle: 'x', yTitle: 'y', legend: 'center right' },
  );
  const full = fitLayout(figure.layout, figure.layout.width, 3);
  assert.deepEqual(full.legend, figure.layout.legend, 'the legend as designed where the figure fits');
  const narrow = fitLayout(figure.layout, 358, 3);
  assert.deepEqual(narrow.legend, { x: 0, xanchor: 'left', y: 0, yref: 'container', yanchor: 'bottom' });
  assert.equal(narrow.margin.b, figure.layout.margin.b + 68, 'room for three lines under the axis title');
  assert.equal(narrow.height, figure.layout.height + 68);
  assert.deepEqual(fitLayout(figure.layout, 358).legend, figure.layout.legend, 'without a count of entries nothing moves');
});
