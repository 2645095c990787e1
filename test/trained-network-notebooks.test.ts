// Notebooks 03 and 07 in each of their branches, against caches this test prepares (no test needs a real
// network or photograph): a MobileNet stand-in built here (seeded weights, MobileNet's names and head) in
// the place loadModel('mobilenet_v1_0.25_224') reads, and generated pictures in the photographs' places;
// ResNet-50 weights in Keras's layout (random, written by camlab's own writer); and an empty cache whose
// hosts do not answer (loopback ports where nothing listens).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Jimp } from 'jimp';
import { checkJupyter, registerKernel, executeNotebook, cellText, type Notebook } from '../scripts/jupyter';
import { NOTEBOOKS_DIR } from '../scripts/site';
import {
  tf,
  ready,
  resnet50,
  saveModel,
  saveKerasWeights,
  loadImage,
  classActivationMap,
  cachePath,
  photoUrl,
  RESNET50_IMAGENET_URL,
  type PhotoName,
} from '../src';
import { mobilenetStandIn } from './helpers/models';
import { closedPort } from './helpers/net';

const NOTEBOOK_03 = join(NOTEBOOKS_DIR, '03-resnet50-a-gap-cnn.ipynb');
const NOTEBOOK_07 = join(NOTEBOOKS_DIR, '07-your-own-model.ipynb');
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
let dir: string;
let nowhere: string;

before(
  async () => {
    await checkJupyter();
    await registerKernel();
    await ready();
    // Inside the repository, so that a notebook's `import 'camlab'` resolves from its working folder.
    await mkdir(ARTIFACTS, { recursive: true });
    dir = await mkdtemp(join(ARTIFACTS, 'trained-'));
    nowhere = `http://127.0.0.1:${await closedPort()}`;
  },
  { timeout: 600_000 },
);

after(
  async () => {
    await rm(dir, { recursive: true, force: true });
  },
  { timeout: 600_000 },
);

/** `body` with CAMLAB_CACHE pointing at `cache`, as the kernel will have it. */
function withCache<T>(cache: string, body: () => T): T {
  const previous = process.env.CAMLAB_CACHE;
  process.env.CAMLAB_CACHE = cache;
  try {
    return body();
  } finally {
    if (previous === undefined) delete process.env.CAMLAB_CACHE;
    else process.env.CAMLAB_CACHE = previous;
  }
}

/** Pictures with structure (a bright disc on a shaded ground; stripes), not photographs anyone owns. */
async function writePictures(cache: string): Promise<void> {
  const pictures: Record<PhotoName, [number, number, (x: number, y: number) => number[]]> = {
    cat: [300, 200, (x, y) => ((x - 190) ** 2 + (y - 80) ** 2 < 45 ** 2 ? [230, 200, 40] : [60 + x / 3, 90 + y / 4, 140])],
    coffee: [240, 160, (x, y) => (Math.floor(x / 20) % 2 ? [200, 60, 60] : [40, 40 + y, 90])],
  };
  for (const [name, [width, height, paint]] of Object.entries(pictures) as [PhotoName, (typeof pictures)[PhotoName]][]) {
    const picture = new Jimp({ width, height, color: 0xffffffff });
    picture.scan((x, y, i) => void picture.bitmap.data.set(paint(x, y), i));
    const path = withCache(cache, () => cachePath(photoUrl(name)));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await picture.getBuffer('image/png'));
  }
}

/** A cache with the pictures and the MobileNet stand-in where loadModel looks for it by name. */
async function mobilenetCache(name: string): Promise<{ cache: string; model: tf.LayersModel }> {
  const cache = join(dir, name);
  await writePictures(cache);
  const model = mobilenetStandIn();
  await saveModel(model, join(cache, 'models', 'mobilenet_v1_0.25_224'));
  return { cache, model };
}

const outputs = (notebook: Notebook) => notebook.cells.map(cellText);
const figureTitles = (notebook: Notebook) =>
  notebook.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => [o.data?.['text/html'] ?? ''].flat().join(''))
    .filter((h) => h.includes('camlab-figure'))
    .map((h) => /alt="([^"]*)"/.exec(h)?.[1] ?? '');
/** What the cells printed before the sanity check's section: the main branch. */
const mainText = (notebook: Notebook) => {
  const sanity = notebook.cells.findIndex((c) => c.cell_type === 'markdown' && /^## A sanity check/.test([c.source].flat().join('')));
  assert.ok(sanity > 0, 'notebook 03 has its sanity-check section');
  return notebook.cells.slice(0, sanity).map(cellText).join('\n');
};

async function expectedTop5(model: tf.LayersModel, cache: string): Promise<string[]> {
  const coffee = await loadImage(withCache(cache, () => cachePath(photoUrl('coffee'))));
  try {
    return (await classActivationMap(model, coffee, { topK: 5 })).map((r) => r.label ?? `class ${r.classIndex}`);
  } finally {
    coffee.dispose();
  }
}

test(
  'notebook 03 with MobileNet and the photographs in the cache: top-5, CAM with its boxes, two classes, Grad-CAM, the sanity check',
  { timeout: 600_000 },
  async () => {
    const { cache, model } = await mobilenetCache('mobilenet');
    try {
      const expected = await expectedTop5(model, cache);
      const out = join(dir, 'out-03-mobilenet');
      await mkdir(out);
      const { notebook, errors } = await executeNotebook(NOTEBOOK_03, out, {
        env: { CAMLAB_CACHE: cache, CAMLAB_HOSTED_MODELS_URL: nowhere },
      });
      assert.deepEqual(errors, []);
      const text = outputs(notebook).join('\n');
      assert.match(
        text,
        /^Photographs: a cup of coffee \(Rachel Michetti \(courtesy of Pikolo Espresso Bar\), CC0\), Chelsea the cat \(Stefan van der Walt, CC0\)\.$/m,
      );
      assert.match(
        text,
        /^MobileNet v1 0\.25: conv_pw_13_relu \[null,7,7,32\] → global_average_pooling2d_1 → conv_preds \(1000 classes, softmax\)$/m,
      );
      const top5 = outputs(notebook)
        .find((t) => /^\s*\d+\.\d% {2}/.test(t))!
        .trim()
        .split('\n');
      assert.deepEqual(
        top5.map((line) => line.replace(/^\s*[\d.]+%\s+/, '')),
        expected,
      );
      assert.match(text, /^box at 20 %: \d+ % of the photograph\nbox at 50 %: \d+ % of the photograph$/m);
      assert.match(text, /^cam: cascading randomisation/m);
      const titles = figureTitles(notebook);
      assert.equal(titles.length, 4, titles.join(' | '));
      for (const title of titles.slice(0, 3)) assert.match(title, /^MobileNet v1 0\.25: /);
      assert.match(titles[3], /^Sanity check: /);
      assert.doesNotMatch(mainText(notebook), /untrained|random weights/i);
    } finally {
      model.dispose();
    }
  },
);

test(
  'notebook 03 with ResNet-50 weights in the cache: ResNet-50 is the network, its top-5 as camlab computes them',
  { timeout: 600_000 },
  async () => {
    const cache = join(dir, 'resnet');
    await writePictures(cache);
    const net = await resnet50({ seed: 11 });
    try {
      const weights = withCache(cache, () => cachePath(RESNET50_IMAGENET_URL));
      await mkdir(dirname(weights), { recursive: true });
      await saveKerasWeights(net, weights);
      const expected = await expectedTop5(net, cache);
      const out = join(dir, 'out-03-resnet');
      await mkdir(out);
      const { notebook, errors } = await executeNotebook(NOTEBOOK_03, out, {
        env: { CAMLAB_CACHE: cache, CAMLAB_HOSTED_MODELS_URL: nowhere },
      });
      assert.deepEqual(errors, []);
      const top5 = outputs(notebook)
        .find((t) => /^\s*\d+\.\d% {2}/.test(t))!
        .trim()
        .split('\n');
      assert.deepEqual(
        top5.map((line) => line.replace(/^\s*[\d.]+%\s+/, '')),
        expected,
      );
      const titles = figureTitles(notebook);
      assert.equal(titles.length, 4);
      for (const title of titles.slice(0, 3)) assert.match(title, /^ResNet-50: /);
      assert.doesNotMatch(mainText(notebook), /untrained|random weights/i);
    } finally {
      net.dispose();
    }
  },
);

test(
  'notebook 03 with an empty cache and no host answering: one line says why, and every map is labelled untrained',
  { timeout: 600_000 },
  async () => {
    const out = join(dir, 'out-03-empty');
    await mkdir(out);
    const env = { CAMLAB_CACHE: join(dir, 'empty'), CAMLAB_HOSTED_MODELS_URL: nowhere, CAMLAB_PHOTOS_URL: nowhere };
    const { notebook, errors } = await executeNotebook(NOTEBOOK_03, out, { env });
    assert.deepEqual(errors, []);
    const text = outputs(notebook).join('\n');
    assert.ok(text.includes('25,636,712 parameters'));
    assert.match(
      text,
      new RegExp(`^No trained network here: Could not download ${nowhere.replace(/\./g, '\\.')}/coffee\\.png \\(ECONNREFUSED\\)\\.$`, 'm'),
    );
    const titles = figureTitles(notebook);
    assert.equal(titles.length, 4);
    for (const title of titles.slice(0, 3)) assert.match(title, /^Untrained ResNet-50 \(random weights\): /);
  },
);

test(
  'notebook 07 with MobileNet in the cache: a head trained on its features, saved, loaded and explained with Grad-CAM',
  { timeout: 600_000 },
  async () => {
    const { cache, model } = await mobilenetCache('mobilenet-07');
    model.dispose();
    const out = join(dir, 'out-07-mobilenet');
    await mkdir(out);
    const { notebook, errors } = await executeNotebook(NOTEBOOK_07, out, {
      env: { CAMLAB_CACHE: cache, CAMLAB_HOSTED_MODELS_URL: nowhere },
      workDir: out,
    });
    assert.deepEqual(errors, []);
    const text = outputs(notebook).join('\n');
    assert.match(text, /^feature extractor: MobileNet v1 0\.25 \(ImageNet weights\), [\d,]+ parameters$/m);
    assert.match(text, /^head trained on 32 examples: accuracy \d+ % on them, loss \d\.\d{3}$/m);
    assert.match(text, /^labels: \[ 'cat', 'coffee' \]$/m);
    assert.match(text, /^method: gradcam at feature_extractor\/conv_pw_13_relu$/m);
    assert.deepEqual(figureTitles(notebook), ['Your model&#39;s maps: cat and coffee']);
    assert.doesNotMatch(text, /untrained|random/i);
  },
);

test('notebook 07 with an empty cache: an untrained extractor stands in, said so, and every cell runs', { timeout: 600_000 }, async () => {
  const out = join(dir, 'out-07-empty');
  await mkdir(out);
  const env = { CAMLAB_CACHE: join(dir, 'empty-07'), CAMLAB_HOSTED_MODELS_URL: nowhere, CAMLAB_PHOTOS_URL: nowhere };
  const { notebook, errors } = await executeNotebook(NOTEBOOK_07, out, { env, workDir: out });
  assert.deepEqual(errors, []);
  const text = outputs(notebook).join('\n');
  assert.match(text, /^No trained feature extractor here: /m);
  assert.match(text, /^An untrained one stands in/m);
  assert.equal(figureTitles(notebook).length, 1);
});
