// Notebook 03 in both of its branches, each against a cache this test prepares: with ResNet-50 weights in
// Keras's layout (random, written by camlab's own writer) and a generated picture standing in for the
// photograph; and with an empty cache (no network, nothing fetched).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Jimp } from 'jimp';
import { checkJupyter, registerKernel, executeNotebook, cellText, type Notebook } from '../scripts/jupyter';
import { NOTEBOOKS_DIR } from '../scripts/site';
import { tf, ready, resnet50, saveKerasWeights, loadImage, toModelInput, decodePredictions, cachePath, RESNET50_IMAGENET_URL, ELEPHANT_PHOTO_URL } from '../src';

const NOTEBOOK = join(NOTEBOOKS_DIR, '03-resnet50-a-gap-cnn.ipynb');
let dir: string;

before(async () => {
  await checkJupyter();
  await registerKernel();
  dir = await mkdtemp(join(tmpdir(), 'camlab-nb03-'));
}, { timeout: 600_000 });

after(async () => {
  await rm(dir, { recursive: true, force: true });
}, { timeout: 600_000 });

/** cachePath as the kernel will compute it, with CAMLAB_CACHE pointing at `cache`. */
function cachedAt(cache: string, url: string): string {
  const previous = process.env.CAMLAB_CACHE;
  process.env.CAMLAB_CACHE = cache;
  try {
    return cachePath(url);
  } finally {
    if (previous === undefined) delete process.env.CAMLAB_CACHE;
    else process.env.CAMLAB_CACHE = previous;
  }
}

const outputsText = (notebook: Notebook) => notebook.cells.map(cellText);
const figureTitles = (notebook: Notebook) =>
  notebook.cells.flatMap((c) => c.outputs ?? []).map((o) => [o.data?.['text/html'] ?? ''].flat().join('')).filter((h) => h.includes('camlab-figure')).map((h) => /alt="([^"]*)"/.exec(h)?.[1] ?? '');

test('with the weights and a photograph in the cache: top-5 classes, CAM with its box, a second class, Grad-CAM beside CAM', { timeout: 600_000 }, async () => {
  await ready();
  const cache = join(dir, 'with-weights');
  const [weightsPath, photoPath] = [cachedAt(cache, RESNET50_IMAGENET_URL), cachedAt(cache, ELEPHANT_PHOTO_URL)];
  await mkdir(dirname(weightsPath), { recursive: true });
  await mkdir(dirname(photoPath), { recursive: true });
  const net = await resnet50({ seed: 11 });
  // A picture with structure (a bright disc on a shaded ground), not a photograph anyone owns.
  const picture = new Jimp({ width: 300, height: 200, color: 0xffffffff });
  picture.scan((x, y, i) => {
    const disc = (x - 190) ** 2 + (y - 80) ** 2 < 45 ** 2;
    picture.bitmap.data.set(disc ? [230, 200, 40] : [60 + x / 3, 90 + y / 4, 140], i);
  });
  try {
    await saveKerasWeights(net, weightsPath);
    await writeFile(photoPath, await picture.getBuffer('image/png'));
    // What the notebook must print: the same network on the same picture, computed here.
    const image = await loadImage(photoPath);
    const scores = tf.tidy(() => (net.predict(toModelInput(image, net, { preprocess: 'caffe' })) as tf.Tensor).dataSync());
    image.dispose();
    const expected = decodePredictions(scores, 5);

    const out = join(dir, 'out-with');
    await mkdir(out);
    const { notebook, errors } = await executeNotebook(NOTEBOOK, out, { env: { CAMLAB_CACHE: cache } });
    assert.deepEqual(errors, []);
    const text = outputsText(notebook);
    assert.equal(text.find((t) => t.length > 0)!.split('\n')[0], "ImageNet weights and the photograph are in camlab's cache: the maps below are ResNet-50's own.");
    const top5 = text.find((t) => /^\s*\d+\.\d%  /.test(t))!.trim().split('\n');
    assert.deepEqual(top5.map((line) => line.replace(/^\s*[\d.]+%\s+/, '')), expected.map((p) => p.label));
    assert.ok(text.some((t) => /raw map 7×7, heat map 300×200/.test(t)), 'the map covers the photograph at its own size');
    const titles = figureTitles(notebook);
    const label = expected[0].label;
    assert.deepEqual(titles, [
      `ResNet-50: CAM of &quot;${label}&quot;`,
      'ResNet-50: the two most probable classes',
      `ResNet-50: CAM and Grad-CAM of &quot;${label.split(',')[0]}&quot;`,
    ]);
    const firstFigure = notebook.cells.flatMap((c) => c.outputs ?? []).map((o) => [o.data?.['text/html'] ?? ''].flat().join('')).find((h) => h.includes('camlab-figure'))!;
    assert.match(firstFigure, /CAM box \(20 % of max\)/, 'the box is drawn with its label');
  } finally {
    net.dispose();
  }
});

test('with an empty cache: the first output says what is missing, the anatomy is there, the map is labelled as an untrained network\'s', { timeout: 600_000 }, async () => {
  const out = join(dir, 'out-without');
  await mkdir(out);
  const { notebook, errors } = await executeNotebook(NOTEBOOK, out, { env: { CAMLAB_CACHE: join(dir, 'empty') } });
  assert.deepEqual(errors, []);
  const text = outputsText(notebook);
  assert.match(text.find((t) => t.length > 0)!, /^Not in camlab's cache: the ImageNet weights \(98 MB\) and the photograph\.\nSo the weights are random/);
  assert.ok(text.some((t) => t.includes('25,636,712 parameters')));
  assert.ok(text.some((t) => t.includes('conv5_block3_out     Activation              [n, 7, 7, 2048]            0  ← CAM features')));
  const titles = figureTitles(notebook);
  assert.equal(titles.length, 3);
  for (const title of titles) assert.match(title, /^Untrained ResNet-50 \(random weights\): /);
});
