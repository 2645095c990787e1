// The drawing figure as a reader meets it, in Debian's chromium with no network: on a plain page from a
// file and in an executed notebook exported by nbconvert, the reader draws a bar on the left with the mouse
// (then clears and draws one on the right, then the same with a finger on a phone). What the page shows is
// checked against camlab in Node on the very pixels of the canvas.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { ready, loadDefaultModel, loadSamples, classActivationMap, drawingFigure, figureHtml, figurePng, tf } from '../src';
import type { ExecutedNotebook } from '../scripts/jupyter';
import { code, markdown, exportedNotebook } from './helpers/notebooks';
import { launchChromium, watchedPage } from './helpers/browser';
import { shareFiles } from '../scripts/site-assets';

const DIR = join(__dirname, '..', 'test-artifacts', 'drawing');
let model: tf.LayersModel;
let plainUrl: string;
let sharedUrl: string;
let executed: ExecutedNotebook;
let notebookUrl: string;
const contexts: BrowserContext[] = [];
const PROSE = 'The reader scrolls past this paragraph with a finger. '.repeat(12);

before(
  async () => {
    await ready();
    model = await loadDefaultModel();
    await mkdir(DIR, { recursive: true });
    const samples = await loadSamples();
    const figure = await drawingFigure(model, { starts: samples.slice(0, 3) });
    for (const s of samples) s.image.dispose();
    const path = join(DIR, 'plain.html');
    await writeFile(
      path,
      `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>plain</title><body><p class="prose">${PROSE}</p>${figureHtml(figure, await figurePng(figure), { includePlotly: false })}<p class="prose">${PROSE}</p><p class="prose">${PROSE}</p></body>`,
    );
    plainUrl = pathToFileURL(path).href;
    // The same page in a published site: TensorFlow.js and the weights in assets/, loaded by reference.
    const site = join(DIR, 'site');
    await mkdir(site, { recursive: true });
    await writeFile(join(site, 'plain.html'), await readFile(path));
    await shareFiles(site, ['plain.html']);
    sharedUrl = pathToFileURL(join(site, 'plain.html')).href;
    ({ executed, htmlUrl: notebookUrl } = await exportedNotebook(DIR, 'drawing', [
      markdown(PROSE),
      code(
        `import { loadDefaultModel, loadSamples, drawingFigure, show } from 'camlab';\nconst model = await loadDefaultModel();\nconst samples = await loadSamples();\nawait show(await drawingFigure(model, { starts: samples.slice(0, 4) }));`,
      ),
      markdown(`${PROSE}\n\n${PROSE}`),
    ]));
  },
  { timeout: 600_000 },
);

after(
  async () => {
    for (const context of contexts) await context.close();
    model?.dispose();
  },
  { timeout: 600_000 },
);

interface Shown {
  strokes: number;
  width: number;
  height: number;
  /** The canvas read back, RGB 0..255 row-major. */
  rgb: number[];
  probabilities: number[];
  top: number;
  maps: { classIndex: number; heat: number[]; logit: number; box: { x: number; y: number; width: number; height: number } }[];
  /** What the reader reads: the highlighted row's label and value, and the top map's caption. */
  topRow: { label: string; value: string };
  caption: string;
}

async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(
    () => (document.querySelector('.camlab-drawing-figure') as unknown as { camlabDrawing?: { ready: boolean } })?.camlabDrawing?.ready,
    undefined,
    { timeout: 60000 },
  );
}

async function shown(page: Page): Promise<Shown> {
  return page.evaluate(() => {
    const root = document.querySelector('.camlab-drawing-figure') as unknown as HTMLElement & {
      camlabDrawing: {
        strokes: number;
        last: {
          probabilities: number[];
          top: number;
          maps: { classIndex: number; heat: Float32Array; logit: number; box: Shown['maps'][0]['box'] }[];
        };
      };
    };
    const canvas = root.querySelector('canvas.cd-draw') as HTMLCanvasElement;
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const rgb: number[] = [];
    for (let i = 0; i < pixels.length; i += 4) rgb.push(pixels[i], pixels[i + 1], pixels[i + 2]);
    const state = root.camlabDrawing;
    const row = root.querySelector('.cd-prob.cd-top')!;
    return {
      strokes: state.strokes,
      width: canvas.width,
      height: canvas.height,
      rgb,
      probabilities: state.last.probabilities,
      top: state.last.top,
      maps: state.last.maps.map((m) => ({ classIndex: m.classIndex, heat: Array.from(m.heat), logit: m.logit, box: m.box })),
      topRow: { label: row.children[0].textContent ?? '', value: row.querySelector('.cd-value')!.textContent ?? '' },
      caption: root.querySelector('.cd-top-caption')!.textContent ?? '',
    };
  });
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [ma, mb] = [0, 0];
  for (let i = 0; i < a.length; i++) [ma, mb] = [ma + a[i] / a.length, mb + b[i] / b.length];
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + (a[i] - ma) * (b[i] - mb), aa + (a[i] - ma) ** 2, bb + (b[i] - mb) ** 2];
  return ab / Math.sqrt(aa * bb);
}

/** The column of a map's maximum. */
function peakX(heat: ArrayLike<number>, width: number): number {
  let best = 0;
  for (let i = 1; i < heat.length; i++) if (heat[i] > heat[best]) best = i;
  return best % width;
}

/** camlab in Node on the canvas's pixels must give what the page shows. Returns the top map's peak column. */
async function checkAgainstNode(page: Page, where: string): Promise<number> {
  const s = await shown(page);
  const image = tf.tensor3d(s.rgb, [s.height, s.width, 3], 'float32');
  const results = await classActivationMap(model, image, { classIndex: [...Array(10).keys()] });
  image.dispose();
  const probabilities = results.map((r) => r.score);
  probabilities.forEach((p, c) =>
    assert.ok(Math.abs(p - s.probabilities[c]) < 1e-3, `${where}: class ${c}, p ${s.probabilities[c]} in the page, ${p} in Node`),
  );
  const top = probabilities.indexOf(Math.max(...probabilities));
  assert.equal(s.top, top, `${where}: the top class`);
  assert.equal(s.topRow.label, String(top), `${where}: the highlighted row is the top class`);
  assert.equal(s.topRow.value, probabilities[top].toFixed(3), `${where}: the probability shown`);
  assert.match(s.caption, new RegExp(`^CAM of "${top}", the top class \\(p = ${probabilities[top].toFixed(3)}\\)$`));
  for (const map of s.maps) {
    const node = results[map.classIndex];
    const r = correlation(map.heat, node.heatmap.data);
    assert.ok(r >= 0.99, `${where}: the map of class ${map.classIndex} correlates ${r.toFixed(4)} with Node's`);
    // mean(M_c) + b_c in the page is the logit Node reads from the model.
    assert.ok(
      Math.abs(map.logit - node.logit!) < 1e-3,
      `${where}: class ${map.classIndex}: mean(M_c) + b_c = ${map.logit} in the page, logit ${node.logit} in Node`,
    );
  }
  return peakX(s.maps[0].heat, s.width);
}

/** A vertical bar at `x` (a fraction of the canvas's width), drawn by `input`. */
type Stroke = (page: Page, points: [number, number][]) => Promise<void>;

const mouseStroke: Stroke = async (page, points) => {
  await page.mouse.move(points[0][0], points[0][1]);
  await page.mouse.down();
  for (const [x, y] of points.slice(1)) await page.mouse.move(x, y);
  await page.mouse.up();
};

const touchStroke: Stroke = async (page, points) => {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: points[0][0], y: points[0][1] }] });
    for (const [x, y] of points.slice(1)) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  } finally {
    await cdp.detach();
  }
};

async function drawBar(page: Page, stroke: Stroke, x: number): Promise<void> {
  const canvas = page.locator('canvas.cd-draw');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const before = (await shown(page)).strokes;
  const points = Array.from({ length: 12 }, (_, i): [number, number] => [
    box.x + box.width * x,
    box.y + box.height * (0.22 + (0.56 * i) / 11),
  ]);
  await stroke(page, points);
  await page.waitForFunction(
    (n) =>
      (document.querySelector('.camlab-drawing-figure') as unknown as { camlabDrawing: { strokes: number } }).camlabDrawing.strokes > n,
    before,
    { timeout: 10000 },
  );
}

async function leftThenRight(page: Page, stroke: Stroke, where: string): Promise<void> {
  await page.locator('.cd-clear').click();
  await drawBar(page, stroke, 0.28);
  const left = await checkAgainstNode(page, `${where}, bar on the left`);
  await page.screenshot({ path: join(DIR, `${where.replace(/\W+/g, '-')}-left.png`), fullPage: true });
  await page.locator('.cd-clear').click();
  await drawBar(page, stroke, 0.72);
  const right = await checkAgainstNode(page, `${where}, bar on the right`);
  await page.screenshot({ path: join(DIR, `${where.replace(/\W+/g, '-')}-right.png`), fullPage: true });
  const { width } = await shown(page);
  assert.ok(
    left < width / 2 && right > width / 2,
    `${where}: the map's peak follows the stroke (column ${left}, then ${right}, of ${width})`,
  );
}

const PAGES = [
  ['plain page', () => plainUrl, true],
  ['site page with shared assets', () => sharedUrl, false],
  ['exported notebook', () => notebookUrl, true],
] as const;

for (const [name, url, touch] of PAGES) {
  test(`${name}: a bar drawn with the mouse on the left, then on the right; the page's answer is camlab's`, async () => {
    const context = await launchChromium();
    contexts.push(context);
    const { page, problems, offMachine } = await watchedPage(context, { warnings: true });
    await page.goto(url());
    await waitReady(page);
    assert.equal(await page.locator('.camlab-drawing-figure .camlab-static').isVisible(), false, 'the live figure replaced the PNG');
    assert.equal(
      await page.evaluate(() => document.querySelectorAll('script[data-camlab-asset]').length),
      name.startsWith('site') ? 2 : 0,
      'shared assets where the site shares them',
    );
    await leftThenRight(page, mouseStroke, `${name} mouse`);
    // The reader picks a class: the second map follows.
    await page.locator('.cd-prob[data-class="7"]').click();
    assert.match((await page.locator('.cd-pick-caption').textContent()) ?? '', /^CAM of "7", your pick \(p = 0\.\d{3}\)$/);
    assert.equal((await shown(page)).maps[1].classIndex, 7);
    assert.deepEqual(problems, []);
    assert.deepEqual(offMachine, []);
  });

  if (touch)
    test(`${name} on a 390-px phone: a finger draws without scrolling the page, a swipe outside the canvas scrolls it`, async () => {
      const context = await launchChromium({ phone: true });
      contexts.push(context);
      const { page, problems, offMachine } = await watchedPage(context, { warnings: true });
      await page.goto(url());
      await waitReady(page);
      const canvas = page.locator('canvas.cd-draw');
      const box = (await canvas.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `the canvas fits the screen (${box.x}..${box.x + box.width})`);
      assert.ok(Math.abs(box.width - box.height) < 1, `square on screen (${box.width}×${box.height})`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'the page does not scroll sideways');

      const scrollBefore = await page.evaluate(() => window.scrollY);
      await leftThenRight(page, touchStroke, `${name} touch 390`);
      assert.equal(await page.evaluate(() => window.scrollY), scrollBefore, 'drawing with a finger did not scroll the page');

      // A swipe up over the prose (outside the canvas) scrolls the page.
      await page.evaluate(() => window.scrollTo(0, 0));
      const prose = (await page.locator('p, .jp-MarkdownOutput').first().boundingBox())!;
      const bottom = Math.min(prose.y + prose.height, 844) - 10;
      await touchStroke(
        page,
        Array.from({ length: 10 }, (_, i): [number, number] => [prose.x + 40, bottom - (i * (bottom - 20)) / 9]),
      );
      await page.waitForTimeout(300);
      assert.ok((await page.evaluate(() => window.scrollY)) > 100, 'a swipe outside the canvas scrolls the page');
      assert.deepEqual(problems, []);
      assert.deepEqual(offMachine, []);
    });
}

test('the notebook executes; its output holds the PNG of a starting digit with its map, and one copy of TensorFlow.js', () => {
  assert.deepEqual(executed.errors, []);
  const html = executed.notebook.cells[1].outputs?.flatMap((o) => [o.data?.['text/html'] ?? []].flat()).join('') ?? '';
  assert.match(html, /<img class="camlab-static" alt="CAM of &quot;\d&quot; \(p = 0\.\d{3}\) on a held-out digit"/);
  assert.equal(html.split('window.__camlabTf = ').length, 2, 'TensorFlow.js travels once');
});
