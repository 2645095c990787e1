// Noisy linear imputation (Rong et al., "A Consistent and Efficient Evaluation Strategy for Attribution
// Methods", ICML 2022, section 4): a removed pixel takes the weighted mean of its eight neighbours
// (1/6 for the four beside it, 1/12 for the four diagonal ones, renormalised where the image ends),
// whether they are kept or removed themselves, plus a little Gaussian noise. The removed pixels' values
// are the solution of that sparse linear system, one per channel; the removal then leaves no edge or
// colour a model could read the removed region's shape from.
import { CamlabError } from '../errors';
import { Random } from '../random';

/** The eight neighbours and their weights: [dy, dx, weight]. */
const NEIGHBOURS: readonly [number, number, number][] = [
  [-1, -1, 1 / 12],
  [-1, 0, 1 / 6],
  [-1, 1, 1 / 12],
  [0, -1, 1 / 6],
  [0, 1, 1 / 6],
  [1, -1, 1 / 12],
  [1, 0, 1 / 6],
  [1, 1, 1 / 12],
];

export interface ImputationOptions {
  /** Standard deviation of the noise added to each imputed value, in the pixels' own units (0: none). */
  noise?: number;
  /** Seed of the noise. */
  seed?: number;
}

/**
 * The image [height, width, channels] (row-major, channels last) with the pixels where `removed` is 1
 * replaced by the noisy linear imputation, solved exactly (the system is symmetric and positive definite
 * as long as one pixel is kept). Returns a new array.
 */
export function noisyLinearImputation(
  pixels: Float32Array,
  size: { height: number; width: number; channels: number },
  removed: Uint8Array,
  options: ImputationOptions = {},
): Float32Array {
  const { height, width, channels } = size;
  const count = height * width;
  if (pixels.length !== count * channels || removed.length !== count) {
    throw new CamlabError(
      `noisyLinearImputation: ${height}×${width}×${channels} needs ${count * channels} values and a mask of ${count}, got ${pixels.length} and ${removed.length}.`,
    );
  }
  const unknowns: number[] = [];
  const index = new Int32Array(count).fill(-1);
  for (let p = 0; p < count; p++) if (removed[p]) index[p] = unknowns.push(p) - 1;
  const out = Float32Array.from(pixels);
  if (unknowns.length === 0) return out;
  if (unknowns.length === count)
    throw new CamlabError('noisyLinearImputation cannot fill an image with every pixel removed: keep at least one.');

  // Row i of the system: d_i v_i − Σ_{removed j} w_ij v_j = Σ_{kept j} w_ij x_j, with d_i the weights of i's neighbours inside the image.
  const n = unknowns.length;
  const diagonal = new Float64Array(n);
  const links: { from: number; to: number; weight: number }[] = [];
  const rhs = Array.from({ length: channels }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const p = unknowns[i];
    const [y, x] = [Math.floor(p / width), p % width];
    for (const [dy, dx, weight] of NEIGHBOURS) {
      const [ny, nx] = [y + dy, x + dx];
      if (ny < 0 || nx < 0 || ny >= height || nx >= width) continue;
      const q = ny * width + nx;
      diagonal[i] += weight;
      if (index[q] >= 0) links.push({ from: i, to: index[q], weight });
      else for (let c = 0; c < channels; c++) rhs[c][i] += weight * pixels[q * channels + c];
    }
  }
  const random = new Random(options.seed ?? 0);
  const noise = options.noise ?? 0;
  const solve = choleskyBand(n, diagonal, links);
  for (let c = 0; c < channels; c++) {
    const solution = solve(rhs[c]);
    for (let i = 0; i < n; i++) out[unknowns[i] * channels + c] = solution[i] + (noise > 0 ? noise * random.normal() : 0);
  }
  return out;
}

/**
 * Factorises the system once (Cholesky, A = L Lᵀ) and returns its solver. In reading order a removed
 * pixel is linked only to pixels at most a row and one column away, so L lives in a band of that width:
 * n · (width + 1)² / 2 operations, exact.
 */
function choleskyBand(
  n: number,
  diagonal: Float64Array,
  links: { from: number; to: number; weight: number }[],
): (b: Float64Array) => Float64Array {
  const band = links.reduce((widest, l) => Math.max(widest, Math.abs(l.from - l.to)), 0);
  const stride = band + 1;
  const L = new Float64Array(n * stride); // L[i, j] at i · stride + (i − j), for i − band ≤ j ≤ i
  for (let i = 0; i < n; i++) L[i * stride] = diagonal[i];
  for (const { from, to, weight } of links) if (to < from) L[from * stride + from - to] = -weight;
  for (let i = 0; i < n; i++) {
    const row = i * stride;
    for (let j = Math.max(0, i - band); j <= i; j++) {
      const other = j * stride;
      let sum = L[row + i - j];
      for (let k = Math.max(0, i - band); k < j; k++) sum -= L[row + i - k] * L[other + j - k];
      L[row + i - j] = i === j ? Math.sqrt(sum) : sum / L[other];
    }
  }
  return (b) => {
    const y = Float64Array.from(b);
    for (let i = 0; i < n; i++) {
      for (let k = Math.max(0, i - band); k < i; k++) y[i] -= L[i * stride + i - k] * y[k];
      y[i] /= L[i * stride];
    }
    for (let i = n - 1; i >= 0; i--) {
      for (let k = i + 1; k <= Math.min(n - 1, i + band); k++) y[i] -= L[k * stride + k - i] * y[k];
      y[i] /= L[i * stride];
    }
    return y;
  };
}
