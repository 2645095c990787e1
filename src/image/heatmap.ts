import { CamlabError } from '../errors';
import { describeValue } from '../validate';

/** A single-channel map, row-major: `data[y * width + x]`. */
export interface Heatmap {
  width: number;
  height: number;
  data: Float32Array;
}

/** Scales a map to [0, 1] by its minimum and maximum; a constant map becomes all zeros, never NaN. */
export function normalizeHeatmap(map: Heatmap): Heatmap {
  let min = Infinity;
  let max = -Infinity;
  for (const v of map.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const data = new Float32Array(map.data.length);
  if (range > 0 && Number.isFinite(range)) {
    for (let i = 0; i < data.length; i++) data[i] = (map.data[i] - min) / range;
  }
  return { width: map.width, height: map.height, data };
}

/**
 * Checks a heat map before it is drawn or measured: width × height values, all finite. A short or
 * NaN map would otherwise become a wrong picture or a whole-image box.
 */
export function assertHeatmap(map: unknown, what = 'The heat map'): asserts map is Heatmap {
  const { width, height, data } = (map ?? {}) as Partial<Heatmap>;
  if (
    typeof width !== 'number' ||
    typeof height !== 'number' ||
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    !(data instanceof Float32Array || Array.isArray(data))
  ) {
    throw new CamlabError(`${what} must be { width, height, data: Float32Array } (a result's heatmap or raw), got ${describeValue(map)}.`);
  }
  if (width <= 0 || height <= 0) throw new CamlabError(`${what} is empty (${width}×${height}).`);
  if (data.length !== width * height) {
    throw new CamlabError(`${what} is inconsistent: ${width}×${height} needs ${width * height} values and it has ${data.length}.`);
  }
  let bad = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    const where = `row ${Math.floor(first / width)}, column ${first % width}`;
    throw new CamlabError(
      `${what} holds ${bad} NaN or infinite value(s) of ${data.length} (the first at ${where}); it cannot be drawn or boxed.`,
    );
  }
}
