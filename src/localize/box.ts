import { assertHeatmap, type Heatmap } from '../image/heatmap';
import { checkBoxOptions } from '../validate';

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
  const threshold = options.threshold ?? 0.2;
  const { width, height, data } = heatmap;
  let max = -Infinity;
  for (const v of data) if (v > max) max = v;
  const cut = threshold * max;
  const label = new Int32Array(width * height).fill(-1);
  let best: Box & { size: number } = { x: 0, y: 0, width, height, size: 0 };
  const stack: number[] = [];
  for (let start = 0; start < data.length; start++) {
    if (label[start] !== -1 || !(data[start] >= cut)) continue;
    label[start] = start;
    stack.push(start);
    let [minX, minY, maxX, maxY, size] = [width, height, -1, -1, 0];
    while (stack.length) {
      const p = stack.pop()!;
      const px = p % width;
      const py = (p - px) / width;
      size++;
      minX = Math.min(minX, px);
      maxX = Math.max(maxX, px);
      minY = Math.min(minY, py);
      maxY = Math.max(maxY, py);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [nx, ny] = [px + dx, py + dy];
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (label[q] === -1 && data[q] >= cut) {
            label[q] = start;
            stack.push(q);
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
