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
