// How alike two maps of the same size are, as the sanity checks of Adebayo et al. (NeurIPS 2018)
// measure it: the rank correlation of their values, and their structural similarity.
import { CamlabError } from '../errors';
import type { Heatmap } from '../image/heatmap';

function assertSameSize(a: Heatmap, b: Heatmap): void {
  if (a.width !== b.width || a.height !== b.height)
    throw new CamlabError(`The two maps differ in size: ${a.width}×${a.height} and ${b.width}×${b.height}.`);
}

/** Ranks 1 … n, tied values sharing the mean of their ranks. */
function ranks(values: Float32Array): Float64Array {
  const order = Array.from(values.keys()).sort((i, j) => values[i] - values[j]);
  const out = new Float64Array(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
    for (let k = start; k <= end; k++) out[order[k]] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return out;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let [ma, mb] = [0, 0];
  for (let i = 0; i < n; i++) [ma, mb] = [ma + a[i] / n, mb + b[i] / n];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [da, db] = [a[i] - ma, b[i] - mb];
    [sab, saa, sbb] = [sab + da * db, saa + da * da, sbb + db * db];
  }
  // A constant map has no order: it agrees with nothing (0), unless both are constant (1).
  if (saa === 0 || sbb === 0) return saa === sbb ? 1 : 0;
  return sab / Math.sqrt(saa * sbb);
}

/** Spearman's rank correlation of two maps' values (−1 … 1), ties given their mean rank. */
export function rankCorrelation(a: Heatmap, b: Heatmap): number {
  assertSameSize(a, b);
  return pearson(ranks(a.data), ranks(b.data));
}

/**
 * The structural similarity index (Wang et al., IEEE TIP 2004) of two 0..1 maps: the mean over 11 × 11
 * Gaussian windows (σ 1.5) of luminance × contrast × structure, with C1 = 0.01² and C2 = 0.03². Maps
 * smaller than the window use one window the size of the map.
 */
export function ssim(a: Heatmap, b: Heatmap): number {
  assertSameSize(a, b);
  const { width, height } = a;
  const side = Math.min(11, width, height);
  const half = (side - 1) / 2;
  const kernel = Array.from({ length: side }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * 1.5 ** 2)));
  const total = kernel.reduce((s, v) => s + v, 0) ** 2;
  const [c1, c2] = [0.01 ** 2, 0.03 ** 2];
  let [sum, windows] = [0, 0];
  for (let y0 = 0; y0 + side <= height; y0++) {
    for (let x0 = 0; x0 + side <= width; x0++) {
      let [ma, mb, saa, sbb, sab] = [0, 0, 0, 0, 0];
      for (let dy = 0; dy < side; dy++) {
        for (let dx = 0; dx < side; dx++) {
          const weight = (kernel[dy] * kernel[dx]) / total;
          const i = (y0 + dy) * width + x0 + dx;
          const [va, vb] = [a.data[i], b.data[i]];
          ma += weight * va;
          mb += weight * vb;
          saa += weight * va * va;
          sbb += weight * vb * vb;
          sab += weight * va * vb;
        }
      }
      const [vara, varb, cov] = [saa - ma * ma, sbb - mb * mb, sab - ma * mb];
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (vara + varb + c2));
      windows++;
    }
  }
  return sum / windows;
}
