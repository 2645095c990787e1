import { Jimp } from 'jimp';
import { tf } from '../tf';
import { checkOverlayOptions } from '../validate';
import { colorAt, type ColormapName } from './colormap';
import { assertHeatmap, type Heatmap } from './heatmap';
import { resizeHeatmap } from './resize';
import { assertImage3D } from './validate';

export interface OverlayOptions {
  colormap?: ColormapName;
  /** Opacity of the heat map over the image, 0..1 (default 0.5). */
  alpha?: number;
}

/**
 * The image with the heat map blended over it, as PNG bytes. The map (values 0..1) is resized to
 * the image when their sizes differ.
 *
 * @example await writeFile('cam.png', await overlayPng(image, results[0].heatmap));
 */
export async function overlayPng(image: tf.Tensor3D, heatmap: Heatmap, options: OverlayOptions = {}): Promise<Uint8Array> {
  const rgba = await overlayRgba(image, heatmap, options);
  const picture = Jimp.fromBitmap({ width: image.shape[1], height: image.shape[0], data: Buffer.from(rgba.buffer) });
  return new Uint8Array(await picture.getBuffer('image/png'));
}

/** The blended pixels as RGBA bytes (what `overlayPng` encodes). */
async function overlayRgba(image: tf.Tensor3D, heatmap: Heatmap, options: OverlayOptions = {}): Promise<Uint8Array> {
  assertImage3D(image);
  checkOverlayOptions(options);
  assertHeatmap(heatmap);
  const alpha = options.alpha ?? 0.5;
  const colormap = options.colormap ?? 'jet';
  const [height, width] = image.shape;
  const map = resizeHeatmap(heatmap, width, height);
  const pixels = await image.data();
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const color = colorAt(colormap, map.data[i]);
    for (let c = 0; c < 3; c++) {
      const value = (1 - alpha) * pixels[i * 3 + c] + alpha * color[c];
      rgba[i * 4 + c] = Math.round(Math.min(255, Math.max(0, value)));
    }
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
