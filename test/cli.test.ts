import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { ready, saveModel } from '../src';
import { sequentialGapCnn } from './helpers/models';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'dist', 'cli.js');
let dir: string;

before(async () => {
  await ready();
  dir = await mkdtemp(join(tmpdir(), 'camlab-cli-'));
  const model = sequentialGapCnn();
  await saveModel(model, join(dir, 'model'));
  model.dispose();
  const data = Buffer.alloc(40 * 30 * 4, 255);
  for (let i = 0; i < 40 * 30; i++) data[i * 4] = (i * 7) % 256;
  await writeFile(join(dir, 'picture.png'), await Jimp.fromBitmap({ width: 40, height: 30, data }).getBuffer('image/png'));
});

after(() => rm(dir, { recursive: true, force: true }));

const camlab = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, CAMLAB_QUIET: '1' } });

test('camlab layers prints the layer table with the CAM head marked', async () => {
  const { stdout } = await camlab('layers', '--model', join(dir, 'model'));
  assert.match(stdout, /features\s+Conv2D\s+\[n, 16, 16, 16\].*← CAM features/);
  assert.match(stdout, /gap\s+GlobalAveragePooling2D.*← global average pooling/);
});

test('camlab cam --json writes overlay PNGs at the image size and prints one line per image × class', async () => {
  const out = join(dir, 'out');
  const { stdout } = await camlab('cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--top', '2', '--out', out, '--json');
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { class: number; score: number; box: { width: number }; output: string });
  assert.equal(lines.length, 2);
  assert.notEqual(lines[0].class, lines[1].class);
  assert.ok(lines[0].score >= lines[1].score);
  for (const line of lines) {
    const png = await Jimp.read(line.output);
    assert.deepEqual([png.bitmap.width, png.bitmap.height], [40, 30]);
    assert.ok(line.box.width >= 1 && line.box.width <= 40);
  }
});

test('camlab reports bad input as one clear line and a non-zero exit', async () => {
  await assert.rejects(camlab('cam', join(dir, 'nope.png'), '--model', join(dir, 'model')), (e: Error & { stderr: string; code: number }) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr, /^camlab: Image file not found: '.*nope\.png'/);
    return true;
  });
  await assert.rejects(camlab('cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--class', '9'), /classIndex 9 is not a class/);
  await assert.rejects(camlab('frobnicate'), /unknown command 'frobnicate'/);
});
