// show() outside and inside a kernel's cell scope, and the synchronous PNG it sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { Jimp } from 'jimp';
import { show, heatmapFigure, figurePng, tf, CamlabError, type Heatmap } from '../src';
import { figurePngSync } from '../src/plot/png-sync';

function hotSpotFigure(title: string) {
  const [width, height] = [48, 32];
  const data = new Float32Array(width * height).map((_, i) => Math.exp(-(((i % width) - 36) ** 2 + (Math.floor(i / width) - 8) ** 2) / 40));
  const heatmap: Heatmap = { width, height, data };
  const image = tf.fill([height, width, 3], 128) as tf.Tensor3D;
  try {
    return heatmapFigure(image, heatmap, { title });
  } finally {
    image.dispose();
  }
}

test('outside a notebook kernel, show() says where it draws and what to do instead', () => {
  assert.throws(
    () => show(hotSpotFigure('outside')),
    (error: Error) =>
      error instanceof CamlabError &&
      /show\(\) draws inside a notebook \(tslab or Deno's kernel\), and this process is neither a tslab kernel nor Deno's\. Outside one, save figurePng\(figure\)/.test(
        error.message,
      ),
  );
});

test('the PNG painted in the worker thread is the PNG figurePng paints', { timeout: 60_000 }, async () => {
  const figure = hotSpotFigure('same picture');
  const [synchronous, awaited] = [figurePngSync(figure), await figurePng(figure)];
  const [a, b] = await Promise.all([Jimp.read(Buffer.from(synchronous)), Jimp.read(Buffer.from(awaited))]);
  assert.deepEqual([a.width, a.height], [figure.layout.width, figure.layout.height]);
  assert.ok(Buffer.from(a.bitmap.data).equals(Buffer.from(b.bitmap.data)), 'the same pixels');
});

test(
  "in a cell, show() has drawn through the cell's own tslab before it returns, and prints nothing as a last value",
  { timeout: 60_000 },
  async () => {
    const drawn: string[] = [];
    const cellScope = {
      require: (id: string) => (id === 'tslab' ? { display: { html: (html: string) => drawn.push(html) } } : require(id)),
    };
    const global = globalThis as { __tslab__?: unknown };
    global.__tslab__ = cellScope;
    try {
      const returned = show(hotSpotFigure('first <b>figure</b>'));
      assert.equal(drawn.length, 1, 'drawn synchronously');
      assert.match(drawn[0], /<img class="camlab-static" alt="first &lt;b&gt;figure&lt;\/b&gt;"[^>]*src="data:image\/png;base64,/);
      assert.match(drawn[0], /__camlabPlotly/, 'plotly.js with the first figure');
      assert.equal(inspect(returned), '');
      await returned;
      show(hotSpotFigure('second'));
      assert.equal(drawn.length, 2);
      assert.doesNotMatch(drawn[1], /__camlabPlotly = /, 'plotly.js only once');
    } finally {
      delete global.__tslab__;
    }
  },
);
