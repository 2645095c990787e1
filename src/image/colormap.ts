import { CamlabError } from '../errors';

export type ColormapName = 'jet' | 'viridis' | 'inferno' | 'turbo' | 'gray' | 'coolwarm';
export type Rgb = [number, number, number];

// Anchor colours (0..255) sampled evenly from each map; values between are interpolated linearly.
const ANCHORS: Record<ColormapName, Rgb[]> = {
  // MATLAB's jet, as in the CAM paper's figures: dark blue → cyan → yellow → dark red.
  jet: [
    [0, 0, 128],
    [0, 0, 255],
    [0, 128, 255],
    [0, 255, 255],
    [128, 255, 128],
    [255, 255, 0],
    [255, 128, 0],
    [255, 0, 0],
    [128, 0, 0],
  ],
  viridis: [
    [68, 1, 84],
    [72, 40, 120],
    [62, 74, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [109, 205, 89],
    [180, 222, 44],
    [253, 231, 37],
  ],
  inferno: [
    [0, 0, 4],
    [31, 12, 72],
    [85, 15, 109],
    [136, 34, 106],
    [186, 54, 85],
    [227, 89, 51],
    [249, 140, 10],
    [249, 201, 50],
    [252, 255, 164],
  ],
  turbo: [
    [48, 18, 59],
    [70, 107, 227],
    [40, 187, 236],
    [50, 241, 152],
    [164, 252, 60],
    [237, 208, 58],
    [251, 128, 34],
    [210, 49, 5],
    [122, 4, 3],
  ],
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  // Moreland's diverging map (blue, grey-white at the centre, red), for values centred on zero.
  coolwarm: [
    [59, 76, 192],
    [98, 130, 234],
    [141, 176, 254],
    [184, 208, 249],
    [221, 221, 221],
    [245, 196, 173],
    [244, 154, 123],
    [222, 96, 77],
    [180, 4, 38],
  ],
};

export const COLORMAPS = Object.keys(ANCHORS) as ColormapName[];

/** The colour of `value` (clamped to 0..1) in the named map. */
export function colorAt(name: ColormapName, value: number): Rgb {
  const anchors = colormapAnchors(name);
  const t = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const position = t * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(position));
  const f = position - i;
  const [a, b] = [anchors[i], anchors[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as Rgb;
}

/** The anchors of a map, for Plotly colour scales that must match the PNG. */
export function colormapAnchors(name: ColormapName): Rgb[] {
  const anchors = ANCHORS[name];
  if (!anchors) throw new CamlabError(`Unknown colormap '${name}'; use one of: ${COLORMAPS.join(', ')}.`);
  return anchors;
}
