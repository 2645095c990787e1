/** A small seeded generator (mulberry32): the same seed gives the same canvases on every machine. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
   * `stddev` (a truncated normal). Marsaglia's polar method: two normals per accepted pair, no
   * trigonometry — millions of weights at a time.
   */
  fillTruncatedNormal(values: Float32Array, stddev: number, limit: number): Float32Array {
    let i = 0;
    while (i < values.length) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const factor = Math.sqrt((-2 * Math.log(s)) / s);
      const a = u * factor;
      const b = v * factor;
      if (a >= -limit && a <= limit) values[i++] = a * stddev;
      if (i < values.length && b >= -limit && b <= limit) values[i++] = b * stddev;
    }
    return values;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
