/** A small seeded generator (mulberry32): the same seed gives the same canvases and weights on every machine. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return (this.int32() >>> 0) / 4294967296;
  }

  /** 32 random bits as a signed integer. */
  private int32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return t ^ (t >>> 14);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * Fills `values` with normals of standard deviation `stddev`, each redrawn until within ±`limit` ×
   * `stddev` (a truncated normal): millions of weights at a time, so the ziggurat below rather than
   * normal()'s logarithm and cosine per value.
   */
  fillTruncatedNormal(values: Float32Array, stddev: number, limit: number): Float32Array {
    // Below a tenth of σ almost every draw is redrawn: a mistake, not a distribution to wait for.
    if (!(limit >= 0.1)) throw new RangeError(`fillTruncatedNormal needs a limit of at least 0.1 σ, got ${limit}.`);
    for (let i = 0; i < values.length;) {
      const z = this.zigguratNormal();
      if (z >= -limit && z <= limit) values[i++] = z * stddev;
    }
    return values;
  }

  /** A standard normal by Marsaglia and Tsang's ziggurat (2000): one 32-bit draw for ≈ 99 % of values. */
  private zigguratNormal(): number {
    const { k, w, f } = ZIGGURAT;
    let bits = this.int32();
    let layer = bits & 127;
    if (Math.abs(bits) < k[layer]) return bits * w[layer];
    for (;;) {
      if (layer === 0) {
        // The base layer's tail beyond r, sampled by Marsaglia's exponential method.
        let x: number;
        let y: number;
        do {
          x = -Math.log(1 - this.next()) / ZIGGURAT_R;
          y = -Math.log(1 - this.next());
        } while (y + y < x * x);
        return bits > 0 ? ZIGGURAT_R + x : -ZIGGURAT_R - x;
      }
      const x = bits * w[layer];
      if (f[layer] + this.next() * (f[layer - 1] - f[layer]) < Math.exp(-0.5 * x * x)) return x;
      bits = this.int32();
      layer = bits & 127;
      if (Math.abs(bits) < k[layer]) return bits * w[layer];
    }
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** Where the ziggurat's base layer ends and its tail begins (128 layers of equal area). */
const ZIGGURAT_R = 3.442619855899;

/** The ziggurat's tables: k, the fast-accept bound per layer; w, its width per 2^31; f, the density at its edge. */
const ZIGGURAT = (() => {
  const [k, w, f] = [new Uint32Array(128), new Float64Array(128), new Float64Array(128)];
  const area = 9.91256303526217e-3;
  const scale = 2147483648;
  let edge = ZIGGURAT_R;
  let previous = edge;
  const base = area / Math.exp(-0.5 * edge * edge);
  k[0] = Math.floor((edge / base) * scale);
  k[1] = 0;
  w[0] = base / scale;
  w[127] = edge / scale;
  f[0] = 1;
  f[127] = Math.exp(-0.5 * edge * edge);
  for (let i = 126; i >= 1; i--) {
    edge = Math.sqrt(-2 * Math.log(area / edge + Math.exp(-0.5 * edge * edge)));
    k[i + 1] = Math.floor((edge / previous) * scale);
    previous = edge;
    f[i] = Math.exp(-0.5 * edge * edge);
    w[i] = edge / scale;
  }
  return { k, w, f };
})();
