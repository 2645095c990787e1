// The inline figures as readers see them: an executed tslab notebook exported by nbconvert, opened in
// Debian's chromium with and without JavaScript.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import type { ExecutedNotebook } from '../scripts/jupyter';
import { code, exportedNotebook } from './helpers/notebooks';
import { launchChromium, watchedPage } from './helpers/browser';

const DIR = join(__dirname, '..', 'test-artifacts', 'browser');
const XSS = '<img src=x onerror=alert(1)>';
let executed: ExecutedNotebook;
let htmlUrl: string;
const contexts: BrowserContext[] = [];

before(
  async () => {
    // A hot spot at (44, 16) of a 64×64 canvas, so the test knows where to hover.
    ({ executed, htmlUrl } = await exportedNotebook(DIR, 'figures', [
      code(
        `import { tf, loadImage, heatmapFigure, probabilitiesFigure, show } from 'camlab';\nconst image = await loadImage('${join(__dirname, '..', 'data', 'samples', 'digit-0.png')}');`,
      ),
      code(
        `const data = new Float32Array(64 * 64).map((_, i) => Math.exp(-(((i % 64) - 44) ** 2 + (Math.floor(i / 64) - 16) ** 2) / 60));\n` +
          `await show(heatmapFigure(image, { width: 64, height: 64, data }, { title: 'Hot spot for ${XSS}', boxes: [{ box: { x: 34, y: 6, width: 21, height: 21 }, label: 'box ${XSS}' }] }));`,
      ),
      code(`await show(probabilitiesFigure([0.1, 0.7, 0.2], ['a', '${XSS}', 'c']));`),
    ]));
  },
  { timeout: 600000 },
);

after(
  async () => {
    for (const context of contexts) await context.close();
  },
  { timeout: 60000 },
);

function htmlOutput(cell: number): string {
  const output = executed.notebook.cells[cell].outputs?.find((o) => o.data?.['text/html']);
  const html = output?.data?.['text/html'];
  return Array.isArray(html) ? html.join('') : (html ?? '');
}

test('show() leaves one HTML output per figure; plotly.js travels with the first only', () => {
  assert.deepEqual(executed.errors, []);
  const [first, second] = [htmlOutput(1), htmlOutput(2)];
  assert.ok(first.includes('class="camlab-static"') && second.includes('class="camlab-static"'), 'both hold the static PNG');
  assert.ok(first.includes('__camlabPlotly = new Response'), 'the first carries plotly.js');
  assert.ok(!second.includes('__camlabPlotly = new Response'), 'the second does not');
  const size = (s: string) => Buffer.byteLength(JSON.stringify(s));
  console.log(`notebook growth: first figure ${(size(first) / 1e6).toFixed(2)} MB, second ${(size(second) / 1e3).toFixed(0)} KB`);
  assert.ok(size(first) < 1.5e6, `first figure ${size(first)} bytes`);
  assert.ok(size(second) < 300e3, `second figure ${size(second)} bytes`);
  assert.ok(!first.includes(XSS) && !second.includes(XSS), 'the label never reaches the HTML unescaped');
});

test('in chromium the exported page draws the interactive heat map, hover works, nothing leaves the machine', async () => {
  const context = await launchChromium();
  contexts.push(context);
  const { page, problems, offMachine } = await watchedPage(context);
  await page.goto(htmlUrl);
  await page.waitForSelector('.camlab-live.js-plotly-plot .heatmaplayer', { timeout: 30000 });
  await page.waitForSelector('.camlab-live.js-plotly-plot .barlayer');
  assert.equal(await page.locator('.camlab-static').first().isVisible(), false, 'the PNG gives way to the live plot');
  const title = await page.locator('.camlab-live .gtitle').first().textContent();
  assert.equal(title, `Hot spot for ${XSS}`);
  // Hover over the hot spot: Plotly shows its coordinates and activation.
  const plot = page.locator('.camlab-live.js-plotly-plot').first();
  const area = await plot.locator('.nsewdrag').first().boundingBox();
  assert.ok(area);
  await page.mouse.move(area.x + ((44 + 0.5) / 64) * area.width, area.y + ((16 + 0.5) / 64) * area.height);
  const hover = await page.waitForSelector('.hovertext', { timeout: 5000 });
  const text = (await hover.textContent()) ?? '';
  assert.match(text, /activation (0\.9\d\d|1\.000)/);
  await page.screenshot({ path: join(DIR, 'live.png'), fullPage: true });
  assert.deepEqual(problems, []);
  assert.deepEqual(offMachine, []);
});

test('without JavaScript the page shows the static PNG of the same figure', async () => {
  const context = await launchChromium({ javaScriptEnabled: false });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(htmlUrl);
  const image = page.locator('.camlab-static').first();
  assert.equal(await image.isVisible(), true);
  const natural = await image.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth, img.naturalHeight]);
  assert.equal(natural[0], true);
  assert.ok((natural[1] as number) > 300 && (natural[2] as number) > 300);
  assert.equal(await image.getAttribute('alt'), `Hot spot for ${XSS}`);
  assert.equal(await page.locator('.js-plotly-plot').count(), 0);
  await page.screenshot({ path: join(DIR, 'static.png'), fullPage: true });
});

test('on a page without require.js (a plain HTML file) the figure is interactive too', async () => {
  const { tf, figureHtml, figurePng, heatmapFigure } = await import('../src');
  const image = tf.fill([32, 32, 3], 128) as import('../src').tf.Tensor3D;
  const figure = heatmapFigure(image, { width: 2, height: 2, data: new Float32Array([0, 0.3, 0.6, 1]) }, { title: 'plain page' });
  image.dispose();
  const page = join(DIR, 'plain.html');
  await writeFile(
    page,
    `<!doctype html><meta charset="utf-8"><title>plain</title><body>${figureHtml(figure, await figurePng(figure), { includePlotly: true })}</body>`,
  );
  const context = await launchChromium();
  contexts.push(context);
  const tab = await context.newPage();
  const problems: string[] = [];
  tab.on('pageerror', (e) => problems.push(e.message));
  await tab.goto(pathToFileURL(page).href);
  await tab.waitForSelector('.camlab-live.js-plotly-plot .heatmaplayer', { timeout: 30000 });
  assert.equal(await tab.evaluate(() => typeof (window as unknown as { define?: unknown }).define), 'undefined');
  assert.deepEqual(problems, []);
});
