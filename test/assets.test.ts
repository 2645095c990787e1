// npm start's first step: the tutorial's ResNet-50 weights and photograph fetched into camlab's cache when
// the network allows, one line and on when it does not. Served here by a loopback HTTP server.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchAssets } from '../scripts/assets';
import { cachePath } from '../src';
import { closedPort } from './helpers/net';

const WEIGHTS = Buffer.alloc(3_000_000, 7); // large enough for the progress bar
const PHOTO = Buffer.from('not really a PNG, but bytes to cache');
const VARIABLES = ['CAMLAB_CACHE', 'CAMLAB_RESNET50_WEIGHTS_URL', 'CAMLAB_PHOTO_URL', 'CAMLAB_OFFLINE'] as const;
const saved = Object.fromEntries(VARIABLES.map((v) => [v, process.env[v]]));
let server: Server;
let base: string;
let dir: string;
const requests: string[] = [];

before(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (request.url === '/stall.h5') {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('only a few bytes, then nothing'); // and the connection stays open
      return;
    }
    const body = request.url === '/resnet.h5' ? WEIGHTS : request.url === '/photo.png' ? PHOTO : undefined;
    if (!body) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-length': String(body.length) });
    response.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, { timeout: 60_000 });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'camlab-assets-'));
  process.env.CAMLAB_CACHE = dir;
  delete process.env.CAMLAB_OFFLINE;
  requests.length = 0;
}, { timeout: 60_000 });

after(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  for (const v of VARIABLES) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
}, { timeout: 60_000 });

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
  return (await readdir(folder, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
}

test('both files land in the cache, the large one with a progress bar; a second run asks for nothing', async () => {
  try {
    process.env.CAMLAB_RESNET50_WEIGHTS_URL = `${base}/resnet.h5`;
    process.env.CAMLAB_PHOTO_URL = `${base}/photo.png`;
    const lines: string[] = [];
    const [result, stderr] = await withStderr(() => fetchAssets({ log: (l) => lines.push(l) }));
    assert.deepEqual(result, { fetched: [`${base}/resnet.h5`, `${base}/photo.png`], missing: [] });
    assert.equal(lines.length, 0, lines.join("\n"));
    assert.match(stderr, /downloading resnet\.h5 \[#{24}\] 100% 3\.0 MB/);
    assert.ok((await readFile(cachePath(`${base}/resnet.h5`))).equals(WEIGHTS));
    assert.ok((await readFile(cachePath(`${base}/photo.png`))).equals(PHOTO));
    requests.length = 0;
    assert.deepEqual(await fetchAssets({ log: (l) => lines.push(l) }), { fetched: [], missing: [] });
    assert.deepEqual(requests, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('where nothing answers, one line names both files and the reason, fast, and leaves no file', async () => {
  try {
    const port = await closedPort(); // nothing listens there: a machine without the route
    process.env.CAMLAB_RESNET50_WEIGHTS_URL = `http://127.0.0.1:${port}/resnet.h5`;
    process.env.CAMLAB_PHOTO_URL = `http://127.0.0.1:${port}/photo.png`;
    const lines: string[] = [];
    const started = Date.now();
    const result = await fetchAssets({ log: (l) => lines.push(l) });
    assert.ok(Date.now() - started < 10_000, `${Date.now() - started} ms`);
    assert.equal(result.fetched.length, 0);
    assert.equal(result.missing.length, 2);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^Not fetched: ResNet-50's ImageNet weights \(98 MB\) from 127\.0\.0\.1:\d+ \(ECONNREFUSED\); the photograph from 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Notebook 03 shows an untrained network instead \(CAMLAB_OFFLINE=1 skips this step\)\.$/);
    assert.deepEqual(await filesIn(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a host that stops sending is given up after the stall time, without a partial file', async () => {
  try {
    process.env.CAMLAB_RESNET50_WEIGHTS_URL = `${base}/stall.h5`;
    process.env.CAMLAB_PHOTO_URL = `${base}/photo.png`;
    const lines: string[] = [];
    const started = Date.now();
    const [result] = await withStderr(() => fetchAssets({ log: (l) => lines.push(l), stallSeconds: 1 }));
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds >= 1 && seconds < 8, `${seconds} s`);
    assert.deepEqual(result, { fetched: [`${base}/photo.png`], missing: [`${base}/stall.h5`] });
    assert.deepEqual(lines.length, 1);
    assert.match(lines[0], /^Not fetched: ResNet-50's ImageNet weights \(98 MB\) from 127\.0\.0\.1:\d+ \(no byte arrived for 1 s\)\. /);
    assert.deepEqual(await filesIn(dir), ['photo.png'], 'the photograph only: no partial weights');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CAMLAB_OFFLINE=1 skips the attempt: one line, no request', async () => {
  try {
    process.env.CAMLAB_OFFLINE = '1';
    process.env.CAMLAB_RESNET50_WEIGHTS_URL = `${base}/resnet.h5`;
    process.env.CAMLAB_PHOTO_URL = `${base}/photo.png`;
    const lines: string[] = [];
    const result = await fetchAssets({ log: (l) => lines.push(l) });
    assert.deepEqual(result.fetched, []);
    assert.deepEqual(lines, ["CAMLAB_OFFLINE=1: not fetching ResNet-50's ImageNet weights (98 MB) and the photograph; notebook 03 shows an untrained network instead."]);
    assert.deepEqual(requests, []);
    assert.deepEqual(await filesIn(dir), []);
  } finally {
    delete process.env.CAMLAB_OFFLINE;
    await rm(dir, { recursive: true, force: true });
  }
});
