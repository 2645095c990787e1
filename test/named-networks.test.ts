// Networks by name: tfjs-models' hosted MobileNets load by a short name from a server standing in for the
// hosted URL (on 127.0.0.1), into <cache>/models/<name>; recognised networks get their preprocessing and
// ImageNet labels by default.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Jimp } from 'jimp';
import { tf, ready, loadModel, saveModel, classActivationMap, gradCam, imagenetClasses, modelLabels, CamlabError } from '../src';
import { closedPort } from './helpers/net';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const NAME = 'mobilenet_v1_0.25_224';
let dir: string;
let server: Server;
let baseUrl: string;
const requests: string[] = [];
/** How the server answers weight files: whole, cut short (a broken transfer), or not at all (a stall). */
let weights: 'whole' | 'truncated' | 'silent' = 'whole';

/** A small network with MobileNet's ending and an ImageNet-sized output, named as Keras names MobileNets (or `name`). */
function tinyImagenetNet(name: string, seed = 1): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotNormal({ seed: seed * 10 + s });
  const input = tf.input({ shape: [32, 32, 3], name: 'input_1' });
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6', kernelInitializer: init(1), name: 'conv1' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', depthwiseInitializer: init(2), name: 'conv_dw_1' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({ filters: 16, kernelSize: 1, activation: 'relu6', kernelInitializer: init(3), name: 'conv_pw_1_relu' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d_1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({
      units: 1000,
      activation: 'softmax',
      kernelInitializer: init(4),
      biasInitializer: tf.initializers.randomNormal({ seed: seed * 10 + 5 }),
      name: 'predictions',
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x, name });
}

before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-named-'));
    process.env.CAMLAB_CACHE = join(dir, 'cache');
    const model = tinyImagenetNet('mobilenet_0.25_224');
    await saveModel(model, join(dir, 'served', NAME));
    model.dispose();
    server = createServer(async (request, response) => {
      const path = decodeURIComponent(new URL(request.url!, 'http://x').pathname);
      requests.push(path);
      try {
        const body = await readFile(join(dir, 'served', path));
        if (path.endsWith('.bin') && weights === 'silent') return; // headers never come: the stall bound must end it
        if (path.endsWith('.bin') && weights === 'truncated') {
          response.writeHead(200, { 'content-length': String(body.length) });
          response.write(body.subarray(0, body.length >> 1));
          response.destroy();
          return;
        }
        response.writeHead(200, { 'content-length': String(body.length) }).end(body);
      } catch {
        response.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.CAMLAB_HOSTED_MODELS_URL = baseUrl;
  },
  { timeout: 60000 },
);

after(
  async () => {
    server.closeAllConnections();
    server.close();
    delete process.env.CAMLAB_CACHE;
    delete process.env.CAMLAB_HOSTED_MODELS_URL;
    await rm(dir, { recursive: true, force: true });
  },
  { timeout: 60000 },
);

/** Runs `body` with stderr captured (as a terminal when `tty`), returning its result and the text written. */
async function withStderr<T>(tty: boolean, body: () => Promise<T>): Promise<[T, string]> {
  const write = process.stderr.write.bind(process.stderr);
  const wasTty = process.stderr.isTTY;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  process.stderr.isTTY = tty;
  try {
    return [await body(), text];
  } finally {
    process.stderr.write = write;
    process.stderr.isTTY = wasTty;
  }
}

const cacheFolder = () => join(dir, 'cache', 'models', NAME);
const clearCache = () => rm(join(dir, 'cache'), { recursive: true, force: true });

test('a hosted MobileNet loads by name: downloaded once into <cache>/models/<name> with a progress bar, then offline', async () => {
  await clearCache();
  requests.length = 0;
  const [first, stderr] = await withStderr(true, () => loadModel(NAME));
  assert.deepEqual(requests.sort(), [`/${NAME}/model.json`, `/${NAME}/weights.bin`]);
  assert.match(stderr, new RegExp(`\\rdownloading ${NAME.replace(/\./g, '\\.')} \\[#{24}\\] 100% 1/1 weight files`));
  assert.deepEqual((await readdir(cacheFolder())).sort(), ['model.json', 'weights.bin']);
  // Offline: the hosted URL points where nothing listens, and the cache answers.
  process.env.CAMLAB_HOSTED_MODELS_URL = `http://127.0.0.1:${await closedPort()}`;
  try {
    requests.length = 0;
    const second = await loadModel(NAME);
    assert.deepEqual(requests, []);
    const image = tf.randomUniform([32, 32, 3], 0, 255, 'float32', 3) as tf.Tensor3D;
    const [a, b] = [first.predict(tf.expandDims(image)) as tf.Tensor, second.predict(tf.expandDims(image)) as tf.Tensor];
    assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-7);
    tf.dispose([image, a, b]);
    second.dispose();
  } finally {
    process.env.CAMLAB_HOSTED_MODELS_URL = baseUrl;
  }
  assert.equal(modelLabels(first)?.[281], imagenetClasses()[281], 'a recognised network has the ImageNet labels');
  first.dispose();
});

test('a folder copied into <cache>/models/<name> is used as it is, without any request', async () => {
  await clearCache();
  await mkdir(join(dir, 'cache', 'models'), { recursive: true });
  await cp(join(dir, 'served', NAME), cacheFolder(), { recursive: true });
  requests.length = 0;
  const model = await loadModel(NAME);
  assert.deepEqual(requests, []);
  model.dispose();
});

test('a truncated or stalled weight file is never cached, and the next load fetches only what is missing', async () => {
  await clearCache();
  try {
    weights = 'truncated';
    await assert.rejects(
      loadModel(NAME),
      (e: Error) => e instanceof CamlabError && /Downloading .*weights\.bin (stopped after|failed)/.test(e.message),
    );
    assert.deepEqual(await readdir(cacheFolder()), ['model.json']);
    weights = 'silent';
    process.env.CAMLAB_DOWNLOAD_STALL = '0.3';
    const started = Date.now();
    await assert.rejects(loadModel(NAME), /weights\.bin stalled: no byte arrived for 0\.3 s/);
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(await readdir(cacheFolder()), ['model.json']);
  } finally {
    weights = 'whole';
    delete process.env.CAMLAB_DOWNLOAD_STALL;
  }
  requests.length = 0;
  const model = await withStderr(false, () => loadModel(NAME));
  assert.deepEqual(requests, [`/${NAME}/weights.bin`]);
  model[0].dispose();
});

test('a mistyped hosted name is refused with the list; a path to a folder of a hosted name loads as a path', async () => {
  await assert.rejects(
    loadModel('mobilenet_v1_0.3_224'),
    /^CamlabError: 'mobilenet_v1_0\.3_224' is neither a path nor a hosted model's name; the hosted models are: mobilenet_v1_0\.25_224, mobilenet_v1_0\.50_224, mobilenet_v1_0\.75_224, mobilenet_v1_1\.0_224\.$/,
  );
  const model = await loadModel(join(dir, 'served', NAME));
  assert.equal(model.name, 'mobilenet_0.25_224');
  model.dispose();
});

test('a recognised network gets its preprocessing and ImageNet labels by default; preprocess overrides; an unrecognised one gets neither', async () => {
  const image = tf.tidy(() => tf.mul(tf.randomUniform([40, 48, 3], 0, 1, 'float32', 9), 255)) as tf.Tensor3D;
  const mobilenet = tinyImagenetNet('mobilenet_0.25_32', 2);
  const unnamed = tinyImagenetNet('my_net', 2);
  const before = tf.memory().numTensors;
  for (const explainer of [classActivationMap, gradCam]) {
    const [byDefault] = await explainer(mobilenet, image, { topK: 1 });
    const [explicit] = await explainer(mobilenet, image, { classIndex: byDefault.classIndex, preprocess: 'tf' });
    assert.equal(byDefault.preprocess, 'tf');
    assert.equal(byDefault.label, imagenetClasses()[byDefault.classIndex]);
    assert.deepEqual(Array.from(byDefault.raw.data), Array.from(explicit.raw.data));
    assert.equal(byDefault.score, explicit.score);
    const [overridden] = await explainer(mobilenet, image, { classIndex: 7, preprocess: 'none' });
    const [other] = await explainer(unnamed, image, { classIndex: 7 });
    assert.equal(overridden.preprocess, 'none');
    assert.equal(other.preprocess, 'none');
    assert.equal(other.label, undefined, 'no guess for an unrecognised model');
    assert.deepEqual(Array.from(overridden.raw.data), Array.from(other.raw.data));
  }
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([image]);
  mobilenet.dispose();
  unnamed.dispose();
});

test('images scaled to 0..1 for a recognised network: said once on stderr; pixels 0..255 say nothing', async () => {
  const model = tinyImagenetNet('mobilenet_0.50_32', 3);
  const photo = tf.tidy(() => tf.mul(tf.randomUniform([32, 32, 3], 0, 1, 'float32', 4), 255)) as tf.Tensor3D;
  const scaled = tf.div(photo, 255) as tf.Tensor3D;
  const [, quiet] = await withStderr(false, () => classActivationMap(model, photo));
  assert.equal(quiet, '');
  const saved = process.env.CAMLAB_QUIET;
  delete process.env.CAMLAB_QUIET;
  try {
    const [, said] = await withStderr(false, async () => {
      await classActivationMap(model, scaled);
      await gradCam(model, scaled);
    });
    assert.equal(
      said.match(
        /camlab: MobileNet expects inputs in \[-1, 1\] \(its 'tf' preprocessing of pixels 0\.\.255\), but this input spans \[-1\.00, -0\.99\d\]: the images look scaled to 0\.\.1 already/g,
      )?.length,
      1,
      said,
    );
  } finally {
    if (saved !== undefined) process.env.CAMLAB_QUIET = saved;
  }
  tf.dispose([photo, scaled]);
  model.dispose();
});

test('the CLI explains with a hosted MobileNet by name, with ImageNet labels; without --model a colour photo gets one warning', async () => {
  const photos = join(dir, 'photos');
  await mkdir(photos, { recursive: true });
  for (const [i, size] of [
    [1, 120],
    [2, 90],
  ]) {
    const data = Buffer.alloc(size * size * 4, 255);
    for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) data[p * 4 + c] = (p * (3 + c * 5) + i * 40) % 256;
    await writeFile(join(photos, `photo${i}.png`), await Jimp.fromBitmap({ width: size, height: size, data }).getBuffer('image/png'));
  }
  const env = { ...process.env, CAMLAB_QUIET: '', CAMLAB_HOSTED_MODELS_URL: baseUrl };
  const named = await run(process.execPath, [CLI, 'cam', photos, '--model', NAME, '--json', '--workers', '1'], { env });
  const lines = named.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { class: number; label: string });
  assert.equal(lines.length, 2);
  for (const line of lines) assert.equal(line.label, imagenetClasses()[line.class]);
  assert.doesNotMatch(named.stderr, /digits model/);
  const digits = await run(process.execPath, [CLI, 'cam', photos, '--json', '--workers', '1'], { env });
  assert.equal(
    digits.stderr.match(/is a colour image of \d+×\d+, and without --model camlab explains with its digits model \(64×64 grey canvases/g)
      ?.length,
    1,
    digits.stderr,
  );
  assert.match(digits.stderr, /--model mobilenet_v1_1\.0_224/);
});
