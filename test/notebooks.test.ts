// The tutorial notebooks executed as `npm start` runs them, checked for what a reader must see.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { extname, join } from 'node:path';
import { checkJupyter, registerKernel, cellText, type Notebook, type NotebookCell } from '../scripts/jupyter';
import { buildSite, NOTEBOOKS_DIR, type PublishedNotebook } from '../scripts/site';
import { firstFigurePng } from '../scripts/site-index';
import { pathToFileURL } from 'node:url';
import { ready, loadDefaultModel, inspectModel, loadImage } from '../src';
import { launchChromium } from './helpers/browser';
import { checkSitePages } from './helpers/site';
import { closedPort } from './helpers/net';
import { TRAINED_NETWORK_NOTEBOOKS } from '../scripts/assets';

const SITE = join(__dirname, '..', 'test-artifacts', 'site');
let published: PublishedNotebook[];

let sourcesBefore: Map<string, string>;
let sourcesAfter: Map<string, string>;

/** Every file under notebooks/ (untracked ones too) with a hash of its bytes. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  const entries = await Promise.all(
    files.map(async (e) => {
      const path = join(e.parentPath, e.name);
      return [
        path,
        createHash('sha256')
          .update(await readFile(path))
          .digest('hex'),
      ] as const;
    }),
  );
  return new Map(entries.sort());
}

before(
  async () => {
    await checkJupyter();
    await registerKernel();
    await rm(SITE, { recursive: true, force: true });
    sourcesBefore = await snapshot(NOTEBOOKS_DIR);
    // An empty cache whose hosts do not answer, whatever this machine has cached: notebooks 03 and 07 are
    // published with their committed outputs (trained-network-notebooks.test.ts runs both of their branches).
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const saved = { cache: process.env.CAMLAB_CACHE, models: process.env.CAMLAB_HOSTED_MODELS_URL, photos: process.env.CAMLAB_PHOTOS_URL };
    Object.assign(process.env, {
      CAMLAB_CACHE: join(SITE, '..', 'empty-cache'),
      CAMLAB_HOSTED_MODELS_URL: nowhere,
      CAMLAB_PHOTOS_URL: nowhere,
    });
    try {
      published = await buildSite(SITE);
    } finally {
      for (const [key, value] of [
        ['CAMLAB_CACHE', saved.cache],
        ['CAMLAB_HOSTED_MODELS_URL', saved.models],
        ['CAMLAB_PHOTOS_URL', saved.photos],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    sourcesAfter = await snapshot(NOTEBOOKS_DIR);
  },
  { timeout: 1800000 },
);

const source = (cell: NotebookCell) => (Array.isArray(cell.source) ? cell.source.join('') : cell.source);
const htmlOutputs = (cell: NotebookCell) =>
  (cell.outputs ?? [])
    .map((o) => o.data?.['text/html'])
    .filter((h): h is string | string[] => h !== undefined)
    .map((h) => (Array.isArray(h) ? h.join('') : h));
const text = (name: string) =>
  published
    .find((p) => p.name.startsWith(name))!
    .notebook.cells.map(cellText)
    .join('\n');

test('all eight notebooks run without an error, in order', () => {
  assert.deepEqual(
    published.map((p) => p.name.slice(0, 2)),
    ['01', '02', '03', '04', '05', '06', '07', '08'],
  );
  assert.deepEqual(
    published.flatMap((p) => p.errors),
    [],
  );
});

test('every show() gave both renderings: the PNG and the script that draws the live plot', () => {
  let figures = 0;
  for (const { name, notebook } of published) {
    for (const cell of notebook.cells.filter((c) => c.cell_type === 'code' && /\bshow\(/.test(source(c)))) {
      const outputs = htmlOutputs(cell).filter((h) => h.includes('camlab-figure'));
      // A live drawing figure (notebook 01) is not a Plotly plot: its PNG and the widget that runs the model.
      const drawings = htmlOutputs(cell).filter((h) => h.includes('camlab-drawing-figure'));
      assert.ok(outputs.length + drawings.length >= 1, `${name}: a show() cell has no figure`);
      for (const html of drawings) {
        assert.match(html, /<img class="camlab-static" alt="[^"]+" width="\d+" height="\d+" src="data:image\/png;base64,/);
        assert.match(html, /<canvas class="cd-draw"/);
      }
      for (const html of outputs) {
        assert.match(html, /<img class="camlab-static" alt="[^"]+" width="\d+" height="\d+" src="data:image\/png;base64,/);
        assert.match(html, /var layout = fitLayout\(figure\.layout, available[,)][^]*Plotly\.react\(live, figure\.data, layout, config\)/);
        figures++;
      }
    }
  }
  assert.ok(figures >= 12, `${figures} figures`);
});

test('every figure is titled', () => {
  for (const { notebook } of published) {
    for (const html of notebook.cells.flatMap(htmlOutputs).filter((h) => h.includes('camlab-figure'))) {
      // The static picture's alt text is the figure's title (the figure's JSON may travel gzipped).
      const title = /<img class="camlab-static" alt="([^"]*)"/.exec(html)?.[1];
      assert.ok(title && title.length > 3, 'figure without a title');
    }
  }
});

test('the key numbers appear: both parameter counts and the CAM identity', async () => {
  await ready();
  const model = await loadDefaultModel();
  const [, h, w, d] = inspectModel(model).featureLayer!.outputShape as number[];
  model.dispose();
  const gapNotebook = text('02');
  const count = (n: number) => n.toLocaleString('en-US');
  assert.ok(gapNotebook.includes(`Flatten + Dense: ${count(h * w * d * 10 + 10)} parameters`), 'embedded model, Flatten head');
  assert.ok(gapNotebook.includes(`GAP + Dense:     ${count(d * 10 + 10)} parameters`), 'embedded model, GAP head');
  assert.ok(gapNotebook.includes(`Flatten + Dense: ${count(7 * 7 * 2048 * 1000 + 1000)} parameters`), 'ResNet-50, Flatten head');
  assert.ok(gapNotebook.includes(`GAP + Dense:     ${count(2048 * 1000 + 1000)} parameters (49× fewer)`), 'ResNet-50, GAP head');
  assert.ok(text('03').includes('25,636,712 parameters'), 'ResNet-50 has Keras’s parameter count');
  const camNotebook = text('04');
  assert.match(camNotebook, /identity holds: true/);
  const difference = Number(/hand-made map: ([\d.e+-]+)/.exec(camNotebook)?.[1]);
  assert.ok(difference < 1e-5, `library vs hand-made CAM differ by ${difference}`);
});

test('notebook 08 draws the sanity check and shows its verdicts: Grad-CAM passes, the Sobel edge map is flagged', () => {
  const trust = text('08');
  assert.match(trust, /gradcam: cascading randomisation[\s\S]*passes: the map changes with the weights/);
  assert.match(trust, /Sobel edges: cascading randomisation[\s\S]*FLAGGED/);
  assert.match(trust, /\| Sobel edges ⚑ \|/, 'the method table marks the edge map');
  const figures = published
    .find((p) => p.name.startsWith('08'))!
    .notebook.cells.flatMap(htmlOutputs)
    .filter((h) => h.includes('camlab-figure'));
  assert.equal(figures.length, 3, 'the sanity figure, the deletion/insertion curves and the ROAD curves');
});

test('the committed notebooks carry the outputs of a run, and a re-run reproduces their text', async () => {
  // 03 and 07 were committed with a trained network's outputs, which this run has not (committed-notebooks.test.ts).
  for (const { name, notebook } of published.filter((p) => !TRAINED_NETWORK_NOTEBOOKS.includes(p.name.slice(0, 2)))) {
    const committed = JSON.parse(await readFile(join(NOTEBOOKS_DIR, name), 'utf8')) as Notebook;
    const kinds = (nb: Notebook) =>
      nb.cells.map((c) => (c.outputs ?? []).map((o) => `${o.output_type}:${Object.keys(o.data ?? {}).join('+')}`).join(','));
    assert.ok(
      committed.cells.some((c) => (c.outputs ?? []).length > 0),
      `${name}: committed without outputs`,
    );
    assert.deepEqual(
      kinds(committed),
      kinds(notebook),
      `${name}: the committed outputs are not those of a run (run npm run notebooks:update)`,
    );
    // Differences near float precision (printed as 1.2e-7) vary by backend; everything else must match.
    const lines = (nb: Notebook) =>
      nb.cells
        .map(cellText)
        .join('\n')
        .replace(/\d\.\d+e-\d+/g, '≈0');
    assert.equal(lines(notebook), lines(committed), `${name}: re-run printed something else than the committed notebook`);
  }
});

test('without a trained network in the cache, the site shows 03 and 07 as committed: a trained network on photographs', async () => {
  for (const prefix of TRAINED_NETWORK_NOTEBOOKS) {
    const { name, notebook } = published.find((p) => p.name.startsWith(prefix))!;
    const committed = JSON.parse(await readFile(join(NOTEBOOKS_DIR, name), 'utf8')) as Notebook;
    assert.equal(notebook.cells.map(cellText).join('\n'), committed.cells.map(cellText).join('\n'), `${name}: not the committed outputs`);
    assert.match(text(prefix), /MobileNet v1 0\.25|ResNet-50/);
    assert.doesNotMatch(text(prefix), /No trained network here|No trained feature extractor here/);
  }
  const page = await readFile(join(SITE, '03-resnet50-a-gap-cnn.html'), 'utf8');
  assert.match(page, /(MobileNet v1 0\.25|ResNet-50): CAM of &quot;/);
});

test('publishing leaves notebooks/ as it was: not one byte changed, no file added', () => {
  assert.ok(sourcesBefore.size >= 7);
  assert.deepEqual([...sourcesAfter], [...sourcesBefore]);
});

test('the site on a phone (390×844) and a desktop (1280×900): figures fit, no sideways scroll, no error, nothing fetched', async () => {
  const report = await checkSitePages(
    SITE,
    published.map((p) => p.name),
  );
  console.log(report.lines.join('\n'));
  assert.deepEqual(report.problems, []);
});

test('index.html lists every notebook: number, title, summary from its first paragraph, a thumbnail that decodes, time, links', async () => {
  const context = await launchChromium();
  try {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(pathToFileURL(join(SITE, 'index.html')).href);
    // Thumbnails load lazily: scroll each into view, as a reader would.
    for (const img of await page.locator('ol > li img').all()) await img.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete), undefined, { timeout: 10000 });
    const entries = await page.locator('ol > li').evaluateAll((items) =>
      items.map((li) => {
        const img = li.querySelector('img');
        return {
          heading: li.querySelector('h2')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
          summary: li.querySelector('p')?.textContent ?? '',
          meta: li.querySelector('.meta')?.textContent ?? '',
          links: Array.from(li.querySelectorAll('a')).map((a) => a.getAttribute('href') ?? ''),
          thumbnail: img
            ? {
                src: img.getAttribute('src') ?? '',
                decoded: img.complete && img.naturalWidth > 0,
                width: img.getBoundingClientRect().width,
              }
            : undefined,
        };
      }),
    );
    assert.equal(entries.length, published.length);
    for (const [i, entry] of entries.entries()) {
      const { name, notebook } = published[i];
      const firstMarkdown = source(notebook.cells.find((c) => c.cell_type === 'markdown')!)
        .replace(/[*_`]/g, '')
        .replace(/\s+/g, ' ');
      assert.equal(entry.heading, `${i + 1} ${published[i].title}`);
      assert.ok(entry.summary.length >= 60 && firstMarkdown.includes(entry.summary.slice(0, 60)), `${name}: summary '${entry.summary}'`);
      assert.match(
        entry.meta,
        /^Read the lesson · download the notebook to run and change it yourself \(its code runs in about (\d+m)?\d+s\)$/,
      );
      assert.ok(entry.links.includes(name) && entry.links.includes(name.replace(/\.ipynb$/, '.html')), `${name}: links ${entry.links}`);
      assert.ok(entry.thumbnail?.decoded, `${name}: thumbnail ${entry.thumbnail?.src} does not decode`);
      assert.ok(entry.thumbnail.width > 100 && entry.thumbnail.width <= 390, `${name}: thumbnail ${entry.thumbnail.width} px wide`);
      const figure = firstFigurePng(notebook);
      if (figure) {
        // The first figure's own PNG, decoded here too.
        const bytes = await readFile(join(SITE, entry.thumbnail.src));
        assert.ok(bytes.equals(figure), `${name}: the thumbnail is not the first figure`);
        const image = await loadImage(bytes);
        assert.ok(image.shape[0] > 100 && image.shape[1] > 100, `${name}: thumbnail ${image.shape}`);
        image.dispose();
      } else {
        assert.match(entry.thumbnail.src, /\.svg$/, `${name} has no figure: its thumbnail is the placeholder`);
      }
    }
  } finally {
    await context.close();
  }
});

test('served by a plain static web server, the pages draw their figures, fetch plotly.js once per visit from the shared file, and ask for nothing outside the site', async () => {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.png': 'image/png',
    '.svg': 'image/svg+xml',
    '.ipynb': 'application/json',
  };
  const served: string[] = [];
  const server = createServer(async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    served.push(pathname);
    const path = join(SITE, pathname);
    // The browser asks for a favicon the site does not have: no content, rather than a console error.
    if (pathname === '/favicon.ico') return void response.writeHead(204).end();
    const body = path.startsWith(SITE) ? await readFile(path).catch(() => undefined) : undefined;
    // Shared files are named by their content's hash: a host may let browsers keep them.
    const cache = pathname.startsWith('/assets/') ? { 'cache-control': 'public, max-age=31536000, immutable' } : {};
    response.writeHead(body ? 200 : 404, { 'content-type': types[extname(path)] ?? 'application/octet-stream', ...cache });
    response.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  let context: BrowserContext | undefined;
  try {
    context = await launchChromium();
    const base = `http://127.0.0.1:${port}`;
    const asked: string[] = [];
    const problems: string[] = [];
    // Listened to, not routed: routing would turn the browser's HTTP cache off.
    context.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(base) && !/^(data|blob):/.test(url)) asked.push(url);
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${base}/index.html`);
    await page.locator('ol > li h2 a').nth(3).click();
    await page.waitForSelector('.camlab-live.js-plotly-plot .heatmaplayer', { timeout: 60000 });
    assert.match(page.url(), /\/04-class-activation-maps\.html$/);
    for (const name of published.map((p) => p.name.replace(/\.ipynb$/, '.html'))) {
      await page.goto(`${base}/${name}`);
      if (await page.locator('.camlab-figure').count())
        await page.waitForSelector('.camlab-live.js-plotly-plot svg.main-svg', { timeout: 60000 });
    }
    const plotly = served.filter((p) => /plotly/.test(p));
    assert.equal(plotly.length, 1, `plotly.js requested ${plotly.length} times: ${plotly.join(', ')}`);
    assert.match(plotly[0], /^\/assets\/plotly\.[0-9a-f]{10}\.js$/);
    assert.deepEqual(problems, []);
    assert.deepEqual(asked, []);
  } finally {
    await context?.close();
    await new Promise((done) => server.close(done));
  }
});

test('each page weighs at most 0.8 MB besides the files the site shares, which are written once', async () => {
  const assets = await readdir(join(SITE, 'assets'));
  assert.deepEqual(assets.map((a) => a.replace(/\.[0-9a-f]{10}\./, '.')).sort(), ['model.js', 'notebook.css', 'plotly.js', 'tfjs.js']);
  const sizes: string[] = [];
  for (const { name } of published) {
    const page = name.replace(/\.ipynb$/, '.html');
    const html = await readFile(join(SITE, page), 'utf8');
    sizes.push(`${page} ${(html.length / 1e6).toFixed(2)} MB`);
    assert.ok(Buffer.byteLength(html) <= 800_000, `${page}: ${Buffer.byteLength(html)} bytes`);
    assert.ok(
      !html.includes('data-camlab-shared="plotly"') && !/<style[^>]*>\s*\/\*-{20}/.test(html),
      `${page} carries its own copy of a shared file`,
    );
  }
  console.log(sizes.join(', '));
});
