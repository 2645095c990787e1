import { tf } from '../tf';
import { repeatChannels } from '../fast-ops';
import { checkCanvasOptions } from '../validate';
import type { Box } from '../localize/box';
import { DIGIT_SIZE, SPLITS, sourceDigits, type SourceDigit, type Split } from './digits';
import { Random } from '../random';

export const CANVAS_SIZE = 64;
/** Side of the scaled 28×28 digit patch; its ink is about 0.7 of that (≈ 20–34 px). */
export const DIGIT_SCALE = { min: 28, max: 48 };
export const DISTRACTORS = 2;
/** A digit pixel counts as ink (and in the box) from this value of its 0..1 scan. */
export const INK_LEVEL = 0.3;

/** One canvas as plain numbers: grey pixels 0..255, row-major. */
export interface CanvasPixels {
  pixels: Float32Array;
  label: number;
  box: Box;
  /** Which source digit was drawn (its class and index in the mnist package). */
  source: { label: number; index: number };
  /** The digit alone (0..1, before distractors, background and noise), when asked for with `keepInk`. */
  ink?: Float32Array;
}

/** One canvas as camlab's functions take it. */
export interface Sample {
  /** [64, 64, 3] float32 0..255; the caller disposes it. */
  image: tf.Tensor3D;
  label: number;
  /** The tight box of the digit's ink. */
  box: Box;
  source: { label: number; index: number };
}

export interface CanvasOptions {
  split: Split;
  count: number;
  seed: number;
}

/**
 * Canvases with one real handwritten digit each, at a random scale and position, among fragments of
 * other digits, on a noisy, uneven background. The same options give the same canvases.
 *
 * @example const [sample] = digitsCanvas({ split: 'test', count: 1, seed: 7 });
 */
export function digitsCanvas(options: CanvasOptions): Sample[] {
  return renderCanvases(options).map(({ pixels, label, box, source }) => ({
    image: tf.tidy(() => repeatChannels(tf.tensor3d(pixels, [CANVAS_SIZE, CANVAS_SIZE, 1]), 3)),
    label,
    box,
    source,
  }));
}

/** The canvases as grey pixel arrays (for training and evaluation in bulk). */
export function renderCanvases(canvas: CanvasOptions, options: { keepInk?: boolean } = {}): CanvasPixels[] {
  checkCanvasOptions(canvas, SPLITS);
  const { split, count, seed } = canvas;
  const digits = sourceDigits(split);
  const random = new Random(seed * 7919 + SPLITS.indexOf(split) + 1);
  return Array.from({ length: count }, () => {
    const canvas = renderOne(digits, random);
    if (!options.keepInk) delete canvas.ink;
    return canvas;
  });
}

function renderOne(digits: SourceDigit[], random: Random): CanvasPixels {
  const n = CANVAS_SIZE;
  const digit = digits[random.int(0, digits.length - 1)];
  const size = random.int(DIGIT_SCALE.min, DIGIT_SCALE.max);
  const at = { x: random.int(0, n - size), y: random.int(0, n - size) };
  const ink = new Float32Array(n * n);
  drawScaled(ink, digit.pixels, { x: 0, y: 0, w: DIGIT_SIZE, h: DIGIT_SIZE }, at, size / DIGIT_SIZE);
  const box = inkBox(ink);

  const clutter = new Float32Array(n * n);
  for (let i = 0; i < DISTRACTORS; i++) {
    const other = digits[random.int(0, digits.length - 1)];
    const side = random.int(8, 12);
    const crop = { x: random.int(4, DIGIT_SIZE - 4 - side), y: random.int(4, DIGIT_SIZE - 4 - side), w: side, h: side };
    const scale = size / DIGIT_SIZE;
    const extent = Math.ceil(side * scale);
    let place = { x: 0, y: 0 };
    for (let attempt = 0; attempt < 10; attempt++) {
      place = { x: random.int(0, n - extent), y: random.int(0, n - extent) };
      const apart = place.x + extent <= box.x || place.x >= box.x + box.width || place.y + extent <= box.y || place.y >= box.y + box.height;
      if (apart) break;
    }
    if (other !== digit) drawScaled(clutter, other.pixels, crop, place, scale);
  }

  const background = random.uniform(0, 70);
  const slope = { x: random.uniform(-0.6, 0.6), y: random.uniform(-0.6, 0.6) };
  const amplitude = random.uniform(150, 255);
  const noise = random.uniform(4, 14);
  const pixels = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const i = y * n + x;
      const base = background + slope.x * (x - n / 2) + slope.y * (y - n / 2);
      const value = base + amplitude * Math.max(ink[i], clutter[i]) + noise * random.normal();
      pixels[i] = Math.min(255, Math.max(0, value));
    }
  }
  return { pixels, label: digit.label, box, source: { label: digit.label, index: digit.index }, ink };
}

/** Draws a region of a 28×28 scan into the canvas, scaled, keeping the brighter value (bilinear). */
function drawScaled(
  target: Float32Array,
  scan: Float32Array,
  crop: { x: number; y: number; w: number; h: number },
  at: { x: number; y: number },
  scale: number,
): void {
  const n = CANVAS_SIZE;
  const width = Math.round(crop.w * scale);
  const height = Math.round(crop.h * scale);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const tx = at.x + x;
      const ty = at.y + y;
      if (tx >= n || ty >= n) continue;
      const sx = Math.min(crop.w - 1, Math.max(0, (x + 0.5) / scale - 0.5)) + crop.x;
      const sy = Math.min(crop.h - 1, Math.max(0, (y + 0.5) / scale - 0.5)) + crop.y;
      const value = bilinear(scan, sx, sy);
      const i = ty * n + tx;
      if (value > target[i]) target[i] = value;
    }
  }
}

function bilinear(scan: Float32Array, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(DIGIT_SIZE - 1, x0 + 1);
  const y1 = Math.min(DIGIT_SIZE - 1, y0 + 1);
  const [fx, fy] = [x - x0, y - y0];
  const row = (yy: number) => scan[yy * DIGIT_SIZE + x0] * (1 - fx) + scan[yy * DIGIT_SIZE + x1] * fx;
  return row(y0) * (1 - fy) + row(y1) * fy;
}

/** The tight box of the pixels at or above the ink level. */
export function inkBox(ink: Float32Array, level = INK_LEVEL): Box {
  const n = CANVAS_SIZE;
  let [minX, minY, maxX, maxY] = [n, n, -1, -1];
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (ink[y * n + x] < level) continue;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}
