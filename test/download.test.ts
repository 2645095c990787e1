import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, CamlabError } from '../src';
import { cachedDownload } from '../src/model/cache';

/** A server on 127.0.0.1 that accepts connections and then sends `reply` (maybe nothing) and nothing more. */
async function silentServer(reply = ''): Promise<{ url: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (reply) socket.write(reply);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

async function withCache<T>(body: (cache: string) => Promise<T>): Promise<T> {
  const cache = await mkdtemp(join(tmpdir(), 'camlab-stall-'));
  const saved = process.env.CAMLAB_CACHE;
  process.env.CAMLAB_CACHE = cache;
  try {
    return await body(cache);
  } finally {
    if (saved === undefined) delete process.env.CAMLAB_CACHE;
    else process.env.CAMLAB_CACHE = saved;
    await rm(cache, { recursive: true, force: true });
  }
}

test('a download from a server that accepts and sends nothing fails within the stall bound', async () => {
  const server = await silentServer();
  const saved = process.env.CAMLAB_DOWNLOAD_STALL;
  process.env.CAMLAB_DOWNLOAD_STALL = '0.5';
  try {
    await withCache(async (cache) => {
      const started = performance.now();
      await assert.rejects(loadModel(`${server.url}/model.json`), (error: Error) => {
        assert.ok(error instanceof CamlabError);
        assert.match(
          error.message,
          /^Downloading http:\/\/127\.0\.0\.1:\d+\/model\.json stalled: no byte arrived for 0\.5 s\. Nothing was cached/,
        );
        return true;
      });
      const seconds = (performance.now() - started) / 1000;
      assert.ok(seconds >= 0.45 && seconds < 5, `gave up after ${seconds.toFixed(2)} s`);
      assert.deepEqual(
        (await readdir(cache, { recursive: true })).filter((f) => /partial|model\.json$/.test(f)),
        [],
      );
    });
  } finally {
    if (saved === undefined) delete process.env.CAMLAB_DOWNLOAD_STALL;
    else process.env.CAMLAB_DOWNLOAD_STALL = saved;
    await server.stop();
  }
});

test('a download that stops sending half-way fails within the bound and leaves no partial file', async () => {
  const server = await silentServer('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\nthe first bytes, then silence');
  try {
    await withCache(async (cache) => {
      const started = performance.now();
      await assert.rejects(
        cachedDownload(`${server.url}/weights.bin`, { stallSeconds: 0.3 }),
        /weights\.bin stalled: no byte arrived for 0\.3 s/,
      );
      assert.ok((performance.now() - started) / 1000 < 5);
      assert.deepEqual(
        (await readdir(cache, { recursive: true })).filter((f) => f.includes('weights.bin')),
        [],
      );
    });
  } finally {
    await server.stop();
  }
});

test('the stall bound refuses values that are not a positive number of seconds', async () => {
  await assert.rejects(
    cachedDownload('http://127.0.0.1:9/x.bin', { stallSeconds: 0 }),
    /The download stall bound must be a number of seconds > 0, got 0\./,
  );
});
