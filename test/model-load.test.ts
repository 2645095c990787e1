import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tf, ready, loadModel, saveModel, modelLabels, CamlabError } from '../src';
import { closedPort } from './helpers/net';
import { functionalNestedGapCnn, randomImages } from './helpers/models';

let dir: string;
let server: Server;
let baseUrl: string;
const requests: string[] = [];

before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-models-'));
    process.env.CAMLAB_CACHE = join(dir, 'cache');
    server = createServer(async (request, response) => {
      const path = decodeURIComponent(new URL(request.url!, 'http://x').pathname);
      requests.push(path);
      try {
        const body = await readFile(join(dir, path));
        if (path.startsWith('/broken/') && path.endsWith('.bin')) {
          // Promise more bytes than are sent, then hang up: a transfer broken half-way.
          response.writeHead(200, { 'content-length': String(body.length * 2) });
          response.write(body);
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
  },
  { timeout: 60000 },
);

after(
  async () => {
    server.close();
    delete process.env.CAMLAB_CACHE;
    await rm(dir, { recursive: true, force: true });
  },
  { timeout: 60000 },
);

async function predictions(model: tf.LayersModel, images: tf.Tensor4D): Promise<number[]> {
  const out = model.predict(images) as tf.Tensor;
  const values = Array.from(await out.data());
  out.dispose();
  return values;
}

test('a saved model loads back from its folder, its model.json and an http URL with the same predictions', async () => {
  const model = functionalNestedGapCnn();
  const folder = join(dir, 'nested');
  await saveModel(model, folder);
  await writeFile(join(folder, 'metadata.json'), JSON.stringify({ labels: ['cat', 'dog', 'owl', 'fox'] }));
  const images = randomImages(2, 24, 61);
  const expected = await predictions(model, images);
  for (const src of [folder, join(folder, 'model.json'), `${baseUrl}/nested/model.json`, `${baseUrl}/nested`]) {
    const loaded = await loadModel(src);
    const got = await predictions(loaded, images);
    got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `${src}: prediction ${i}`));
    loaded.dispose();
  }
  assert.deepEqual(modelLabels(await loadModel(folder)), ['cat', 'dog', 'owl', 'fox']);
  assert.deepEqual(modelLabels(await loadModel(`${baseUrl}/nested`)), ['cat', 'dog', 'owl', 'fox'], 'labels come along over http');
  tf.dispose(images);
  model.dispose();
});

test('a model from a URL is downloaded into the cache once, then loads from it without the network', async () => {
  const model = functionalNestedGapCnn();
  await saveModel(model, join(dir, 'cached'));
  model.dispose();
  requests.length = 0;
  const first = await loadModel(`${baseUrl}/cached/model.json`);
  assert.deepEqual(requests.sort(), ['/cached/metadata.json', '/cached/model.json', '/cached/weights.bin']);
  requests.length = 0;
  const second = await loadModel(`${baseUrl}/cached/model.json`);
  assert.deepEqual(requests, [], 'served from the cache');
  assert.ok((await readdir(join(dir, 'cache', 'downloads'))).length >= 1);
  first.dispose();
  second.dispose();
});

test('a 404 and a broken download are clear errors and leave nothing in the cache', async () => {
  const model = functionalNestedGapCnn();
  await saveModel(model, join(dir, 'broken'));
  model.dispose();
  await assert.rejects(
    loadModel(`${baseUrl}/missing/model.json`),
    /Downloading http:\/\/127\.0\.0\.1:\d+\/missing\/model\.json failed: HTTP 404/,
  );
  await assert.rejects(loadModel(`${baseUrl}/broken/model.json`), /Downloading .*\/broken\/weights\.bin (stopped after|failed)/);
  const cached = await readdir(join(dir, 'cache', 'downloads'), { recursive: true });
  assert.ok(
    !cached.some(
      (f) =>
        String(f).includes('.partial') ||
        (String(f).endsWith('weights.bin') &&
          String(f).includes(createHash('sha256').update(`${baseUrl}/broken/`).digest('hex').slice(0, 16))),
    ),
    `cache holds ${cached.join(', ')}`,
  );
  // A port nobody listens on stands for a host that cannot be reached.
  const closed = await closedPort();
  await assert.rejects(
    loadModel(`http://127.0.0.1:${closed}/model.json`),
    /Could not download http:\/\/127\.0\.0\.1:\d+\/model\.json \(ECONNREFUSED\)\. Without network access, download it elsewhere and put it at '.*model\.json'/,
  );
});

test('missing, incomplete and truncated models get specific errors', async () => {
  const model = functionalNestedGapCnn();
  const folder = join(dir, 'broken');
  await saveModel(model, folder);
  model.dispose();
  const rejects = (src: string, pattern: RegExp) =>
    assert.rejects(loadModel(src), (e: Error) => e instanceof CamlabError && pattern.test(e.message));
  await rejects(join(dir, 'nowhere'), /the path does not exist/);
  await rejects(dir, /has no model\.json/);
  await truncate(join(folder, 'weights.bin'), 100);
  await rejects(folder, /hold 100 bytes but its manifest describes \d+.*truncated/);
  await rm(join(folder, 'weights.bin'));
  await rejects(folder, /weight file 'weights\.bin'.*is missing/);
  await writeFile(join(folder, 'model.json'), '{ not json');
  await rejects(folder, /not a readable model\.json/);
  const labelled = functionalNestedGapCnn();
  await saveModel(labelled, join(dir, 'labels'));
  labelled.dispose();
  await writeFile(join(dir, 'labels', 'metadata.json'), JSON.stringify({ labels: ['a', 'b'] }));
  await rejects(join(dir, 'labels'), /names 2 labels but the model has 4 classes/);
});
