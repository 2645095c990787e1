import { tf } from '../../tf';
import type { CamMethod } from './method';

const MAX_ITERATIONS = 200;

/**
 * Eigen-CAM (Muhammad & Yeasin 2020): the projection of the (channel-centred) activations X on their
 * first principal component. It uses no class and no gradient; its sign is chosen so that the map
 * agrees with the mean activation. The component is found by power iteration on the smaller of XXᵀ
 * (positions × positions) and XᵀX (channels × channels), in plain JavaScript: for ResNet-50's last
 * block that is a 49 × 49 matrix instead of 2048 × 2048.
 */
export const eigenCamMethod: CamMethod = {
  name: 'eigencam',
  description: 'Eigen-CAM: first principal component of the activations, class-agnostic (Muhammad & Yeasin 2020)',
  needsGradients: false,
  map: ({ activations }) => {
    const [h, w, k] = activations.shape;
    const n = h * w;
    const flat = tf.reshape(activations, [n, k]);
    const x = tf.sub(flat, tf.mean(flat, 0)).dataSync() as Float32Array;
    const meanMap = tf.mean(flat, 1).dataSync() as Float32Array;
    let projection: Float64Array;
    if (n <= k) {
      // Top eigenvector u of XXᵀ; X v₁ = σ₁ u₁.
      const { vector, value } = topEigenvector(gram(x, n, k, 'rows'), n);
      projection = vector.map((u) => u * Math.sqrt(Math.max(value, 0)));
    } else {
      const { vector } = topEigenvector(gram(x, n, k, 'columns'), k);
      projection = new Float64Array(n);
      for (let p = 0; p < n; p++) for (let c = 0; c < k; c++) projection[p] += x[p * k + c] * vector[c];
    }
    const agreement = projection.reduce((s, v, p) => s + v * meanMap[p], 0);
    return tf.tensor2d(Float32Array.from(projection, (v) => (agreement < 0 ? -v : v)), [h, w]);
  },
};

/** XXᵀ ('rows', n × n) or XᵀX ('columns', k × k) of a row-major n × k matrix. */
function gram(x: Float32Array, n: number, k: number, of: 'rows' | 'columns'): Float64Array {
  const size = of === 'rows' ? n : k;
  const g = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = i; j < size; j++) {
      let sum = 0;
      if (of === 'rows') for (let c = 0; c < k; c++) sum += x[i * k + c] * x[j * k + c];
      else for (let p = 0; p < n; p++) sum += x[p * k + i] * x[p * k + j];
      g[i * size + j] = g[j * size + i] = sum;
    }
  }
  return g;
}

/** Power iteration from a fixed start, until the vector stops moving. */
function topEigenvector(matrix: Float64Array, size: number): { vector: Float64Array; value: number } {
  let vector = new Float64Array(size).fill(1 / Math.sqrt(size));
  let value = 0;
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const next = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      let sum = 0;
      for (let j = 0; j < size; j++) sum += matrix[i * size + j] * vector[j];
      next[i] = sum;
    }
    value = Math.hypot(...next);
    if (value === 0) break;
    const normalised = next.map((v) => v / value);
    const moved = normalised.reduce((m, v, i) => Math.max(m, Math.abs(v - vector[i])), 0);
    vector = normalised;
    if (moved < 1e-9) break;
  }
  return { vector, value };
}
