import type { Heatmap } from './heatmap';

/**
 * Bilinear resize of a map with pixel centres aligned (half-pixel convention), so a coarse map's
 * cells land over the image regions they summarise rather than shifted toward the top left.
 */
export function resizeHeatmap(map: Heatmap, width: number, height: number): Heatmap {
  if (map.width === width && map.height === height) return map;
  const data = new Float32Array(width * height);
  const sy = map.height / height;
  const sx = map.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(map.height - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(map.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(map.width - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(map.width - 1, x0 + 1);
      const wx = fx - x0;
      const top = map.data[y0 * map.width + x0] * (1 - wx) + map.data[y0 * map.width + x1] * wx;
      const bottom = map.data[y1 * map.width + x0] * (1 - wx) + map.data[y1 * map.width + x1] * wx;
      data[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return { width, height, data };
}
