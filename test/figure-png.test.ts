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
