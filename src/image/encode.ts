import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Encodes RGBA bytes as a PNG synchronously (jimp's encoder is asynchronous), so figure builders can
 * stay plain functions.
 */
export function encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0; // filter: none
    rows.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter, no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** RGBA bytes of an image tensor's values [h, w, 3] (0..255). */
export function rgbaFromRgb(rgb: ArrayLike<number>, width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.max(0, Math.min(255, Math.round(rgb[i * 3 + c])));
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/**
 * A data URI for an image the browser draws under a heat map: PNG for small images (exact pixels, and
 * small anyway), JPEG (quality 90) for photographs, whose PNG would weigh several times more.
 */
export function imageDataUri(rgba: Uint8Array, width: number, height: number): string {
  if (width * height <= 128 * 128) return pngDataUri(encodePng(rgba, width, height));
  const jpeg = require('jpeg-js') as {
    encode(image: { data: Uint8Array; width: number; height: number }, quality: number): { data: Uint8Array };
  };
  return `data:image/jpeg;base64,${Buffer.from(jpeg.encode({ data: rgba, width, height }, 90).data).toString('base64')}`;
}
