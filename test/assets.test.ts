// npm start's first step: the tutorial's photographs, MobileNet and ResNet-50 weights fetched into camlab's
// cache when the network allows, one line and on when it does not; and the maintainers' seeding of the
// cache from a folder. Served here by a loopback HTTP server; the model is a small one saved here.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { fetchAssets, seedCache, TUTORIAL_MOBILENET } from '../scripts/assets';
import { ready, cachePath, photoUrl, loadPhoto, loadModel, saveModel } from '../src';
import { namedModelDir } from '../src/model/cache';
import { sequentialGapCnn } from './helpers/models';
import { closedPort } from './helpers/net';

const WEIGHTS = Buffer.alloc(3_000_000, 7); // large enough for the progress bar
const VARIABLES = [
  'CAMLAB_CACHE',
  'CAMLAB_RESNET50_WEIGHTS_URL',
  'CAMLAB_PHOTOS_URL',
  'CAMLAB_HOSTED_MODELS_URL',
  'CAMLAB_OFFLINE',
] as const;
const saved = Object.fromEntries(VARIABLES.map((v) => [v, process.env[v]]));
let server: Server;
let base: string;
let dir: string;
let served: string;
let photo: Buffer;
const requests: string[] = [];

before(
  async () => {
    await ready();
    served = await mkdtemp(join(tmpdir(), 'camlab-served-'));
    const model = sequentialGapCnn();
    await saveModel(model, join(served, TUTORIAL_MOBILENET));
    model.dispose();
    const picture = new Jimp({ width: 40, height: 30, color: 0x3366ccff });
    photo = await picture.getBuffer('image/png');
    server = createServer(async (request, response) => {
      const path = request.url ?? '';
      requests.push(path);
      if (path === '/stall.h5') {
        response.writeHead(200, { 'content-length': '1000' });
        response.write('only a few bytes, then nothing'); // and the connection stays open
        return;
      }
      const body =
        path === '/resnet.h5'
          ? WEIGHTS
          : /^\/(chelsea|coffee)\.png$/.test(path)
            ? photo
            : await readFile(join(served, decodeURIComponent(path))).catch(() => undefined);
      if (!body) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-length': String(body.length) });
      response.end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  },
  { timeout: 60_000 },
);

beforeEach(
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'camlab-assets-'));
    process.env.CAMLAB_CACHE = dir;
    delete process.env.CAMLAB_OFFLINE;
    Object.assign(process.env, {
      CAMLAB_RESNET50_WEIGHTS_URL: `${base}/resnet.h5`,
      CAMLAB_PHOTOS_URL: base,
      CAMLAB_HOSTED_MODELS_URL: base,
    });
    requests.length = 0;
  },
  { timeout: 60_000 },
);

after(
  async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await rm(served, { recursive: true, force: true });
    for (const v of VARIABLES) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
  },
  { timeout: 60_000 },
);

async function withStderr<T>(body: () => Promise<T>): Promise<[T, string]> {
  const write = process.stderr.write.bind(process.stderr);
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => ((text += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return [await body(), text];
  } finally {
    process.stderr.write = write;
  }
}

async function filesIn(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

const MODEL_FILES = ['model.json', 'weights.bin'];

test('everything lands in the cache where the notebooks look, the large file with a progress bar; a second run asks for nothing', async () => {
  try {
    const lines: string[] = [];
    const [result, stderr] = await withStderr(() => fetchAssets({ log: (l) => lines.push(l) }));
    assert.deepEqual(result.missing, []);
    assert.equal(result.fetched.length, 4);
    assert.equal(lines.length, 0, lines.join('\n'));
    assert.match(stderr, /downloading resnet\.h5 \[#{24}\] 100% 3\.0 MB/);
    assert.ok((await readFile(cachePath(`${base}/resnet.h5`))).equals(WEIGHTS));
    const cat = await loadPhoto('cat');
    assert.deepEqual(cat.shape, [30, 40, 3]);
    cat.dispose();
    assert.deepEqual(
      (await filesIn(namedModelDir(TUTORIAL_MOBILENET))).filter((f) => MODEL_FILES.includes(f)),
      MODEL_FILES,
    );
    requests.length = 0;
    assert.deepEqual(await fetchAssets({ log: (l) => lines.push(l) }), { fetched: [], missing: [] });
    const model = await loadModel(TUTORIAL_MOBILENET);
    model.dispose();
    assert.deepEqual(requests, [], 'the photographs and the model load from the cache');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('where nothing answers, one line names every file, why, and what the notebooks do instead, fast, and leaves no file', async () => {
  try {
    const nowhere = `http://127.0.0.1:${await closedPort()}`; // nothing listens there: a machine without the route
    Object.assign(process.env, {
      CAMLAB_RESNET50_WEIGHTS_URL: `${nowhere}/resnet.h5`,
      CAMLAB_PHOTOS_URL: nowhere,
      CAMLAB_HOSTED_MODELS_URL: nowhere,
    });
    const lines: string[] = [];
    const started = Date.now();
    const [result] = await withStderr(() => fetchAssets({ log: (l) => lines.push(l) }));
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
    assert.deepEqual([result.fetched.length, result.missing.length], [0, 4]);
    assert.equal(lines.length, 1);
    const host = '127\\.0\\.0\\.1:\\d+';
    assert.match(
      lines[0],
      new RegExp(
        `^Not fetched: the photograph chelsea\\.png from ${host} \\(ECONNREFUSED\\); the photograph coffee\\.png from ${host} \\(ECONNREFUSED\\); mobilenet_v1_0\\.25_224 \\(2 MB\\) from ${host} \\(ECONNREFUSED\\); ResNet-50's ImageNet weights \\(98 MB\\) from ${host} \\(ECONNREFUSED\\)\\. So notebooks 03 and 07 show an untrained network instead; notebook 03 shows MobileNet instead of ResNet-50 \\(CAMLAB_OFFLINE=1 skips this step\\)\\.$`,
      ),
    );
    assert.deepEqual(await filesIn(dir).catch(() => []), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a host that stops sending is given up after the stall time, without a partial file', async () => {
  try {
    process.env.CAMLAB_RESNET50_WEIGHTS_URL = `${base}/stall.h5`;
    const lines: string[] = [];
    const started = Date.now();
    const [result] = await withStderr(() => fetchAssets({ log: (l) => lines.push(l), stallSeconds: 1 }));
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds >= 1 && seconds < 8, `${seconds} s`);
    assert.deepEqual(result.missing, [`${base}/stall.h5`]);
    assert.equal(result.fetched.length, 3);
    assert.deepEqual(lines.length, 1);
    assert.match(
      lines[0],
      /^Not fetched: ResNet-50's ImageNet weights \(98 MB\) from 127\.0\.0\.1:\d+ \(no byte arrived for 1 s\)\. So notebook 03 shows MobileNet instead of ResNet-50 /,
    );
    assert.ok(!(await filesIn(dir)).some((f) => /stall|partial/.test(f)), 'no partial weights');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CAMLAB_OFFLINE=1 skips the attempt: one line, no request', async () => {
  try {
    process.env.CAMLAB_OFFLINE = '1';
    const lines: string[] = [];
    const result = await fetchAssets({ log: (l) => lines.push(l) });
    assert.deepEqual(result.fetched, []);
    assert.deepEqual(lines, [
      "CAMLAB_OFFLINE=1: not fetching the photograph chelsea.png, the photograph coffee.png, mobilenet_v1_0.25_224 (2 MB), ResNet-50's ImageNet weights (98 MB); notebooks 03 and 07 show an untrained network instead; notebook 03 shows MobileNet instead of ResNet-50.",
    ]);
    assert.deepEqual(requests, []);
    assert.deepEqual(await filesIn(dir), []);
  } finally {
    delete process.env.CAMLAB_OFFLINE;
    await rm(dir, { recursive: true, force: true });
  }
});

test('seeding from a folder puts the model and the photographs where the notebooks load them, with no request; a cached file is kept', async () => {
  const seed = await mkdtemp(join(tmpdir(), 'camlab-seed-'));
  try {
    const model = sequentialGapCnn(4);
    await saveModel(model, join(seed, TUTORIAL_MOBILENET));
    model.dispose();
    await mkdir(join(seed, 'photos'));
    await writeFile(join(seed, 'photos', 'chelsea.png'), photo);
    await writeFile(join(seed, 'coffee.png'), photo);
    // A photograph already cached stays as it is.
    delete process.env.CAMLAB_RESNET50_WEIGHTS_URL; // Keras's own URL: the seed folder holds files under their own names
    const cached = cachePath(photoUrl('coffee'));
    await mkdir(join(cached, '..'), { recursive: true });
    await writeFile(cached, 'the cached bytes');
    assert.equal(await seedCache(seed), `Seeded camlab's cache from ${seed}: the photograph chelsea.png, mobilenet_v1_0.25_224 (2 MB).`);
    assert.equal(await readFile(cached, 'utf8'), 'the cached bytes');
    const loaded = await loadModel(TUTORIAL_MOBILENET);
    assert.deepEqual(loaded.outputs[0].shape, [null, 4], 'the seeded model, not the served one');
    loaded.dispose();
    const cat = await loadPhoto('cat');
    cat.dispose();
    assert.deepEqual(requests, []);
    assert.equal(await seedCache(seed), `camlab's cache already holds what ${seed} offers.`);
    await assert.rejects(
      seedCache(dir),
      new RegExp(
        `^Error: The seed folder '${dir}' holds none of the tutorial's files \\(chelsea\\.png, coffee\\.png, model\\.json, resnet50_weights_tf_dim_ordering_tf_kernels\\.h5\\)\\.$`,
      ),
    );
    await assert.rejects(seedCache(join(seed, 'absent')), /is not a folder/);
  } finally {
    await rm(seed, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
});
