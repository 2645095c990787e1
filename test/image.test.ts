import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { tf, ready, loadImage, overlayPng, toModelInput, colorAt, CamlabError, type Heatmap } from '../src';

let dir: string;
before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-image-'));
  },
  { timeout: 60000 },
);
after(() => rm(dir, { recursive: true, force: true }), { timeout: 60000 });

/** A 6×4 RGBA picture with distinct, known pixels; the last one half transparent. */
function pattern(): { width: number; height: number; data: Buffer } {
  const [width, height] = [6, 4];
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([i * 10, 255 - i * 10, (i * 37) % 256, 255], i * 4);
  data[(width * height - 1) * 4 + 3] = 128;
  return { width, height, data };
}

test('loadImage decodes PNG exactly, compositing alpha on white', async () => {
  const picture = pattern();
  const png = await Jimp.fromBitmap(picture).getBuffer('image/png');
  const image = await loadImage(new Uint8Array(png));
  assert.deepEqual(image.shape, [4, 6, 3]);
  assert.equal(image.dtype, 'float32');
  const values = image.dataSync();
  assert.deepEqual(Array.from(values.slice(0, 6)), [0, 255, 0, 10, 245, 37]);
  const last = 23;
  const alpha = 128 / 255;
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(values[last * 3 + c] - (picture.data[last * 4 + c] * alpha + 255 * (1 - alpha))) < 1e-3);
  }
  image.dispose();
});

test('loadImage reads JPEG, BMP, GIF and TIFF files from paths', async () => {
  const picture = pattern();
  // A fresh allocation: jimp reads a Buffer's whole ArrayBuffer, so a pooled slice would not do.
  const opaque = Buffer.alloc(picture.data.length);
  picture.data.copy(opaque);
  opaque[opaque.length - 1] = 255;
  for (const [mime, ext] of [
    ['image/jpeg', 'jpg'],
    ['image/bmp', 'bmp'],
    ['image/gif', 'gif'],
    ['image/tiff', 'tiff'],
  ] as const) {
    const path = join(dir, `pattern.${ext}`);
    await writeFile(path, await Jimp.fromBitmap({ ...picture, data: opaque }).getBuffer(mime));
    const image = await loadImage(path);
    assert.deepEqual(image.shape, [4, 6, 3], ext);
    // The same bytes as a view into a larger buffer decode the same.
    const bytes = await readFile(path);
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 8);
    const fromView = await loadImage(padded.subarray(8, 8 + bytes.length));
    assert.deepEqual(Array.from(fromView.dataSync()), Array.from(image.dataSync()), `${ext} from a view`);
    fromView.dispose();
    const values = Array.from(image.dataSync());
    // BMP and TIFF are lossless; JPEG and GIF (256 colours) come within a few levels on average.
    const error = values.reduce((sum, v, i) => sum + Math.abs(v - opaque[Math.floor(i / 3) * 4 + (i % 3)]), 0) / values.length;
    assert.ok(error <= (ext === 'bmp' || ext === 'tiff' ? 0 : 20), `${ext}: mean absolute error ${error}`);
    image.dispose();
  }
});

test('a grey image comes back as three equal channels', async () => {
  const grey = new Jimp({ width: 3, height: 2, color: 0x808080ff });
  const image = await loadImage(new Uint8Array(await grey.getBuffer('image/png')));
  assert.deepEqual(Array.from(image.dataSync()), Array(18).fill(128));
  image.dispose();
});

test('bad image files get specific errors and make no tensors', async () => {
  const before = tf.memory().numTensors;
  const empty = join(dir, 'empty.png');
  await writeFile(empty, new Uint8Array());
  const garbage = join(dir, 'garbage.png');
  await writeFile(garbage, 'this is not a picture');
  const big = new Uint8Array(await new Jimp({ width: 200, height: 100, color: 0xffffffff }).getBuffer('image/png'));
  const rejects = (promise: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(promise, (e: Error) => e instanceof CamlabError && pattern.test(e.message));
  await rejects(loadImage(join(dir, 'missing.png')), /not found: '.*missing\.png'/);
  await rejects(loadImage(empty), /is empty \(0 bytes\)/);
  await rejects(loadImage(garbage), /could not be decoded.*PNG, JPEG, BMP, GIF or TIFF/);
  await rejects(loadImage(dir), /is a folder/);
  await rejects(loadImage(big, { maxMegapixels: 0.01 }), /200×100 \(0\.0 megapixels\), over the limit of 0\.01/);
  assert.equal(tf.memory().numTensors, before);
});

test('overlayPng blends the colormap over the image, decoded back', async () => {
  const image = tf.fill([2, 4, 3], 100) as tf.Tensor3D;
  const heatmap: Heatmap = { width: 4, height: 2, data: new Float32Array([0, 0.25, 0.5, 1, 1, 0.5, 0.25, 0]) };
  const png = await overlayPng(image, heatmap, { colormap: 'jet', alpha: 0.4 });
  const decoded = await Jimp.read(Buffer.from(png));
  assert.deepEqual([decoded.bitmap.width, decoded.bitmap.height], [4, 2]);
  for (const [i, value] of heatmap.data.entries()) {
    const expected = colorAt('jet', value).map((c) => Math.round(0.6 * 100 + 0.4 * c));
    assert.deepEqual(Array.from(decoded.bitmap.data.subarray(i * 4, i * 4 + 3)), expected, `pixel ${i}`);
  }
  // Jet runs from dark blue (cold) to dark red (hot), as in the CAM paper.
  assert.deepEqual(colorAt('jet', 0), [0, 0, 128]);
  assert.deepEqual(colorAt('jet', 1), [128, 0, 0]);
  await assert.rejects(overlayPng(image, heatmap, { alpha: 2 }), /alpha must be a number between 0 and 1, got 2/);
  image.dispose();
});

test('toModelInput stretches or centre-crops to the model size and converts RGB to grey', () => {
  const wide = tf.tidy(() => tf.concat([tf.zeros([4, 4, 3]), tf.fill([4, 4, 3], 90), tf.zeros([4, 4, 3])], 1) as tf.Tensor3D);
  const crop = toModelInput(wide, { height: 2, width: 2, channels: 1 }, { fit: 'center-crop' });
  assert.deepEqual(crop.shape, [1, 2, 2, 1]);
  assert.deepEqual(Array.from(crop.dataSync()), [90, 90, 90, 90]);
  const stretch = toModelInput(wide, { height: 2, width: 6, channels: 3 });
  assert.deepEqual(stretch.shape, [1, 2, 6, 3]);
  assert.equal(stretch.dataSync()[0], 0);
  tf.dispose([wide, crop, stretch]);
});

test('preprocessings match keras.applications and Teachable Machine', async () => {
  const { preprocess } = await import('../src');
  const pixel = tf.tensor4d([10, 20, 30], [1, 1, 1, 3]);
  const values = (mode: Parameters<typeof preprocess>[1]) =>
    Array.from(preprocess(pixel, mode).dataSync()).map((v) => Math.round(v * 1e4) / 1e4);
  assert.deepEqual(
    values('caffe'),
    [30 - 103.939, 20 - 116.779, 10 - 123.68].map((v) => Math.round(v * 1e4) / 1e4),
  );
  assert.deepEqual(
    values('tf'),
    [10, 20, 30].map((v) => Math.round((v / 127.5 - 1) * 1e4) / 1e4),
  );
  assert.deepEqual(
    values('torch'),
    [0, 1, 2].map((c) => Math.round((([10, 20, 30][c] / 255 - [0.485, 0.456, 0.406][c]) / [0.229, 0.224, 0.225][c]) * 1e4) / 1e4),
  );
  assert.deepEqual(
    values('teachable-machine'),
    [10, 20, 30].map((v) => Math.round((v / 127 - 1) * 1e4) / 1e4),
  );
  assert.throws(() => preprocess(pixel, 'imagenet' as never), /Unknown preprocessing 'imagenet'/);
  pixel.dispose();
});

test('the four other colormaps end at their published colours, and the perceptual ones brighten steadily', async () => {
  // Ends of matplotlib's viridis (#440154 → #fde725), inferno (#000004 → #fcffa4) and Google's turbo (#30123b → #7a0403).
  const ends: Record<string, [number[], number[]]> = {
    viridis: [
      [68, 1, 84],
      [253, 231, 37],
    ],
    inferno: [
      [0, 0, 4],
      [252, 255, 164],
    ],
    turbo: [
      [48, 18, 59],
      [122, 4, 3],
    ],
    gray: [
      [0, 0, 0],
      [255, 255, 255],
    ],
  };
  const luma = ([r, g, b]: number[]) => 0.299 * r + 0.587 * g + 0.114 * b;
  for (const [name, [cold, hot]] of Object.entries(ends)) {
    const map = name as 'viridis' | 'inferno' | 'turbo' | 'gray';
    assert.deepEqual(colorAt(map, 0), cold, `${name} at 0`);
    assert.deepEqual(colorAt(map, 1), hot, `${name} at 1`);
    assert.deepEqual(colorAt(map, -3), cold, `${name} clamps below`);
    assert.deepEqual(colorAt(map, 7), hot, `${name} clamps above`);
    if (name !== 'turbo') {
      const lightness = Array.from({ length: 21 }, (_, i) => luma(colorAt(map, i / 20)));
      assert.ok(
        lightness.every((l, i) => i === 0 || l > lightness[i - 1]),
        `${name} brightens from 0 to 1`,
      );
    }
  }
  assert.deepEqual(colorAt('gray', 0.5), [128, 128, 128]);
  // An overlay at full opacity in each map shows the map's colours where the heat map is 0 and 1.
  const image = tf.fill([1, 2, 3], 90) as tf.Tensor3D;
  for (const [name, [cold, hot]] of Object.entries(ends)) {
    const png = await Jimp.read(
      Buffer.from(await overlayPng(image, { width: 2, height: 1, data: new Float32Array([0, 1]) }, { colormap: name as 'gray', alpha: 1 })),
    );
    assert.deepEqual(Array.from(png.bitmap.data.subarray(0, 3)), cold, `${name} overlay, cold pixel`);
    assert.deepEqual(Array.from(png.bitmap.data.subarray(4, 7)), hot, `${name} overlay, hot pixel`);
  }
  image.dispose();
});
