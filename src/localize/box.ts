import type { tf } from '../tf';
import { assertHeatmap, type Heatmap } from '../image/heatmap';
import { modelMetadata } from '../model/metadata';
import { checkBoxOptions } from '../validate';

/** The CAM paper's box threshold: the largest region ≥ 20 % of the map's maximum (Zhou et al. 2016, §3). */
export const PAPER_THRESHOLD = 0.2;

/**
 * The box threshold for a model's maps: the one validated for it (metadata.json's `boxThreshold`,
 * chosen on held-out data), else the paper's 20 %. Coarse maps often need a higher one.
 */
export function defaultBoxThreshold(model: tf.LayersModel): number {
  return modelMetadata(model).boxThreshold ?? PAPER_THRESHOLD;
}

/** A box in pixels: the top-left corner and the size (a one-pixel box has width 1). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The CAM paper's box: keep the pixels ≥ threshold × the map's maximum, take the largest
 * 8-connected region of them and return its bounding box. A constant map gives the whole image.
 *
 * @example const box = boundingBox(result.heatmap, { threshold: 0.2 });
 */
export function boundingBox(heatmap: Heatmap, options: { threshold?: number } = {}): Box {
  checkBoxOptions(options);
  assertHeatmap(heatmap);
  return largestRegionBox(heatmap.data, heatmap.width, heatmap.height, options.threshold ?? PAPER_THRESHOLD);
}

/**
 * boundingBox's rule on a map's values (row-major, width × height), unchecked. The page of a live
 * figure runs this very function (drawingFigure embeds its source), so it refers to nothing outside
 * itself and declares no named inner functions.
 */
export function largestRegionBox(data: ArrayLike<number>, width: number, height: number, threshold: number): Box {
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  const cut = threshold * max;
  // Flat typed arrays and no per-pixel allocation: a notebook boxes hundreds of 224² maps.
  const visited = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  let best = { x: 0, y: 0, width, height, size: 0 };
  for (let start = 0; start < data.length; start++) {
    if (visited[start] || !(data[start] >= cut)) continue;
    visited[start] = 1;
    stack[0] = start;
    let top = 1;
    let minX = width;
    let minY = height;
    let maxX = -1;
    let maxY = -1;
    let size = 0;
    while (top > 0) {
      const p = stack[--top];
      const px = p % width;
      const py = (p - px) / width;
      size++;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
      const x0 = px > 0 ? px - 1 : 0;
      const x1 = px < width - 1 ? px + 1 : px;
      const y0 = py > 0 ? py - 1 : 0;
      const y1 = py < height - 1 ? py + 1 : py;
      for (let ny = y0; ny <= y1; ny++) {
        for (let q = ny * width + x0, end = ny * width + x1; q <= end; q++) {
          if (!visited[q] && data[q] >= cut) {
            visited[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    if (size > best.size) best = { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1, size };
  }
  return { x: best.x, y: best.y, width: best.width, height: best.height };
}

/** Intersection over union of two boxes, 0..1. */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = Math.max(0, w) * Math.max(0, h);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}
