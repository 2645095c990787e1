// How figures put maps on a colour scale: the one rule the grid, the explorer and a single map share.
// Maps that a reader compares (the classes of one image, made by one method at one layer) share one
// scale, so an improbable class's map is faint; negative evidence (against the class) is clipped to zero,
// as Grad-CAM's ReLU does, or drawn on a diverging scale centred on zero; never as heat.
import type { Heatmap } from '../image/heatmap';
import type { CamResult } from '../cam/types';

import type { NegativeEvidence } from '../choices';
export { NEGATIVE_EVIDENCE, type NegativeEvidence } from '../choices';

/** The colour map of the diverging scale: blue against the class, white at zero, red for it. */
export const DIVERGING_COLORMAP = 'coolwarm';

export interface ScaledMap {
  /** The raw map in percent of its scale's peak: 0..100, or -100..100 on the diverging scale. */
  percent: Heatmap;
  /** The value that is 100 % (the largest value, or magnitude, among the maps sharing the scale). */
  peak: number;
}

/**
 * The maps in percent of one peak per group: the largest value (clip) or magnitude (diverging) among
 * the group's maps. A group with no positive value (clip) stays all zero: there is no evidence to draw.
 */
export function scaleMaps(maps: Heatmap[], groups: string[], negative: NegativeEvidence): ScaledMap[] {
  const peaks = new Map<string, number>();
  maps.forEach((map, i) => {
    let peak = peaks.get(groups[i]) ?? 0;
    for (const v of map.data) peak = Math.max(peak, negative === 'clip' ? v : Math.abs(v));
    peaks.set(groups[i], peak);
  });
  return maps.map((map, i) => {
    const peak = peaks.get(groups[i]) ?? 0;
    const data = Float32Array.from(map.data, (v) => (peak > 0 ? (100 * (negative === 'clip' ? Math.max(0, v) : v)) / peak : 0));
    return { percent: { width: map.width, height: map.height, data }, peak };
  });
}

/** Results compared on one scale: the same image, method and layer (the classes of one image). */
export function scaleGroup(result: Pick<CamResult, 'imageIndex' | 'method' | 'layer'>): string {
  return `${result.imageIndex}\u0000${result.method ?? 'cam'}\u0000${result.layer}`;
}

/** The sentence under a figure that says how its maps were scaled. */
export function scaleCaption(maps: number, groups: number, negative: NegativeEvidence): string {
  const zero =
    negative === 'clip'
      ? 'Negative evidence (against the class) is clipped to 0.'
      : 'Blue: evidence against the class, red: for it; white is 0.';
  const hundred = negative === 'clip' ? '100%' : '±100%';
  if (maps === 1) return `${hundred} = the map's largest ${negative === 'clip' ? 'value' : 'magnitude'}. ${zero}`;
  if (groups === 1)
    return `One colour scale: ${hundred} = the largest ${negative === 'clip' ? 'value' : 'magnitude'} of these ${maps} maps. ${zero}`;
  return `One scale per method and layer (their units differ): ${hundred} = the largest value among its maps. ${zero}`;
}
