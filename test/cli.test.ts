import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { ready, saveModel, loadModel, loadImage, explain, boundingBox } from '../src';
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
}, { timeout: 60000 });

after(() => rm(dir, { recursive: true, force: true }), { timeout: 60000 });

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

const decode = async (path: string) => (await Jimp.read(path)).bitmap;

test('camlab cam --method --layer --colormap gray --alpha 1 --threshold: the PNG is the method’s heat map at that layer, the box uses that threshold', async () => {
  const out = join(dir, 'gray');
  const { stdout } = await camlab('cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--method', 'layercam', '--layer', 'conv1', '--colormap', 'gray', '--alpha', '1', '--threshold', '0.6', '--class', '2', '--out', out, '--json');
  const line = JSON.parse(stdout) as { class: number; method: string; layer: string; threshold: number; box: object; output: string };
  assert.deepEqual([line.class, line.method, line.layer, line.threshold], [2, 'layercam', 'conv1', 0.6]);
  // The same map from the API: grey at full opacity writes round(255 × heat) in every channel.
  const model = await loadModel(join(dir, 'model'));
  const image = await loadImage(join(dir, 'picture.png'));
  const [expected] = await explain(model, image, { method: 'layercam', layer: 'conv1', classIndex: 2 });
  image.dispose();
  model.dispose();
  assert.deepEqual([expected.raw.width, expected.raw.height], [32, 32], 'conv1 keeps the input resolution');
  const png = await decode(line.output);
  for (let i = 0; i < 40 * 30; i++) {
    const grey = Math.round(255 * expected.heatmap.data[i]);
    assert.deepEqual(Array.from(png.data.subarray(i * 4, i * 4 + 3)), [grey, grey, grey], `pixel ${i}`);
  }
  assert.deepEqual(line.box, boundingBox(expected.heatmap, { threshold: 0.6 }));
  assert.notDeepEqual(line.box, boundingBox(expected.heatmap, { threshold: 0.2 }), 'the threshold matters for this map');
});

test('camlab cam without --out or --json writes into ./camlab-out and prints a plain line; --colormap viridis colours it', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'camlab-cli-cwd-'));
  try {
    const { stdout } = await run(process.execPath, [CLI, 'cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--colormap', 'viridis', '--alpha', '1'], { cwd, env: { ...process.env, CAMLAB_QUIET: '1' } });
    const match = /^(.+picture\.png): class (\d) \(p=([\d.]+)\), box (\d+),(\d+) (\d+)×(\d+) → (.+)\n$/.exec(stdout);
    assert.ok(match, `plain line: ${stdout}`);
    const output = match[8];
    assert.equal(output, join(cwd, 'camlab-out', `picture-class${match[2]}.png`));
    const png = await decode(output);
    const pixels = Array.from({ length: 40 * 30 }, (_, i) => Array.from(png.data.subarray(i * 4, i * 4 + 3)).join(','));
    // At full opacity every pixel is a viridis colour; the coldest is its first anchor (#440154) and the hottest its last (#fde725).
    assert.ok(pixels.includes('68,1,84') && pixels.includes('253,231,37'), 'both ends of viridis appear');
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

test('camlab cam refuses an unknown colormap and an alpha outside 0..1', async () => {
  const args = ['cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--out', join(dir, 'refused')];
  await assert.rejects(camlab(...args, '--colormap', 'rainbow'), /unknown colormap 'rainbow'; use one of jet, viridis, inferno, turbo, gray/);
  await assert.rejects(camlab(...args, '--alpha', '2'), /alpha must be between 0 and 1, got 2/);
});
