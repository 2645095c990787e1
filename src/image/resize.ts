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

/**
 * Area-average of a map onto a coarser width × height grid: each cell is the mean of the pixels it
 * covers (cells split pixels at their edges by whole pixels). For sending a map at a layer's resolution.
 */
export function shrinkHeatmap(map: Heatmap, width: number, height: number): Heatmap {
  if (map.width === width && map.height === height) return map;
  const data = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    const [y0, y1] = [
      Math.floor((r * map.height) / height),
      Math.max(Math.floor((r * map.height) / height) + 1, Math.floor(((r + 1) * map.height) / height)),
    ];
    for (let c = 0; c < width; c++) {
      const [x0, x1] = [
        Math.floor((c * map.width) / width),
        Math.max(Math.floor((c * map.width) / width) + 1, Math.floor(((c + 1) * map.width) / width)),
      ];
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += map.data[y * map.width + x];
      data[r * width + c] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return { width, height, data };
}
