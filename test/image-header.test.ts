// Image sizes come from the file's header before anything is decoded: a small file claiming a huge
// image is refused with the limit's message, in bounded memory; a malformed header is an error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { tf, ready, loadImage, CamlabError } from '../src';
import { readImageHeader } from '../src/image/header';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.js');
let dir: string;

before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-header-'));
  },
  { timeout: 60_000 },
);
after(() => rm(dir, { recursive: true, force: true }), { timeout: 60_000 });

const FORMATS = ['png', 'jpeg', 'bmp', 'gif', 'tiff'] as const;

/** A 7×5 picture encoded by jimp in each format. */
async function encoded(format: (typeof FORMATS)[number]): Promise<Buffer> {
  const data = Buffer.alloc(7 * 5 * 4, 255);
  for (let i = 0; i < 35; i++) data[i * 4] = i * 7;
  return Jimp.fromBitmap({ width: 7, height: 5, data }).getBuffer(`image/${format}` as 'image/png');
}

/** The same file with its header claiming width × height (the pixel data stays that of 7×5). */
function claiming(format: (typeof FORMATS)[number], file: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(file);
  if (format === 'png') {
    out.writeUInt32BE(width, 16);
    out.writeUInt32BE(height, 20);
    out.writeUInt32BE(crc32(out.subarray(12, 29)), 29); // keep the chunk's CRC valid
  } else if (format === 'gif') {
    out.writeUInt16LE(width, 6);
    out.writeUInt16LE(height, 8);
  } else if (format === 'bmp') {
    out.writeInt32LE(width, 18);
    out.writeInt32LE(height, 22);
  } else if (format === 'jpeg') {
    let offset = 2;
    while (out[offset + 1] !== 0xc0 && out[offset + 1] !== 0xc2) offset += 2 + out.readUInt16BE(offset + 2);
    out.writeUInt16BE(height, offset + 5);
    out.writeUInt16BE(width, offset + 7);
  } else {
    const big = out[0] === 0x4d;
    const ifd = big ? out.readUInt32BE(4) : out.readUInt32LE(4);
    const count = big ? out.readUInt16BE(ifd) : out.readUInt16LE(ifd);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + i * 12;
      const tag = big ? out.readUInt16BE(entry) : out.readUInt16LE(entry);
      if (tag !== 256 && tag !== 257) continue;
      const type = big ? out.readUInt16BE(entry + 2) : out.readUInt16LE(entry + 2);
      const value = tag === 256 ? width : height;
      if (type === 3 && big) out.writeUInt16BE(value, entry + 8);
      else if (type === 3) out.writeUInt16LE(value, entry + 8);
      else if (big) out.writeUInt32BE(value, entry + 8);
      else out.writeUInt32LE(value, entry + 8);
    }
  }
  return out;
}

/** A valid, complete PNG of width × height black pixels (1-bit grey), a few hundred kB however large. */
function blackPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // 1-bit grey: each row is a filter byte and width / 8 zero bytes
  const rows = deflateSync(Buffer.alloc((1 + Math.ceil(width / 8)) * height), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const camlabError = (pattern: RegExp) => (e: Error) => e instanceof CamlabError && pattern.test(e.message);

test('the five formats: the header gives the size jimp decodes', async () => {
  for (const format of FORMATS) {
    const file = await encoded(format);
    assert.deepEqual(readImageHeader(file), { format: format.toUpperCase(), width: 7, height: 5 }, format);
    const image = await loadImage(file);
    assert.deepEqual(image.shape, [5, 7, 3], format);
    image.dispose();
  }
  assert.equal(readImageHeader(Buffer.from('plain text')), undefined);
});

test('a small file whose header claims 30000×20000 is refused by the limit, in every format, before decoding (a decoder would fail on the 7×5 data instead)', async () => {
  const before = tf.memory().numTensors;
  for (const format of FORMATS) {
    // GIF's and the OS/2 BMP's sizes are 16-bit; 30000×20000 fits them all.
    const file = claiming(format, await encoded(format), 30000, 20000);
    await assert.rejects(
      loadImage(file),
      camlabError(
        /^The image bytes given \(\d+ bytes\) is 30000×20000 \(600\.0 megapixels\), over the limit of 40; resize it first or pass \{ maxMegapixels: 600 \}\.$/,
      ),
      format,
    );
  }
  assert.equal(tf.memory().numTensors, before);
});

test('malformed headers are errors that say so, not allocations', async () => {
  const before = tf.memory().numTensors;
  const png = await encoded('png');
  const jpeg = await encoded('jpeg');
  const tiff = await encoded('tiff');
  const bmp = await encoded('bmp');
  const brokenTiff = Buffer.from(tiff);
  brokenTiff.writeUInt32BE(0x7ffffff0, 4); // the first image directory "lies" far past the end
  const noFrame = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xda, 0x00, 0x02])]);
  const cases: [Uint8Array, RegExp][] = [
    [
      png.subarray(0, 18),
      /could not be read: The PNG header is cut short or points outside the file \(18 bytes\): the file is truncated or damaged/,
    ],
    [
      Buffer.concat([png.subarray(0, 12), Buffer.from('IDAT'), png.subarray(16)]),
      /The PNG header is malformed \(the first chunk is not a 13-byte IHDR\)/,
    ],
    [claiming('png', png, 0, 5), /The PNG header declares a 0×5 image: there are no pixels to decode/],
    [noFrame, /The JPEG header is malformed \(no frame header before the image data\)/],
    [jpeg.subarray(0, 30), /The JPEG header is cut short/],
    [brokenTiff, /The TIFF header is cut short or points outside the file/],
    [claiming('bmp', bmp, -7, 5), /The BMP header is malformed \(width -7, height 5\)/],
    [Buffer.from('GIF8xa\x07\x00\x05\x00'), /The GIF header is malformed \(version 'GIF8xa'\)/],
  ];
  for (const [bytes, pattern] of cases) await assert.rejects(loadImage(bytes), camlabError(pattern), String(pattern));
  assert.equal(tf.memory().numTensors, before);
});

test('a truncated PNG says so in camlab words and keeps the decoder error as cause; an empty buffer is named once', async () => {
  const before = tf.memory().numTensors;
  const png = await encoded('png');
  const cut = png.subarray(0, png.length - 30);
  const error = await loadImage(cut).then(
    () => assert.fail('a truncated PNG was decoded'),
    (e: Error) => e,
  );
  assert.ok(error instanceof CamlabError);
  assert.match(
    error.message,
    /^The image bytes given \(\d+ bytes\) is a PNG of 7×5 by its header, but its image data could not be decoded: the file is truncated or damaged\.$/,
  );
  assert.ok(error.cause instanceof Error, 'the decoder error is kept as cause');
  assert.doesNotMatch(error.message, /stream|waitng/);
  await assert.rejects(
    loadImage(new Uint8Array()),
    camlabError(/^The image bytes given are empty \(0 bytes\): there is no image to decode\.$/),
  );
  await assert.rejects(
    loadImage(null as never),
    camlabError(/loadImage takes a file path or the file's bytes \(a Uint8Array or Buffer\), got null/),
  );
  await assert.rejects(loadImage(png, { maxMegapixels: NaN }), camlabError(/^maxMegapixels must be a number above 0, got NaN\.$/));
  await assert.rejects(
    loadImage(png, { maxMegapixels: '80' as never }),
    camlabError(/^maxMegapixels must be a number above 0, got the string '80'\.$/),
  );
  await assert.rejects(loadImage(png, { maxMegapixels: 0 }), camlabError(/maxMegapixels must be a number above 0, got 0/));
  assert.equal(tf.memory().numTensors, before);
});

test('a 20000×20000 PNG (small file) is refused with the limit message while the process stays under 500 MB', async () => {
  const file = join(dir, 'huge.png');
  const png = blackPng(20000, 20000);
  await writeFile(file, png);
  assert.ok(png.length < 200_000, `the PNG is ${png.length} bytes`);
  // A fresh process, so its peak resident memory is the refusal's alone.
  const script = `require('./src').loadImage(${JSON.stringify(file)}).then(
    () => { console.log(JSON.stringify({ decoded: true })); },
    (e) => { console.log(JSON.stringify({ message: e.message, maxRssKb: process.resourceUsage().maxRSS })); })`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, CAMLAB_QUIET: '1' },
    timeout: 60_000,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as { message: string; maxRssKb: number };
  assert.match(
    result.message,
    /huge\.png' is 20000×20000 \(400\.0 megapixels\), over the limit of 40; resize it first or pass \{ maxMegapixels: 400 \}/,
  );
  assert.ok(result.maxRssKb < 500 * 1024, `peak resident memory ${Math.round(result.maxRssKb / 1024)} MB`);
  console.log(`# 20000×20000 PNG of ${png.length} bytes refused; child peak RSS ${Math.round(result.maxRssKb / 1024)} MB`);
});

test('the CLI refuses a large image with its own flag as advice, and --max-megapixels raises or lowers the limit', async () => {
  const huge = join(dir, 'huge-cli.png');
  await writeFile(huge, blackPng(20000, 20000));
  const small = join(dir, 'small.png');
  await writeFile(small, await encoded('png'));
  const camlab = (...args: string[]) =>
    run(process.execPath, [CLI, ...args], { env: { ...process.env, CAMLAB_QUIET: '1' }, timeout: 60_000 }).then(
      () => '',
      (e: { stderr: string }) => e.stderr,
    );
  const out = join(dir, 'out');
  // Too large is a reason to skip the file (exit code 2), with the CLI's flag as advice.
  assert.match(
    await camlab('cam', huge, '--out', out),
    /huge-cli\.png: Image file '.*huge-cli\.png' is 20000×20000 \(400\.0 megapixels\), over the limit of 40; resize it first or run with --max-megapixels 400\./,
  );
  assert.match(
    await camlab('cam', small, '--out', out, '--max-megapixels', '0.00001'),
    /over the limit of 0\.00001; resize it first or run with --max-megapixels 1\./,
  );
  assert.match(
    await camlab('cam', small, '--out', out, '--max-megapixels', 'lots'),
    /camlab: --max-megapixels takes a number, got 'lots'\./,
  );
  assert.match(
    await camlab('cam', small, '--out', out, '--max-megapixels', '0'),
    /camlab: --max-megapixels takes a number above 0, got '0'\./,
  );
  assert.equal(await camlab('cam', small, '--out', out, '--max-megapixels', '1'), '');
});
