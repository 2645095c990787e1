// The tutorial notebooks executed as `npm start` runs them, checked for what a reader must see.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkJupyter, registerKernel, cellText, type Notebook, type NotebookCell } from '../scripts/jupyter';
import { buildSite, NOTEBOOKS_DIR, type PublishedNotebook } from '../scripts/site';
import { ready, loadDefaultModel, inspectModel } from '../src';

const SITE = join(__dirname, '..', 'test-artifacts', 'site');
let published: PublishedNotebook[];

before(async () => {
  await checkJupyter();
  await registerKernel();
  published = await buildSite(SITE);
}, { timeout: 1800000 });

const source = (cell: NotebookCell) => (Array.isArray(cell.source) ? cell.source.join('') : cell.source);
const htmlOutputs = (cell: NotebookCell) =>
  (cell.outputs ?? []).map((o) => o.data?.['text/html']).filter((h): h is string | string[] => h !== undefined).map((h) => (Array.isArray(h) ? h.join('') : h));
const text = (name: string) => published.find((p) => p.name.startsWith(name))!.notebook.cells.map(cellText).join('\n');

test('all seven notebooks run without an error, in order', () => {
  assert.deepEqual(published.map((p) => p.name.slice(0, 2)), ['01', '02', '03', '04', '05', '06', '07']);
  assert.deepEqual(published.flatMap((p) => p.errors), []);
});

test('every show() gave both renderings: the PNG and the script that draws the live plot', () => {
  let figures = 0;
  for (const { name, notebook } of published) {
    for (const cell of notebook.cells.filter((c) => c.cell_type === 'code' && /\bshow\(/.test(source(c)))) {
      const outputs = htmlOutputs(cell).filter((h) => h.includes('camlab-figure'));
      assert.ok(outputs.length >= 1, `${name}: a show() cell has no figure`);
      for (const html of outputs) {
        assert.match(html, /<img class="camlab-static" alt="[^"]+" width="\d+" height="\d+" src="data:image\/png;base64,/);
        assert.match(html, /Plotly\.newPlot\(live, figure\.data, figure\.layout/);
        figures++;
      }
    }
  }
  assert.ok(figures >= 12, `${figures} figures`);
});

test('every figure is titled', () => {
  for (const { notebook } of published) {
    for (const html of notebook.cells.flatMap(htmlOutputs).filter((h) => h.includes('camlab-figure'))) {
      const title = /"title":\{"text":"([^"]*)"/.exec(html)?.[1];
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

test('the committed notebooks carry the outputs of a run, and a re-run reproduces their text', async () => {
  for (const { name, notebook } of published) {
    const committed = JSON.parse(await readFile(join(NOTEBOOKS_DIR, name), 'utf8')) as Notebook;
    const kinds = (nb: Notebook) => nb.cells.map((c) => (c.outputs ?? []).map((o) => `${o.output_type}:${Object.keys(o.data ?? {}).join('+')}`).join(','));
    assert.ok(committed.cells.some((c) => (c.outputs ?? []).length > 0), `${name}: committed without outputs`);
    assert.deepEqual(kinds(committed), kinds(notebook), `${name}: the committed outputs are not those of a run (run npm start)`);
    // Differences near float precision (printed as 1.2e-7) vary by backend; everything else must match.
    const lines = (nb: Notebook) => nb.cells.map(cellText).join('\n').replace(/\d\.\d+e-\d+/g, '≈0');
    assert.equal(lines(notebook), lines(committed), `${name}: re-run printed something else than the committed notebook`);
  }
});
