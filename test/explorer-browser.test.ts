// The explorer figure as a reader meets it: an executed tslab notebook exported by nbconvert, opened in
// Debian's chromium; the reader picks a class, a layer and a method in the menus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import type { ExecutedNotebook } from '../scripts/jupyter';
import { code, exportedNotebook } from './helpers/notebooks';
import { launchChromium, watchedPage } from './helpers/browser';

const DIR = join(__dirname, '..', 'test-artifacts', 'explorer');
const XSS = '<img src=x onerror=alert(1)>';
const LAYERS = ['features', 'block3_conv1', 'block2_conv2', 'block1_conv1'];
let executed: ExecutedNotebook;
let htmlUrl: string;
const contexts: BrowserContext[] = [];

before(
  async () => {
    // The most probable class is named like an attack: the title and the alt text must show it as text.
    ({ executed, htmlUrl } = await exportedNotebook(DIR, 'explorer', [
      code(
        `import { loadDefaultModel, loadSamples, modelLabels, classActivationMap, explorerFigure, show } from 'camlab';\nconst model = await loadDefaultModel();\nconst [sample] = await loadSamples();\nconst [top] = await classActivationMap(model, sample.image);\nconst labels = modelLabels(model)!.map((l, i) => (i === top.classIndex ? '${XSS}' : l));\n` +
          `await show(await explorerFigure(model, sample.image, { labels, layers: ${JSON.stringify(LAYERS)}, methods: ['cam', 'gradcam', 'layercam'] }));`,
      ),
    ]));
  },
  { timeout: 600_000 },
);

after(
  async () => {
    for (const context of contexts) await context.close();
  },
  { timeout: 600_000 },
);

interface LiveState {
  title: string;
  z: (number | null)[][];
  opacity: number;
  shapes: number;
  notes: string[];
  /** The map the figure carries for a choice, decoded here from layout.meta. */
  expected: number[][] | null;
}

/** What the live plot shows now, and what layout.meta holds for the choice [class, layer, method]. */
async function state(page: Page, choice: [number, number, number]): Promise<LiveState> {
  return page.evaluate(([c, l, m]) => {
    const live = document.querySelector('.camlab-live') as unknown as {
      data: { z: number[][]; opacity: number }[];
      layout: {
        shapes?: unknown[];
        annotations?: { text: string }[];
        meta: { camlabExplorer: { counts: number[]; maps: (string | null)[]; grids: { width: number; height: number }[] } };
      };
    };
    const spec = live.layout.meta.camlabExplorer;
    const map = spec.maps[(c * spec.counts[1] + l) * spec.counts[2] + m];
    const { width, height } = spec.grids[l];
    const bytes = map === null ? null : atob(map);
    return {
      // A wrapped title is one tspan per line.
      title: ((t) =>
        t && t.querySelectorAll('tspan.line').length
          ? Array.from(t.querySelectorAll('tspan.line'), (l) => (l as Element).textContent).join(' ')
          : (t?.textContent ?? ''))(document.querySelector('.camlab-live .gtitle')),
      z: live.data[1].z,
      opacity: live.data[1].opacity,
      shapes: live.layout.shapes?.length ?? 0,
      notes: (live.layout.annotations ?? []).map((a) => a.text),
      expected:
        bytes === null
          ? null
          : Array.from({ length: height }, (_, r) => Array.from({ length: width }, (_, x) => bytes.charCodeAt(r * width + x))),
    };
  }, choice);
}

/** Clicks (or taps) entry `entry` of menu `menu`: a row of buttons above the plot. */
async function pick(page: Page, menu: number, entry: number, how: 'click' | 'tap' = 'click'): Promise<void> {
  const button = page.locator('.camlab-menus [role=group]').nth(menu).locator('button').nth(entry);
  await button[how]();
  await page.waitForFunction((b) => b?.getAttribute('aria-pressed') === 'true', await button.elementHandle(), { timeout: 5000 });
  await page.waitForTimeout(300); // Plotly.react redraws within a frame or two
}

test('the notebook executes and its output holds the PNG, the figure and its script, with labels escaped', () => {
  assert.deepEqual(executed.errors, []);
  const html = [executed.notebook.cells[0].outputs?.find((o) => o.data?.['text/html'])?.data?.['text/html'] ?? ''].flat().join('');
  assert.match(
    html,
    /<img class="camlab-static" alt="&quot;&lt;img src=x onerror=alert\(1\)&gt;&quot; \(p = 0\.\d{3}\): CAM at features" width="\d+" height="\d+" src="data:image\/png;base64,/,
  );
  assert.ok(html.includes("bar.className = 'camlab-menus'"), 'the explorer script travels with the figure');
  assert.ok(!html.includes(XSS), 'the label never reaches the HTML unescaped');
});

test('in chromium, choosing another class, layer and method changes the heat map and the title; nothing leaves the machine', async () => {
  const context = await launchChromium();
  contexts.push(context);
  const { page, problems, offMachine } = await watchedPage(context, { warnings: true });
  await page.goto(htmlUrl);
  await page.waitForSelector('.camlab-live.js-plotly-plot .heatmaplayer', { timeout: 30000 });
  await page.waitForFunction(
    () => /One scale for all classes/.test(document.querySelector('.camlab-live .annotation')?.textContent ?? ''),
    undefined,
    { timeout: 5000 },
  );
  assert.deepEqual(
    await page
      .locator('.camlab-menus [role=group]')
      .evaluateAll((groups) => groups.map((g) => [g.getAttribute('aria-label'), g.querySelectorAll('button').length])),
    [
      ['class', 10],
      ['layer', 4],
      ['method', 3],
    ],
  );
  assert.equal(await page.locator('g.updatemenu-header-group').count(), 0, 'no Plotly dropdown');

  const first = await state(page, [0, 0, 0]);
  assert.match(first.title, new RegExp(`^"${XSS.replace(/[()]/g, '\\$&')}" \\(p = 0\\.\\d{3}\\): CAM at features$`));
  assert.deepEqual(first.z, first.expected);
  assert.equal(first.shapes, 1, 'the box');
  await page.screenshot({ path: join(DIR, '1-first.png') });

  await pick(page, 0, 1); // the second most probable class
  const otherClass = await state(page, [1, 0, 0]);
  assert.notEqual(otherClass.title, first.title);
  assert.match(otherClass.title, /^"\d" \(p = 0\.\d{3}\): CAM at features$/);
  assert.notDeepEqual(otherClass.z, first.z, 'another class, another map');
  assert.deepEqual(otherClass.z, otherClass.expected);
  await page.screenshot({ path: join(DIR, '2-class.png') });

  await pick(page, 2, 1); // Grad-CAM
  const gradCam = await state(page, [1, 0, 1]);
  assert.match(gradCam.title, /: Grad-CAM at features$/);
  // At the layer that feeds GAP, Grad-CAM is CAM divided by h·w (Selvaraju et al.): on one scale, the same map.
  const difference = Math.max(...gradCam.z.flat().map((v, i) => Math.abs(Number(v) - Number(otherClass.z.flat()[i]))));
  assert.ok(difference <= 1, `Grad-CAM and CAM at features differ by ${difference} %`);
  assert.deepEqual(gradCam.z, gradCam.expected);

  await pick(page, 1, 2); // block2_conv2, 32×32
  const layer = await state(page, [1, 2, 1]);
  assert.match(layer.title, /: Grad-CAM at block2_conv2$/);
  assert.deepEqual([layer.z.length, layer.z[0].length], [32, 32]);
  assert.deepEqual(layer.z, layer.expected);
  await page.screenshot({ path: join(DIR, '3-layer.png') });

  await pick(page, 2, 0); // CAM, which block2_conv2 does not feed into GAP
  const undefinedCam = await state(page, [1, 2, 0]);
  assert.equal(undefinedCam.title, 'CAM at block2_conv2: not defined');
  assert.equal(undefinedCam.expected, null);
  assert.equal(undefinedCam.opacity, 0, 'no map drawn');
  assert.equal(undefinedCam.shapes, 0, 'no box');
  assert.match(
    undefinedCam.notes.join(' ').replace(/<br>/g, ' '),
    /CAM is defined only at features, the layer that feeds global average pooling.*At block2_conv2, pick Grad-CAM or Layer-CAM\./,
  );
  await page.screenshot({ path: join(DIR, '4-undefined.png') });

  await pick(page, 1, 0); // back to features: CAM is defined there
  const back = await state(page, [1, 0, 0]);
  assert.deepEqual(back.z, otherClass.z);
  assert.equal(back.title, otherClass.title);
  assert.ok(back.opacity > 0);

  assert.deepEqual(problems, []);
  assert.deepEqual(offMachine, []);
});

test('on a phone (390 px, touch) a tap picks another class: the map changes and the title still fits', async () => {
  const context = await launchChromium({ phone: true });
  contexts.push(context);
  const { page, problems, offMachine } = await watchedPage(context, { warnings: true });
  await page.goto(htmlUrl);
  await page.waitForSelector('.camlab-menus', { timeout: 30000 });
  const first = await state(page, [0, 0, 0]);
  await pick(page, 0, 9, 'tap'); // the least probable class
  const tapped = await state(page, [9, 0, 0]);
  assert.notDeepEqual(tapped.z, first.z);
  assert.deepEqual(tapped.z, tapped.expected);
  assert.ok(
    Math.max(...tapped.z.flat().map(Number)) < Math.max(...first.z.flat().map(Number)),
    'the least probable class is fainter on the shared scale',
  );
  await pick(page, 1, 3, 'tap'); // block1_conv1: CAM is not defined there, the longest title
  await pick(page, 2, 1, 'tap');
  const inside = await page.evaluate(() => {
    const svg = document.querySelector('.camlab-live svg.main-svg')!.getBoundingClientRect();
    const title = document.querySelector('.camlab-live .gtitle')!.getBoundingClientRect();
    return [title.left >= svg.left - 0.5, title.right <= svg.right + 0.5, svg.right <= window.innerWidth + 0.5];
  });
  assert.deepEqual(inside, [true, true, true], 'the title re-fits after each change');
  await page.screenshot({ path: join(DIR, 'phone.png'), fullPage: true });
  assert.deepEqual(problems, []);
  assert.deepEqual(offMachine, []);
});

test('without JavaScript the page shows the PNG of the first choice, its title as alt text', async () => {
  const context = await launchChromium({ javaScriptEnabled: false });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(htmlUrl);
  const image = page.locator('.camlab-static').first();
  assert.equal(await image.isVisible(), true);
  const [complete, width] = await image.evaluate((img: HTMLImageElement) => [img.complete, img.naturalWidth] as const);
  assert.equal(complete, true);
  assert.ok(width > 400);
  assert.match(
    (await image.getAttribute('alt')) ?? '',
    new RegExp(`^"${XSS.replace(/[()]/g, '\\$&')}" \\(p = 0\\.\\d{3}\\): CAM at features$`),
  );
  await page.screenshot({ path: join(DIR, 'static.png'), fullPage: true });
});

test('on a plain page (no notebook, no require.js) the menus work too', async () => {
  const { ready, loadDefaultModel, loadSamples, explorerFigure, figureHtml, figurePng } = await import('../src');
  await ready();
  const model = await loadDefaultModel();
  const samples = await loadSamples();
  const figure = await explorerFigure(model, samples[0].image, {
    classes: [3, 5],
    layers: ['features', 'block2_conv2'],
    methods: ['gradcam'],
  });
  model.dispose();
  for (const s of samples) s.image.dispose();
  const path = join(DIR, 'plain.html');
  await writeFile(
    path,
    `<!doctype html><meta charset="utf-8"><title>plain</title><body>${figureHtml(figure, await figurePng(figure), { includePlotly: true })}</body>`,
  );
  const context = await launchChromium();
  contexts.push(context);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('.camlab-live.js-plotly-plot .heatmaplayer', { timeout: 30000 });
  const first = await state(page, [0, 0, 0]);
  assert.match(first.title, /^"3" \(p = 0\.\d{3}\): Grad-CAM at features$/);
  await pick(page, 0, 1);
  await pick(page, 1, 1);
  const picked = await state(page, [1, 1, 0]);
  assert.match(picked.title, /^"5" \(p = 0\.\d{3}\): Grad-CAM at block2_conv2$/);
  assert.deepEqual(picked.z, picked.expected);
  assert.deepEqual([picked.z.length, picked.z[0].length], [32, 32]);
  assert.deepEqual(problems, []);
});
