// Reference computations written independently of camlab's code, for tests to compare against.

/** Bilinear resize of a row-major map with half-pixel centres, edges clamped (tf.image.resizeBilinear's halfPixelCenters convention). */
export function bilinear(values: ArrayLike<number>, fromW: number, fromH: number, toW: number, toH: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < toH; y++) {
    const fy = Math.min(fromH - 1, Math.max(0, ((y + 0.5) * fromH) / toH - 0.5));
    const [y0, wy] = [Math.floor(fy), fy - Math.floor(fy)];
    const y1 = Math.min(fromH - 1, y0 + 1);
    for (let x = 0; x < toW; x++) {
      const fx = Math.min(fromW - 1, Math.max(0, ((x + 0.5) * fromW) / toW - 0.5));
      const [x0, wx] = [Math.floor(fx), fx - Math.floor(fx)];
      const x1 = Math.min(fromW - 1, x0 + 1);
      const at = (yy: number, xx: number) => values[yy * fromW + xx];
      out.push((at(y0, x0) * (1 - wx) + at(y0, x1) * wx) * (1 - wy) + (at(y1, x0) * (1 - wx) + at(y1, x1) * wx) * wy);
    }
  }
  return out;
}

/** Min–max scaling to 0..1; a constant map gives zeros. */
export function minMax(values: ArrayLike<number>): number[] {
  const all = Array.from(values);
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  return all.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
}
