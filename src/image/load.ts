import { readFile } from 'node:fs/promises';
import { Jimp } from 'jimp';
import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';

export const DEFAULT_MAX_MEGAPIXELS = 40;
export const IMAGE_FORMATS = 'PNG, JPEG, BMP, GIF or TIFF';

export interface LoadImageOptions {
  /** Images larger than this are refused before any tensor is made (default 40). */
  maxMegapixels?: number;
}

type Decoded = Awaited<ReturnType<typeof Jimp.read>>;

/**
 * Decodes a PNG, JPEG, BMP, GIF or TIFF file (a path) or its bytes into a float32 tensor
 * [height, width, 3] with values 0..255. Transparent pixels are composited on white; grey images
 * come back as three equal channels. The tensor is the caller's to dispose.
 *
 * @example const image = await loadImage('data/samples/digit-0.png');
 */
export async function loadImage(src: string | Uint8Array, options: LoadImageOptions = {}): Promise<tf.Tensor3D> {
  await ready();
  const bitmap = (await decode(src)).bitmap;
  const limit = options.maxMegapixels ?? DEFAULT_MAX_MEGAPIXELS;
  const megapixels = (bitmap.width * bitmap.height) / 1e6;
  if (megapixels > limit) {
    throw new CamlabError(
      `${describe(src)} is ${bitmap.width}×${bitmap.height} (${megapixels.toFixed(1)} megapixels), over the ` +
        `limit of ${limit}; resize it first or pass { maxMegapixels: ${Math.ceil(megapixels)} }.`,
    );
  }
  return tf.tensor3d(rgbOnWhite(bitmap.data, bitmap.width * bitmap.height), [bitmap.height, bitmap.width, 3], 'float32');
}

async function decode(src: string | Uint8Array): Promise<Decoded> {
  const bytes = typeof src === 'string' ? await readImageFile(src) : src;
  if (bytes.length === 0) throw new CamlabError(`${describe(src)} is empty (0 bytes): there is no image to decode.`);
  try {
    return await Jimp.read(ownBuffer(bytes));
  } catch (error) {
    throw new CamlabError(
      `${describe(src)} could not be decoded as an image (${(error as Error).message}); camlab reads ${IMAGE_FORMATS}.`,
    );
  }
}

/** Some of jimp's decoders read a Buffer's whole ArrayBuffer, so a view into a larger one is copied. */
function ownBuffer(bytes: Uint8Array): Buffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return Buffer.from(bytes.buffer, 0, bytes.byteLength);
  const copy = Buffer.alloc(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CamlabError(`Image file not found: '${path}'. Check the path (relative paths start at ${process.cwd()}).`);
    if (code === 'EISDIR') throw new CamlabError(`'${path}' is a folder, not an image file.`);
    throw new CamlabError(`Image file '${path}' could not be read: ${(error as Error).message}`);
  }
}

function describe(src: string | Uint8Array): string {
  return typeof src === 'string' ? `Image file '${src}'` : `The image bytes given (${src.length} bytes)`;
}

/** RGBA bytes → RGB floats, alpha composited on a white background. */
function rgbOnWhite(rgba: Uint8Array | Buffer, pixels: number): Float32Array {
  const rgb = new Float32Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const alpha = rgba[i * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = rgba[i * 4 + c] * alpha + 255 * (1 - alpha);
  }
  return rgb;
}
