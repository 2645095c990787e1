import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { tf, ready, loadModel, saveModel, modelLabels, CamlabError } from '../src';
import { functionalNestedGapCnn, randomImages } from './helpers/models';

let dir: string;
let server: Server;
let baseUrl: string;

before(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'camlab-models-'));
  server = createServer(async (request, response) => {
    try {
      const body = await readFile(join(dir, decodeURIComponent(new URL(request.url!, 'http://x').pathname)));
      response.writeHead(200).end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

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
  tf.dispose(images);
  model.dispose();
});

test('missing, incomplete and truncated models get specific errors', async () => {
  const model = functionalNestedGapCnn();
  const folder = join(dir, 'broken');
  await saveModel(model, folder);
  model.dispose();
  const rejects = (src: string, pattern: RegExp) => assert.rejects(loadModel(src), (e: Error) => e instanceof CamlabError && pattern.test(e.message));
  await rejects(join(dir, 'nowhere'), /the path does not exist/);
  await rejects(dir, /has no model\.json/);
  await rejects(`${baseUrl}/absent/model.json`, /Could not load a model from http:\/\/127\.0\.0\.1:\d+\/absent\/model\.json/);
  await truncate(join(folder, 'weights.bin'), 100);
  await rejects(folder, /hold 100 bytes but its manifest describes \d+.*truncated/);
  await rm(join(folder, 'weights.bin'));
  await rejects(folder, /weight file 'weights\.bin'.*is missing/);
  await writeFile(join(folder, 'model.json'), '{ not json');
  await rejects(folder, /not a readable model\.json/);
});
