// The site's shared files: pages that each carried plotly.js and the notebook style sheets refer to one
// copy of each in assets/, named by its content's hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, figureHtml, figurePng, heatmapFigure } from '../src';
import { plotlySourceText } from '../src/plot/html';
import { shareFiles } from '../scripts/site-assets';

const CSS = ['body { color: #111; }', '.jp-Cell { padding: 4px; }'];

async function page(title: string, figures: string[]): Promise<string> {
  return `<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8" />\n<title>${title}</title><script src="require.js"></script>\n<style type="text/css">${CSS[0]}</style>\n\n    <style type="text/css">${CSS[1]}</style></head>\n<body><style>.mine { color: red }</style>${figures.join('\n')}</body></html>`;
}

test('each page keeps its figures and loses its copies: plotly.js and the style sheets are written once, by hash', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'camlab-site-assets-'));
  const image = tf.fill([16, 16, 3], 100) as tf.Tensor3D;
  try {
    const figure = heatmapFigure(image, { width: 2, height: 2, data: new Float32Array([0, 0.5, 0.5, 1]) }, { title: 'a map' });
    const png = await figurePng(figure);
    const [first, second] = [figureHtml(figure, png, { includePlotly: true }), figureHtml(figure, png, { includePlotly: false })];
    await writeFile(join(dir, '01-a.html'), await page('a', [first, second]));
    await writeFile(join(dir, '02-b.html'), await page('b', [first]));
    await writeFile(join(dir, '03-c.html'), await page('c', []));
    const before = (await readFile(join(dir, '01-a.html'), 'utf8')).length;

    const report = await shareFiles(dir, ['01-a.html', '02-b.html', '03-c.html']);
    const assets = (await readdir(join(dir, 'assets'))).sort();
    assert.equal(assets.length, 2, assets.join(', '));
    const [css, plotly] = assets;
    assert.match(css, /^notebook\.[0-9a-f]{10}\.css$/);
    assert.match(plotly, /^plotly\.[0-9a-f]{10}\.js$/);
    assert.equal(await readFile(join(dir, 'assets', css), 'utf8'), CSS.join('\n'));
    const js = await readFile(join(dir, 'assets', plotly), 'utf8');
    assert.ok(
      js.startsWith('(function (define, module, exports) {\n') && js.includes(plotlySourceText()),
      'plotly.js, with require.js hidden',
    );

    for (const name of ['01-a.html', '02-b.html']) {
      const html = await readFile(join(dir, name), 'utf8');
      assert.ok(!html.includes('DecompressionStream'), `${name} still carries plotly.js`);
      assert.equal(html.split(`script.src = "assets/${plotly}"`).length, 2, `${name} loads the shared plotly.js once`);
      assert.equal(html.split(`<link rel="stylesheet" href="assets/${css}">`).length, 2, `${name} links the shared style sheet`);
      assert.ok(html.includes('<style>.mine { color: red }</style>'), 'a style in an output stays');
      assert.ok(html.includes('class="camlab-static"'), 'the figure stays');
    }
    const third = await readFile(join(dir, '03-c.html'), 'utf8');
    assert.ok(!third.includes('plotly'), 'a page without figures asks for no plotly.js');
    const sizes = Object.fromEntries(report.pages.map((p) => [p.page, p]));
    assert.equal(sizes['01-a.html'].before, before);
    assert.ok(sizes['01-a.html'].before - sizes['01-a.html'].after > 500_000, `${JSON.stringify(sizes['01-a.html'])}`);
    assert.deepEqual(
      report.files.map((f) => f.path).sort(),
      assets.map((a) => `assets/${a}`),
    );

    // Sharing again changes nothing: the pages hold references only.
    const again = await shareFiles(dir, ['01-a.html', '02-b.html', '03-c.html']);
    assert.deepEqual(again.files, []);
    assert.ok(again.pages.every((p) => p.before === p.after));
  } finally {
    image.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test("drawing figures: TensorFlow.js and a model's weights are shared files too; another model stays in its page", async () => {
  const { drawingFigure, loadDefaultModel, loadSamples } = await import('../src');
  const { digitsGapCnn } = await import('../src/model/architectures/digits');
  const { tfjsLoaderScript, sharedTfjs } = await import('../src/plot/drawing-page');
  const dir = await mkdtemp(join(tmpdir(), 'camlab-site-assets-'));
  const model = await loadDefaultModel();
  const other = digitsGapCnn({ seed: 5 });
  const samples = await loadSamples();
  try {
    const starts = samples.slice(0, 1);
    const html = async (m: tf.LayersModel) => {
      const figure = await drawingFigure(m, { starts });
      return figureHtml(figure, await figurePng(figure), { includePlotly: false });
    };
    const [mine, theirs] = [await html(model), await html(other)];
    await writeFile(join(dir, '01-a.html'), await page('a', [mine, mine, theirs]));
    await writeFile(join(dir, '02-b.html'), await page('b', [mine]));
    await shareFiles(dir, ['01-a.html', '02-b.html']);
    const assets = (await readdir(join(dir, 'assets'))).sort();
    const tfjs = assets.find((a) => /^tfjs\.[0-9a-f]{10}\.js$/.test(a))!;
    const weights = assets.find((a) => /^model\.[0-9a-f]{10}\.js$/.test(a))!;
    assert.ok(tfjs && weights, assets.join(', '));
    assert.equal(assets.filter((a) => a.startsWith('model.')).length, 1, 'one file for the model both pages show');
    assert.equal(await readFile(join(dir, 'assets', tfjs), 'utf8'), sharedTfjs().file);
    const second = await readFile(join(dir, '02-b.html'), 'utf8');
    assert.ok(!second.includes(tfjsLoaderScript()) && !second.includes('DecompressionStream'), 'TensorFlow.js left the page');
    assert.equal(second.split(`script.src = "assets/${tfjs}"`).length, 2);
    assert.equal(second.split(`script.src = "assets/${weights}"`).length, 2);
    const first = await readFile(join(dir, '01-a.html'), 'utf8');
    assert.equal(first.split('data-camlab-shared="model"').length, 2, "the other model's weights stay in the page, once");
    assert.equal(first.split('class="camlab-drawing-figure"').length, 4, 'the three figures stay');
  } finally {
    model.dispose();
    other.dispose();
    tf.dispose(samples.map((s) => s.image));
    await rm(dir, { recursive: true, force: true });
  }
});
