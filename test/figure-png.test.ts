// The static PNG is painted from the figure's own data: the photograph's exact pixels (no JPEG round
// trip), the colours given as numbers, and plain text; Plotly's copy gets escaped text and CSS colours.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Jimp } from 'jimp';
import { tf, ready, heatmapFigure, curveFigure, figurePng, plotlyFigure, type LabelledBox } from '../src';
import { fontText } from '../src/plot/png';

before(
  async () => {
    await ready();
  },
  { timeout: 60_000 },
);

test('figurePng paints the photograph pixel for pixel, while Plotly gets it as a JPEG data URI', async () => {
  const size = 160; // over 128×128: the live plot receives a JPEG
  const image = tf.tidy(() => {
    const zero = tf.zeros([size, size, 1]);
    const [y, x] = [tf.add(zero, tf.reshape(tf.range(0, size), [size, 1, 1])), tf.add(zero, tf.reshape(tf.range(0, size), [1, size, 1]))];
    return tf.concat(
      [tf.mod(tf.mul(x, 7), 256), tf.mod(tf.mul(y, 13), 256), tf.mod(tf.add(tf.mul(x, 3), tf.mul(y, 5)), 256)],
      2,
    ) as tf.Tensor3D;
  });
  const source = image.dataSync();
  const heatmap = { width: size, height: size, data: new Float32Array(size * size) };
  const figure = heatmapFigure(image, heatmap, { alpha: 0, size, title: 'Tom & <Jerry>' });
  const png = await Jimp.read(Buffer.from(await figurePng(figure)));
  const { data, width } = png.bitmap;
  // Where the panel sits depends on margins and axes; find the offset at which the picture matches best.
  let best = 0;
  for (let oy = 0; oy < 100; oy++) {
    for (let ox = 0; ox < 100; ox++) {
      let same = 0;
      for (let i = 0; i < 400; i++) {
        const [px, py] = [(i * 37) % size, (i * 53) % size];
        const at = ((py + oy) * width + px + ox) * 4;
        if ([0, 1, 2].every((c) => data[at + c] === source[(py * size + px) * 3 + c])) same++;
      }
      best = Math.max(best, same / 400);
    }
  }
  assert.ok(best > 0.99, `at best ${(100 * best).toFixed(1)}% of sampled pixels are exact`);
  const plotly = plotlyFigure(figure);
  assert.match(String(plotly.data[0].source), /^data:image\/jpeg;base64,/);
  assert.equal((plotly.layout.title as { text: string }).text, 'Tom &amp; &lt;Jerry&gt;');
  assert.equal(figure.layout.title.text, 'Tom & <Jerry>', 'the figure itself keeps plain text');
  assert.match(String((plotly.data[1].colorscale as [number, string][])[0][1]), /^rgb\(\d+,\d+,\d+\)$/);
  image.dispose();
});

test("the PNG's bitmap fonts draw what they lack spelled out: '≥' as '>=', '×' as 'x', accents dropped", async () => {
  const figure = (title: string, yTitle: string) =>
    curveFigure([0, 1], [{ name: 'série', y: [0, 1] }], { title, xTitle: 'threshold', yTitle });
  const [typographic, plain] = await Promise.all([
    figurePng(figure('Boxes with IoU ≥ 0.5 — 7×7 maps, “café”…', 'share ≤ 1 (σ)')),
    figurePng(figure('Boxes with IoU >= 0.5 - 7x7 maps, "cafe"...', 'share <= 1 (sigma)')),
  ]);
  const [a, b] = await Promise.all([Jimp.read(Buffer.from(typographic)), Jimp.read(Buffer.from(plain))]);
  assert.ok(a.bitmap.data.equals(b.bitmap.data), 'the same pixels as the figure written in ASCII');
  const questioned = await Jimp.read(
    Buffer.from(await figurePng(figure('Boxes with IoU ? 0.5 - 7x7 maps, "cafe"...', 'share <= 1 (sigma)'))),
  );
  assert.ok(!questioned.bitmap.data.equals(b.bitmap.data), "and not the pixels of a '?' in its place");
  assert.equal(fontText('Ω ≥ ½'), '? >= ?');
});

test('a box is solid when first and dashed after, unless it says which: a true box drawn alone can be dashed', async () => {
  const image = tf.zeros([32, 32, 3]) as tf.Tensor3D;
  const heatmap = { width: 32, height: 32, data: new Float32Array(32 * 32) };
  const box = { x: 4, y: 6, width: 12, height: 10 };
  try {
    const dashes = (boxes: LabelledBox[]) =>
      (heatmapFigure(image, heatmap, { title: 'boxes', boxes }).layout.shapes ?? []).map((s) => s.line.dash);
    assert.deepEqual(
      dashes([
        { box, label: 'CAM box' },
        { box, label: 'true box' },
      ]),
      ['solid', 'dash'],
    );
    assert.deepEqual(dashes([{ box, label: 'true box', dash: true }]), ['dash']);
    assert.deepEqual(
      dashes([
        { box, label: 'a', dash: false },
        { box, label: 'b', dash: false },
      ]),
      ['solid', 'solid'],
    );
    // The PNG paints the outline it is given.
    const painted = await Promise.all(
      [true, false].map(
        async (dash) =>
          (
            await Jimp.read(
              Buffer.from(await figurePng(heatmapFigure(image, heatmap, { title: 'boxes', boxes: [{ box, label: 'true box', dash }] }))),
            )
          ).bitmap.data,
      ),
    );
    assert.ok(!painted[0].equals(painted[1]), 'a dashed and a solid outline paint differently');
  } finally {
    image.dispose();
  }
});

test('a curve figure marks chosen thresholds with labelled dashed lines, live and in the PNG, and refuses one off its x range', async () => {
  const x = [0, 0.25, 0.5, 0.75, 1];
  const series = [{ name: 'accuracy', y: [0, 0.6, 0.8, 0.4, 0] }];
  const options = { title: 'marks', xTitle: 'threshold', yTitle: 'accuracy', yRange: [0, 1] as [number, number] };
  const marked = curveFigure(x, series, { ...options, marks: [{ x: 0.5, label: 'chosen' }] });
  assert.deepEqual(
    marked.layout.shapes?.map((s) => [s.x0, s.x1, s.y0, s.y1, s.line.dash]),
    [[0.5, 0.5, 0, 1, 'dash']],
  );
  assert.deepEqual(
    marked.layout.annotations?.map((a) => a.text.trim()),
    ['chosen'],
  );
  // In the PNG the mark adds grey pixels down the middle of the plot, where the plain figure has none.
  const [plain, withMark] = await Promise.all([figurePng(curveFigure(x, series, options)), figurePng(marked)]);
  const [a, b] = await Promise.all([Jimp.read(Buffer.from(plain)), Jimp.read(Buffer.from(withMark))]);
  const { width, height } = a.bitmap;
  const middle = Math.round(60 + (width - 80) / 2); // the plot spans margin.l (60) to width − margin.r (20)
  const grey = (png: typeof a) => {
    let count = 0;
    for (let y = 80; y < height - 80; y++)
      for (let dx = -1; dx <= 1; dx++) {
        const i = (y * width + middle + dx) * 4;
        const [r, g, bl] = [png.bitmap.data[i], png.bitmap.data[i + 1], png.bitmap.data[i + 2]];
        if (Math.abs(r - 90) < 30 && Math.abs(g - 90) < 30 && Math.abs(bl - 90) < 30) count++;
      }
    return count;
  };
  assert.ok(grey(b) > grey(a) + 40, `grey pixels down the middle: ${grey(a)} without the mark, ${grey(b)} with it`);
  const two = curveFigure(x, series, {
    ...options,
    marks: [
      { x: 0.3, label: 'b' },
      { x: 0.2, label: 'a' },
    ],
  });
  assert.deepEqual(
    two.layout.annotations?.map((a) => [a.text.trim(), a.xanchor]),
    [
      ['a', 'right'],
      ['b', 'left'],
    ],
    'two close marks: the left label before its line, the right one after',
  );
  assert.throws(() => curveFigure(x, series, { ...options, marks: [{ x: 1.5, label: 'off' }] }), /'off' at x = 1.5 is outside .* 0\.\.1/);
});
