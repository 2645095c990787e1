// What the committed notebooks 03 and 07 show (GitHub's view, and every site built offline from them): a
// trained network's outputs, written by `npm run notebooks:update` with a trained network in the cache.
// The notebooks are read as committed; nothing is executed (trained-network-notebooks.test.ts runs them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cellText, type Notebook, type NotebookCell } from '../scripts/jupyter';
import { NOTEBOOKS_DIR } from '../scripts/site';
import { loadImage } from '../src';

const read = async (name: string) => JSON.parse(await readFile(join(NOTEBOOKS_DIR, name), 'utf8')) as Notebook;
const html = (cell: NotebookCell) =>
  (cell.outputs ?? []).map((o) => [o.data?.['text/html'] ?? ''].flat().join('')).filter((h) => h.includes('camlab-figure'));
const source = (cell: NotebookCell) => [cell.source].flat().join('');

/** Each figure's title and its static PNG, decoded. */
async function figures(notebook: Notebook): Promise<{ title: string; width: number }[]> {
  const found = [];
  for (const page of notebook.cells.flatMap(html)) {
    const png = /class="camlab-static"[^>]*src="data:image\/png;base64,([^"]+)"/.exec(page)?.[1];
    assert.ok(png, 'a figure without its PNG');
    const image = await loadImage(Buffer.from(png, 'base64'));
    found.push({ title: /alt="([^"]*)"/.exec(page)![1], width: image.shape[1] });
    image.dispose();
  }
  return found;
}

test('the committed notebook 03 shows a trained network: top-5 of a photograph, its maps, every figure, no untrained wording before the sanity check', async () => {
  const notebook = await read('03-resnet50-a-gap-cnn.ipynb');
  const sanity = notebook.cells.findIndex((c) => c.cell_type === 'markdown' && source(c).startsWith('## A sanity check'));
  assert.ok(sanity > 0);
  const main = notebook.cells.slice(0, sanity).map(cellText).join('\n');
  assert.match(main, /^(ResNet-50|MobileNet v1 0\.25): \w+ \[null,7,7,\d+\] → \w+ → \w+ \(1000 classes, softmax\)$/m);
  assert.match(
    main,
    /^Photographs: a cup of coffee \(Rachel Michetti[^)]*\), CC0\), Chelsea the cat \(Stefan van der Walt, CC0\)\.$/m,
    'the photographs are credited',
  );
  const top5 = /^((?: {0,2}\d+\.\d% {2}\S.*\n?){5})/m.exec(main)?.[1].trim().split('\n') ?? [];
  assert.equal(top5.length, 5, 'five classes with their probabilities');
  assert.ok(
    top5.some((line) => /espresso|cup|coffee/.test(line)),
    `a photograph of coffee, read as: ${top5.join('; ')}`,
  );
  assert.doesNotMatch(main, /untrained|random weights|npm start|cachePath/i);
  const shown = await figures(notebook);
  assert.equal(shown.length, 4, shown.map((f) => f.title).join(' | '));
  for (const { title } of shown.slice(0, 3)) assert.match(title, /^(ResNet-50|MobileNet v1 0\.25): /);
  assert.match(shown[3].title, /^Sanity check: /);
  assert.match(notebook.cells.slice(sanity).map(cellText).join('\n'), /^passes: the map changes with the weights/m);
});

test('the committed notebook 07 explains a model that learned: MobileNet features, a trained head, maps of both classes', async () => {
  const notebook = await read('07-your-own-model.ipynb');
  const text = notebook.cells.map(cellText).join('\n');
  assert.match(text, /^feature extractor: MobileNet v1 0\.25 \(ImageNet weights\), [\d,]+ parameters$/m);
  assert.match(text, /^head trained on 32 examples: accuracy 100 % on them/m);
  assert.match(text, /^method: gradcam at feature_extractor\/conv_pw_13_relu$/m);
  assert.doesNotMatch(text, /untrained|random weights/i);
  const shown = await figures(notebook);
  assert.deepEqual(
    shown.map((f) => f.title),
    ['Your model&#39;s maps: cat and coffee'],
  );
});
