// A map made on what the model saw, put back on the image the user gave: upsampled over the region
// the model saw (all of the image, or its centre crop) and zero outside it.
import { normalizeHeatmap, type Heatmap } from './heatmap';
import { resizeHeatmap } from './resize';

/** A rectangle of an image in pixels: the top-left corner and the size. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The map bilinearly upsampled over `region` of an image of `size`, min–max scaled to 0..1; zero outside the region. */
export function heatmapOverImage(map: Heatmap, size: { width: number; height: number }, region: Region): Heatmap {
  const seen = normalizeHeatmap(resizeHeatmap(map, region.width, region.height));
  if (region.x === 0 && region.y === 0 && region.width === size.width && region.height === size.height) return seen;
  const data = new Float32Array(size.width * size.height);
  for (let y = 0; y < region.height; y++)
    data.set(seen.data.subarray(y * region.width, (y + 1) * region.width), (region.y + y) * size.width + region.x);
  return { width: size.width, height: size.height, data };
}
