import { readFile } from 'node:fs/promises';
import { Jimp } from 'jimp';
import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { checkLoadImageOptions, describeValue } from '../validate';
import { readImageHeader, type ImageHeader } from './header';

const DEFAULT_MAX_MEGAPIXELS = 40;
export const IMAGE_FORMATS = 'PNG, JPEG, BMP, GIF or TIFF';

export interface LoadImageOptions {
  /** Images larger than this are refused before any tensor is made (default 40). */
  maxMegapixels?: number;
}

type Decoded = Awaited<ReturnType<typeof Jimp.read>>;

/** An image over the megapixel limit; `needed` is the smallest whole limit that admits it. */
export class ImageTooLargeError extends CamlabError {
  readonly needed: number;
  constructor(
    readonly subject: string,
    readonly width: number,
    readonly height: number,
    readonly limit: number,
    advice = (needed: number) => `pass { maxMegapixels: ${needed} }`,
  ) {
    const megapixels = (width * height) / 1e6;
    const needed = Math.ceil(megapixels);
    super(
      `${subject} is ${width}×${height} (${megapixels.toFixed(1)} megapixels), over the limit of ${limit}; resize it first or ${advice(needed)}.`,
    );
    this.needed = needed;
  }

  /** The same refusal with another way to raise the limit (the CLI's flag). */
  withAdvice(advice: (needed: number) => string): ImageTooLargeError {
    return new ImageTooLargeError(this.subject, this.width, this.height, this.limit, advice);
  }
}

/**
 * Decodes a PNG, JPEG, BMP, GIF or TIFF file (a path) or its bytes into a float32 tensor
 * [height, width, 3] with values 0..255. Transparent pixels are composited on white; grey images
 * come back as three equal channels. The tensor is the caller's to dispose. The size is read from
 * the file's header first, so an image over `maxMegapixels` is refused before it is decoded.
 *
 * @example const image = await loadImage('data/samples/digit-0.png');
 */
export async function loadImage(src: string | Uint8Array, options: LoadImageOptions = {}): Promise<tf.Tensor3D> {
  checkLoadImageOptions(options);
  if (typeof src !== 'string' && !(src instanceof Uint8Array)) {
    throw new CamlabError(`loadImage takes a file path or the file's bytes (a Uint8Array or Buffer), got ${describeValue(src)}.`);
  }
  await ready();
  const limit = options.maxMegapixels ?? DEFAULT_MAX_MEGAPIXELS;
  const bytes = typeof src === 'string' ? await readImageFile(src) : src;
  if (bytes.length === 0) throw new CamlabError(`${describe(src, false)} empty (0 bytes): there is no image to decode.`);
  const header = readHeader(src, bytes);
  if (header) checkSize(src, header.width, header.height, limit);
  const bitmap = (await decode(src, bytes, header)).bitmap;
  checkSize(src, bitmap.width, bitmap.height, limit); // formats whose header jimp reads differently
  return tf.tensor3d(rgbOnWhite(bitmap.data, bitmap.width * bitmap.height), [bitmap.height, bitmap.width, 3], 'float32');
}

function checkSize(src: string | Uint8Array, width: number, height: number, limit: number): void {
  if ((width * height) / 1e6 > limit) throw new ImageTooLargeError(describe(src), width, height, limit);
}

function readHeader(src: string | Uint8Array, bytes: Uint8Array): ImageHeader | undefined {
  try {
    return readImageHeader(bytes);
  } catch (error) {
    throw new CamlabError(`${describe(src)} could not be read: ${(error as Error).message}`, { cause: error });
  }
}

async function decode(src: string | Uint8Array, bytes: Uint8Array, header: ImageHeader | undefined): Promise<Decoded> {
  try {
    return await Jimp.read(ownBuffer(bytes));
  } catch (error) {
    // The decoder's own words (sometimes misspelt, sometimes about streams) stay in `cause`.
    const what = header
      ? `is a ${header.format} of ${header.width}×${header.height} by its header, but its image data could not be decoded: the file is truncated or damaged`
      : `could not be decoded: it is none of the formats camlab reads (${IMAGE_FORMATS})`;
    throw new CamlabError(`${describe(src)} ${what}.`, { cause: error });
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
    if (code === 'ENOENT')
      throw new CamlabError(`Image file not found: '${path}'. Check the path (relative paths start at ${process.cwd()}).`);
    if (code === 'EISDIR') throw new CamlabError(`'${path}' is a folder, not an image file.`);
    throw new CamlabError(`Image file '${path}' could not be read: ${(error as Error).message}`, { cause: error });
  }
}

/** "Image file 'a.png'" or "The image bytes given (123 bytes)"; without the size, the subject and its verb ("… are"). */
function describe(src: string | Uint8Array, withSize = true): string {
  if (typeof src === 'string') return withSize ? `Image file '${src}'` : `Image file '${src}' is`;
  return withSize ? `The image bytes given (${src.length} bytes)` : 'The image bytes given are';
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
