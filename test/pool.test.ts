import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Jimp } from 'jimp';
import {
  tf,
  ready,
  defaultWorkerCount,
  saveModel,
  loadModel,
  loadImage,
  explain,
  overlayPng,
  boundingBox,
  explainFiles,
  openExplainPool,
  findImageFiles,
  type FileExplanation,
  type ExplainFilesOptions,
} from '../src';
import { sequentialGapCnn, randomImages } from './helpers/models';
import { readSharedModel, loadSharedModel } from '../src/model/load';
import { WORKERS_FROM_JOBS } from '../src/pool/pool';

let dir: string;
let modelDir: string;

/** A seeded picture of any size, as PNG or JPEG bytes. */
async function picture(width: number, height: number, seed: number, mime: 'image/png' | 'image/jpeg'): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4, 255);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) data[i * 4 + c] = (i * (7 + c) * seed + (i % width) * 3) % 256;
  return Jimp.fromBitmap({ width, height, data }).getBuffer(mime);
}

before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-pool-'));
    modelDir = join(dir, 'model');
    const model = sequentialGapCnn();
    await saveModel(model, modelDir);
    model.dispose();
    await mkdir(join(dir, 'images', 'nested'), { recursive: true });
    await writeFile(join(dir, 'images', 'a.png'), await picture(40, 30, 1, 'image/png'));
    await writeFile(join(dir, 'images', 'b.jpg'), await picture(64, 48, 2, 'image/jpeg'));
    await writeFile(join(dir, 'images', 'nested', 'c.png'), await picture(17, 23, 3, 'image/png'));
    await writeFile(join(dir, 'images', 'nested', 'd.png'), await picture(32, 32, 4, 'image/png'));
    await writeFile(join(dir, 'images', 'notes.txt'), 'not an image, and not an image extension');
  },
  { timeout: 60_000 },
);

after(() => rm(dir, { recursive: true, force: true }), { timeout: 60_000 });

async function collect(options: ExplainFilesOptions): Promise<FileExplanation[]> {
  const files: FileExplanation[] = [];
  for await (const file of explainFiles([join(dir, 'images')], { model: modelDir, ...options })) files.push(file);
  return files;
}

for (const method of ['cam', 'gradcam'] as const) {
  test(`${method}: worker threads give the in-process results bit for bit (maps, scores, boxes, PNGs), files in a stable order`, async () => {
    const options: ExplainFilesOptions = { method, topK: 2, threshold: 0.3, overlay: { colormap: 'viridis', alpha: 0.4 } };
    const before = tf.memory().numTensors;
    const single = await collect({ ...options, workers: 1 });
    assert.equal(tf.memory().numTensors, before, 'the in-process explainer released its tensors');
    const pooled = await collect({ ...options, workers: 2 });
    // The folder walk: name order, nested folders in place, image extensions only (notes.txt is left out).
    for (const files of [single, pooled]) {
      assert.deepEqual(
        files.map((f) => f.relative),
        ['a.png', 'b.jpg', join('nested', 'c.png'), join('nested', 'd.png')],
      );
      assert.deepEqual(
        files.map((f) => f.index),
        [0, 1, 2, 3],
      );
      assert.deepEqual(
        files.map((f) => [f.width, f.height]),
        [
          [40, 30],
          [64, 48],
          [17, 23],
          [32, 32],
        ],
      );
    }
    // The reference: the plain API, one file at a time, in this thread.
    const model = await loadModel(modelDir);
    try {
      for (const [i, file] of single.entries()) {
        const image = await loadImage(file.path);
        const direct = await explain(model, image, { method, topK: 2 });
        const pngs = await Promise.all(direct.map((r) => overlayPng(image, r.heatmap, { colormap: 'viridis', alpha: 0.4 })));
        image.dispose();
        for (const results of [file.results, pooled[i].results]) {
          assert.equal(results.length, 2);
          for (const [k, r] of results.entries()) {
            assert.equal(r.classIndex, direct[k].classIndex);
            assert.equal(r.score, direct[k].score);
            assert.equal(r.logit, direct[k].logit);
            assert.equal(r.method, method);
            assert.deepEqual(
              Buffer.from(r.heatmap.data.buffer, r.heatmap.data.byteOffset, r.heatmap.data.byteLength),
              Buffer.from(direct[k].heatmap.data.buffer, direct[k].heatmap.data.byteOffset, direct[k].heatmap.data.byteLength),
            );
            assert.deepEqual(r.raw.data, direct[k].raw.data);
            assert.deepEqual(r.box, boundingBox(direct[k].heatmap, { threshold: 0.3 }));
            assert.deepEqual(Buffer.from(r.png!), Buffer.from(pngs[k]));
          }
        }
      }
    } finally {
      model.dispose();
    }
  });
}

test('a bad file is skipped with its reason and the others are still explained', async () => {
  const bad = join(dir, 'bad');
  await mkdir(bad, { recursive: true });
  await writeFile(join(bad, '1-good.png'), await picture(20, 20, 5, 'image/png'));
  await writeFile(join(bad, '2-empty.png'), '');
  await writeFile(join(bad, '3-text.png'), 'hello');
  await writeFile(join(bad, '4-good.png'), await picture(21, 19, 6, 'image/png'));
  const files: FileExplanation[] = [];
  for await (const file of explainFiles([bad], { model: modelDir, workers: 2 })) files.push(file);
  assert.deepEqual(
    files.map((f) => f.results.length),
    [1, 0, 0, 1],
  );
  assert.match(files[1].skipped!, /2-empty\.png' is empty \(0 bytes\)/);
  assert.match(files[2].skipped!, /3-text\.png' could not be decoded: it is none of the formats camlab reads/);
  assert.equal(files[0].skipped, undefined);
});

test('settings that cannot work on the model fail when the pool opens, before any file', async () => {
  await assert.rejects(openExplainPool({ model: modelDir, layer: 'no_such_layer' }, { workers: 2 }), /no_such_layer/);
  await assert.rejects(openExplainPool({ model: modelDir, classIndex: 9 }, { workers: 1 }), /classIndex 9 is not a class/);
  await assert.rejects(openExplainPool({ model: modelDir }, { workers: 0 }), /workers must be a whole number ≥ 1, got 0/);
  // Checked in this thread, before a worker starts (the model path is not even looked at).
  await assert.rejects(
    openExplainPool({ model: '/no/such/model', threshold: 1.5 }, { workers: 2 }),
    /^CamlabError: threshold must be a number between 0 and 1, got 1\.5\.$/,
  );
  await assert.rejects(
    openExplainPool({ model: '/no/such/model', overlay: { alpha: -1 } }, { workers: 2 }),
    /overlay\.alpha must be a number between 0 and 1, got -1\./,
  );
  await assert.rejects(
    openExplainPool({ model: '/no/such/model', method: 'magic' as 'cam' }, { workers: 2 }),
    /Unknown method 'magic'; use one of: cam, gradcam/,
  );
  await assert.rejects(
    openExplainPool({ model: '/no/such/model', classIndex: 1, topK: 2 }, { workers: 2 }),
    /Give either classIndex or topK, not both\./,
  );
  await assert.rejects(
    openExplainPool({ model: '/no/such/model', treshold: 0.4 } as never, { workers: 2 }),
    /openExplainPool has no option 'treshold'; did you mean 'threshold'\?/,
  );
});

test("a pool's explain splits a batch across the workers and matches explain() on the whole batch", async () => {
  const images = randomImages(5, 32, 21);
  const model = await loadModel(modelDir);
  const pool = await openExplainPool({ model: modelDir, method: 'cam' }, { workers: 2 });
  try {
    assert.equal(pool.size, 2);
    // The cores are shared out: never more WASM threads in all than cores.
    if (pool.info.backend === 'wasm') assert.equal(pool.info.threads, Math.max(1, Math.floor(availableParallelism() / 2)));
    const pooled = await pool.explain(images, { classIndex: 3 });
    const direct = await explain(model, images, { method: 'cam', classIndex: 3 });
    assert.deepEqual(
      pooled.map((r) => [r.imageIndex, r.classIndex]),
      direct.map((r) => [r.imageIndex, r.classIndex]),
    );
    for (const [i, r] of pooled.entries()) {
      assert.ok(Math.abs(r.logit - direct[i].logit) < 1e-4, `logit of image ${i}`);
      for (let p = 0; p < r.heatmap.data.length; p += 37) assert.ok(Math.abs(r.heatmap.data[p] - direct[i].heatmap.data[p]) < 1e-4);
    }
  } finally {
    await pool.close();
    model.dispose();
    images.dispose();
  }
});

test('a remote model is downloaded once, by the first worker, and the others read the cache', async () => {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url!, 'http://x').pathname;
    requests.push(path);
    readFile(join(modelDir, path)).then(
      (body) => response.writeHead(200, { 'content-length': String(body.length) }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const cache = await mkdtemp(join(tmpdir(), 'camlab-pool-cache-'));
  const saved = process.env.CAMLAB_CACHE;
  process.env.CAMLAB_CACHE = cache;
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`;
    const files: FileExplanation[] = [];
    for await (const file of explainFiles([join(dir, 'images')], { model: url, workers: 2 })) files.push(file);
    assert.deepEqual(
      files.map((f) => f.results.length),
      [1, 1, 1, 1],
    );
    assert.deepEqual(requests.sort(), ['/metadata.json', '/model.json', '/weights.bin']);
    assert.deepEqual(
      (await readdir(cache, { recursive: true })).filter((f) => f.includes('partial')),
      [],
    );
  } finally {
    if (saved === undefined) delete process.env.CAMLAB_CACHE;
    else process.env.CAMLAB_CACHE = saved;
    await new Promise((done) => server.close(done));
    await rm(cache, { recursive: true, force: true });
  }
});

test('progress: a redrawn bar on a terminal, a line per file elsewhere, and a summary with the reasons', async () => {
  const { FileProgress } = await import('../src/cli/file-progress');
  const terminal: string[] = [];
  const tty = new FileProgress(2, { isTTY: true, write: (t: string) => terminal.push(t) });
  tty.update('a.png', { maps: 1 });
  tty.update('b.png', { reason: 'it is empty' });
  // eslint-disable-next-line no-control-regex -- the terminal's erase-line escape is what is checked
  assert.match(terminal[0], /^\r\[#{12}\.{12}\] 1\/2 {2}[\d.]+ images\/s {2}\d+s left\x1b\[K$/);
  assert.match(terminal[1], /^\r\[#{24}\] 2\/2 .*\n$/);
  const log: string[] = [];
  const lines = new FileProgress(2, { isTTY: false, write: (t: string) => log.push(t) });
  lines.update('a.png', { maps: 2 });
  lines.update('b.png', { reason: 'it is empty' });
  assert.match(log[0], /^camlab: \[1\/2\] a\.png: 2 maps \([\d.]+ images\/s, \d+s left\)\n$/);
  assert.match(log[1], /^camlab: \[2\/2\] b\.png: skipped: it is empty/);
  assert.match(
    lines.summary(2),
    /^camlab: explained 1 of 2 images \(2 maps\) in [\d.]+ s, [\d.]+ images\/s on 2 workers; skipped 1:\n {2}b\.png: it is empty$/,
  );
  assert.equal(lines.skippedCount, 1);
});

test('the default pool is one worker per core, fewer when the model would not fit in free memory', () => {
  assert.equal(defaultWorkerCount(1e6), Math.min(availableParallelism(), Math.floor((freemem() * 0.5) / 304e6)) || 1);
  assert.equal(defaultWorkerCount(freemem()), 1, 'a model as large as the free memory gets one worker');
  assert.ok(defaultWorkerCount(100e6) >= 1 && defaultWorkerCount(100e6) <= availableParallelism());
});

test('a few files run in-process on threads, many on one worker per core, unless workers are asked for', async () => {
  const sizes: number[] = [];
  for (const [jobs, workers] of [
    [WORKERS_FROM_JOBS - 1, undefined],
    [WORKERS_FROM_JOBS, undefined],
    [3, 2],
  ] as const) {
    const pool = await openExplainPool({ model: modelDir, method: 'cam' }, { jobs, workers });
    try {
      sizes.push(pool.size);
    } finally {
      await pool.close();
    }
  }
  const perCore = Math.min(availableParallelism(), defaultWorkerCount(0));
  assert.deepEqual(sizes, [1, perCore, 2], `${WORKERS_FROM_JOBS - 1} jobs in-process, ${WORKERS_FROM_JOBS} on ${perCore}, workers: 2 on 2`);
});

test('a pool reads a model once: the weights in shared memory build the same model as loadModel', async () => {
  const files = await readSharedModel(modelDir);
  assert.ok(files, 'a local model folder is read for the workers');
  assert.ok(files.artifacts.weightData instanceof SharedArrayBuffer, 'the workers read the same bytes, not copies');
  assert.equal(
    await readSharedModel('https://example.invalid/model.json'),
    undefined,
    'a URL is left to each worker (it downloads into the cache)',
  );
  const [shared, own] = [await loadSharedModel(files), await loadModel(modelDir)];
  const images = randomImages(2, 32, 5);
  try {
    const [a, b] = [shared.predict(images) as tf.Tensor, own.predict(images) as tf.Tensor];
    assert.deepEqual(await a.data(), await b.data());
    tf.dispose([a, b]);
  } finally {
    tf.dispose([images]);
    shared.dispose();
    own.dispose();
  }
});

test(
  'a worker that dies is replaced: its file is skipped with the reason, the pool goes on at full size',
  { timeout: 180_000 },
  async () => {
    const files = await findImageFiles([join(dir, 'images')]);
    const pool = await openExplainPool({ model: modelDir, method: 'cam' }, { workers: 2 });
    // The first job handed to a worker kills that worker instead, as a crash in the middle of a file would.
    const post = Worker.prototype.postMessage;
    let killed = false;
    Worker.prototype.postMessage = function (this: Worker, message: unknown, transfer?: Parameters<Worker['postMessage']>[1]) {
      if (!killed && (message as { type?: string }).type === 'job') {
        killed = true;
        void this.terminate();
        return;
      }
      post.call(this, message, transfer);
    };
    try {
      const first: FileExplanation[] = [];
      for await (const file of pool.files(files)) first.push(file);
      assert.equal(first.filter((f) => f.skipped).length, 1);
      assert.match(first.find((f) => f.skipped)!.skipped!, /the worker thread explaining it stopped/);
      assert.ok(first.filter((f) => !f.skipped).every((f) => f.results.length === 1));
      for (let waited = 0; pool.size < 2 && waited < 120; waited++) await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(pool.size, 2, 'a replacement worker started');
      const again: FileExplanation[] = [];
      for await (const file of pool.files(files)) again.push(file);
      assert.deepEqual(
        again.map((f) => f.skipped),
        [undefined, undefined, undefined, undefined],
      );
    } finally {
      Worker.prototype.postMessage = post;
      await pool.close();
    }
  },
);
