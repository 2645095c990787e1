// An image's size read from its file header, before any decoder allocates width × height × 4 bytes:
// a 1 MB PNG can claim 20000×20000 pixels (1.6 GB of RGBA). Each reader checks every offset it reads,
// so a malformed header is an error, never a huge allocation.
import { CamlabError } from '../errors';

export type ImageFormat = 'PNG' | 'JPEG' | 'BMP' | 'GIF' | 'TIFF';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** The format and size an image file declares, or undefined when the bytes are none of the five formats. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const view = new Reader(bytes);
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return png(view);
  if (startsWith(bytes, [0xff, 0xd8])) return jpeg(view);
  if (startsWith(bytes, [0x42, 0x4d])) return bmp(view);
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return gif(view);
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return tiff(view);
  return undefined;
}

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return signature.every((b, i) => bytes[i] === b);
}

/** Bounds-checked reads; running past the end names the format and says the header is cut short. */
class Reader {
  format: ImageFormat = 'PNG';
  littleEndian = false;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(offset: number, size: number): void {
    if (offset < 0 || offset + size > this.bytes.length) {
      throw new CamlabError(
        `The ${this.format} header is cut short or points outside the file (${this.bytes.length} bytes): the file is truncated or damaged.`,
      );
    }
  }
  u8(offset: number): number {
    this.need(offset, 1);
    return this.view.getUint8(offset);
  }
  u16(offset: number): number {
    this.need(offset, 2);
    return this.view.getUint16(offset, this.littleEndian);
  }
  u32(offset: number): number {
    this.need(offset, 4);
    return this.view.getUint32(offset, this.littleEndian);
  }
  i32(offset: number): number {
    this.need(offset, 4);
    return this.view.getInt32(offset, this.littleEndian);
  }
  ascii(offset: number, length: number): string {
    this.need(offset, length);
    return String.fromCharCode(...this.bytes.subarray(offset, offset + length));
  }
  malformed(why: string): CamlabError {
    return new CamlabError(`The ${this.format} header is malformed (${why}): the file is damaged or not really ${this.format}.`);
  }
  sized(width: number, height: number): ImageHeader {
    if (width === 0 || height === 0)
      throw new CamlabError(`The ${this.format} header declares a ${width}×${height} image: there are no pixels to decode.`);
    return { format: this.format, width, height };
  }
}

// PNG: signature, then IHDR (length 13) with width and height as big-endian 32-bit integers.
function png(r: Reader): ImageHeader {
  r.format = 'PNG';
  if (r.ascii(12, 4) !== 'IHDR' || r.u32(8) !== 13) throw r.malformed('the first chunk is not a 13-byte IHDR');
  const [width, height] = [r.u32(16), r.u32(20)];
  if (width > 0x7fffffff || height > 0x7fffffff) throw r.malformed(`width ${width} or height ${height} above 2³¹ − 1`);
  return r.sized(width, height);
}

// JPEG: walk the marker segments to the first start-of-frame (SOF0–15 except DHT, JPG and DAC).
function jpeg(r: Reader): ImageHeader {
  r.format = 'JPEG';
  const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
  let offset = 2;
  for (;;) {
    if (r.u8(offset) !== 0xff) throw r.malformed(`no marker at byte ${offset}`);
    let marker = r.u8(offset + 1);
    while (marker === 0xff) marker = r.u8(++offset + 1); // fill bytes
    if (marker === 0xda || marker === 0xd9) throw r.malformed('no frame header before the image data');
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    const length = r.u16(offset + 2);
    if (length < 2) throw r.malformed(`a segment of length ${length} at byte ${offset}`);
    if (SOF.has(marker)) return r.sized(r.u16(offset + 7), r.u16(offset + 5));
    offset += 2 + length;
  }
}

// BMP: 'BM', then the DIB header: 12 bytes (OS/2, 16-bit sizes) or ≥ 40 (signed 32-bit; negative height = top-down).
function bmp(r: Reader): ImageHeader {
  r.format = 'BMP';
  r.littleEndian = true;
  const dib = r.u32(14);
  if (dib === 12) return r.sized(r.u16(18), r.u16(20));
  if (dib < 40) throw r.malformed(`a DIB header of ${dib} bytes`);
  const [width, height] = [r.i32(18), r.i32(22)];
  if (width < 0 || height === -0x80000000) throw r.malformed(`width ${width}, height ${height}`);
  return r.sized(width, Math.abs(height));
}

// GIF: 'GIF87a' or 'GIF89a', then the logical screen's width and height (little-endian 16-bit).
function gif(r: Reader): ImageHeader {
  r.format = 'GIF';
  const version = r.ascii(0, 6);
  if (version !== 'GIF87a' && version !== 'GIF89a') throw r.malformed(`version '${version}'`);
  r.littleEndian = true;
  return r.sized(r.u16(6), r.u16(8));
}

// TIFF: byte order, 42, the first IFD's offset; its entries 256 (ImageWidth) and 257 (ImageLength), SHORT or LONG.
function tiff(r: Reader): ImageHeader {
  r.format = 'TIFF';
  r.littleEndian = r.u8(0) === 0x49;
  const ifd = r.u32(4);
  const entries = r.u16(ifd);
  const size: Record<number, number> = {};
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    const tag = r.u16(entry);
    if (tag !== 256 && tag !== 257) continue;
    const type = r.u16(entry + 2);
    if (type !== 3 && type !== 4) throw r.malformed(`tag ${tag} has type ${type}, not SHORT or LONG`);
    size[tag] = type === 3 ? r.u16(entry + 8) : r.u32(entry + 8);
  }
  if (size[256] === undefined || size[257] === undefined) throw r.malformed('the first image directory has no width or height');
  return r.sized(size[256], size[257]);
}
