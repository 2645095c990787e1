// Pictures of the computation itself, for teaching: what global average pooling does to a layer's maps
// (gapFigure), a class activation map as the weighted sum of feature maps that the CAM paper's Figure 2
// draws (camSumFigure), and one map at each stage, from the input to the overlay (camStagesFigure).
// Plain figures like the others: show(), figurePng and the live plot draw them.
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { assertHeatmap, type Heatmap } from '../image/heatmap';
import { resizeHeatmap } from '../image/resize';
import { rgbaFromRgb } from '../image/encode';
import { assertImage3D } from '../image/validate';
import type { ColormapName } from '../image/colormap';
import type { CamResult } from '../cam/types';
import { checkDiagramOptions } from '../validate';
import { displayable } from '../display';
import { heatTrace, panelTitle, pixelAxis, SERIES_COLORS, type Panel } from './figures';
import { DIVERGING_COLORMAP } from './scale';
import type { Figure, HeatmapTrace, Layout } from './figure';

export interface GapFigureOptions {
  /** The channels drawn as maps (default: the `count` with the largest means). */
  channels?: number[];
  /** How many maps to draw when `channels` is not given (default 6). */
  count?: number;
  title?: string;
}

/**
 * Global average pooling drawn: a few of a layer's h × w feature maps on one colour scale, each titled with
 * its mean, and below them the vector of all d means that GAP hands to the classifier, the drawn ones marked.
 * `activations` is [h, w, d] or a batch of one.
 *
 * @example await show(gapFigure(await layerActivations(model, image, 'features')));
 */
export function gapFigure(activations: tf.Tensor3D | tf.Tensor4D, options: GapFigureOptions = {}): Figure {
  checkDiagramOptions('gapFigure', options, ['channels', 'count', 'title']);
  const { maps, h, w, d } = channelMaps(activations, 'gapFigure');
  const means = maps.map((m) => mean(m.data));
  const channels = options.channels ?? largestFirst(means).slice(0, options.count ?? 6);
  checkChannels(channels, d);
  const range = sharedRange(
    channels.map((k) => maps[k].data),
    true,
  );
  const cells: Cell[] = channels.map((k, i) => ({
    title: `f${k}: mean ${format(means[k])}`,
    panel: mapPanel(maps[k], 'viridis', range, i === 0 ? 'activation' : undefined),
  }));
  const shown = new Set(channels);
  const bars: Panel = {
    traces: [
      {
        type: 'bar',
        x: means.map((_, k) => String(k)),
        y: means,
        marker: { color: means.map((_, k) => (shown.has(k) ? SERIES_COLORS[1] : SERIES_COLORS[0])) },
        hovertemplate: 'channel %{x}<br>mean %{y:.3f}<extra></extra>',
      },
    ],
    xaxis: { type: 'category', title: { text: 'channel k' } },
    yaxis: { range: [Math.min(0, ...means), Math.max(...means, 0) * 1.1 || 1], title: { text: 'mean of f_k' } },
    shapes: [],
    annotations: [],
  };
  const figure = gridFigure(
    [
      { height: 170, cells },
      { height: 210, cells: [{ title: `GAP: the ${d} means`, panel: bars, span: true }] },
    ],
    {
      title: options.title ?? `Global average pooling: ${d} maps of ${h}×${w} become ${d} numbers`,
      columns: Math.max(channels.length, 4),
      cell: 120,
    },
  );
  placeColorbar(figure, 0);
  return figure;
}

export interface CamSumFigureOptions {
  /** How many of the largest terms w_k · f_k to draw (default 4). */
  count?: number;
  title?: string;
  colormap?: ColormapName;
}

/**
 * The class activation map as the CAM paper's Figure 2 draws it: the feature maps f_k that contribute most
 * to the class (largest w_k · mean(f_k)), each titled with its weight w_k, and their weighted sum over all
 * d channels, Σ_k w_k f_k, at the feature maps' own resolution, on a diverging scale centred on zero (blue:
 * evidence against the class). `weights` are the classifier's column for the class (one per channel).
 *
 * @example await show(camSumFigure(features, kernelColumn, { title: 'CAM of "4"' }));
 */
export function camSumFigure(
  activations: tf.Tensor3D | tf.Tensor4D,
  weights: ArrayLike<number>,
  options: CamSumFigureOptions = {},
): Figure {
  checkDiagramOptions('camSumFigure', options, ['count', 'title', 'colormap']);
  const { maps, h, w, d } = channelMaps(activations, 'camSumFigure');
  if (weights.length !== d) throw new CamlabError(`camSumFigure needs one weight per channel: ${d} channels, ${weights.length} weights.`);
  for (let k = 0; k < d; k++)
    if (!Number.isFinite(weights[k])) throw new CamlabError(`Weight ${k} is ${weights[k]}; every weight must be a finite number.`);
  const sum = new Float32Array(h * w);
  maps.forEach((m, k) => m.data.forEach((v, i) => (sum[i] += weights[k] * v)));
  const terms = largestFirst(maps.map((m, k) => weights[k] * mean(m.data))).slice(0, Math.min(d, options.count ?? 4));
  const range = sharedRange(
    terms.map((k) => maps[k].data),
    true,
  );
  const cells: Cell[] = terms.map((k) => ({
    title: `${weights[k] < 0 ? '−' : '+'}${format(Math.abs(weights[k]))} × f${k}`,
    panel: mapPanel(maps[k], 'viridis', range),
  }));
  const map = { width: w, height: h, data: sum };
  cells.push({
    title: `= Σ over all ${d} maps`,
    panel: mapPanel(map, options.colormap ?? DIVERGING_COLORMAP, symmetricRange(sum), 'Σ w_k f_k'),
  });
  return gridFigure([{ height: 170, cells }], {
    title: options.title ?? `The class activation map: ${d} feature maps, weighted and summed`,
    columns: cells.length,
    cell: 120,
  });
}

export interface CamStagesFigureOptions {
  title?: string;
  colormap?: ColormapName;
}

/**
 * One map at each stage, side by side on one colour scale in the map's own units, centred on zero (blue:
 * evidence against the class, red: for it): the input alone, the coarse map at the feature layer's
 * resolution (the result's `raw`), and the same map upsampled over the input.
 *
 * @example await show(camStagesFigure(image, (await classActivationMap(model, image))[0]));
 */
export function camStagesFigure(image: tf.Tensor3D, result: CamResult, options: CamStagesFigureOptions = {}): Figure {
  checkDiagramOptions('camStagesFigure', options, ['title', 'colormap']);
  assertImage3D(image);
  assertHeatmap(result?.raw, "The result's raw map");
  const [height, width] = image.shape;
  const { raw } = result;
  const colormap = options.colormap ?? DIVERGING_COLORMAP;
  const range = symmetricRange(raw.data);
  const input = imageOnlyPanel(image);
  const over = imageOnlyPanel(image);
  over.traces.push({
    ...heatTrace(resizeHeatmap(raw, width, height), width, height, colormap, 0.5, '', false, range),
    hovertemplate: 'x %{x:.0f}, y %{y:.0f}<br>map %{z:.3f}<extra></extra>',
  });
  return gridFigure(
    [
      {
        height: 250,
        cells: [
          { title: `the input (${width}×${height})`, panel: input },
          { title: `the map (${raw.width}×${raw.height})`, panel: mapPanel(raw, colormap, range, 'map value') },
          { title: 'upsampled, over the input', panel: over },
        ],
      },
    ],
    { title: options.title ?? 'From the input to the class activation map', columns: 3, cell: 210 },
  );
}

interface Cell {
  title: string;
  panel: Panel;
  /** The cell takes its row's whole width. */
  span?: boolean;
}

interface Row {
  /** Height in pixels, the panel's title included. */
  height: number;
  cells: Cell[];
}

/** Above each panel its title, below it its tick labels. */
const [TITLE_SPACE, TICK_SPACE] = [24, 20];

/** Rows of titled panels; each cell is `cell` pixels wide, a spanning cell the whole width. */
function gridFigure(rows: Row[], options: { title: string; columns: number; cell: number }): Figure {
  const margin = { l: 40, r: 90, t: 70, b: 40 };
  const innerH = rows.reduce((s, r) => s + r.height, 0);
  const layout: Layout = {
    title: { text: options.title },
    width: options.columns * options.cell + margin.l + margin.r,
    height: innerH + margin.t + margin.b,
    margin,
    shapes: [],
    annotations: [],
    showlegend: false,
    hovermode: 'closest',
  };
  const figure: Figure = displayable<Figure>({ data: [], layout }, 'figure');
  const gap = 0.16 / options.columns;
  let top = 0;
  let index = 0;
  for (const row of rows) {
    row.cells.forEach((cell, j) => {
      const suffix = index === 0 ? '' : String(index + 1);
      const x: [number, number] = cell.span ? [gap / 2, 1 - gap / 2] : [j / options.columns + gap / 2, (j + 1) / options.columns - gap / 2];
      const y: [number, number] = [1 - (top + row.height - TICK_SPACE) / innerH, 1 - (top + TITLE_SPACE) / innerH];
      for (const trace of cell.panel.traces) figure.data.push({ ...trace, xaxis: `x${suffix}`, yaxis: `y${suffix}` });
      const yaxis = cell.panel.yaxis.scaleanchor ? { ...cell.panel.yaxis, scaleanchor: `x${suffix}` } : cell.panel.yaxis;
      layout[`xaxis${suffix}`] = { ...cell.panel.xaxis, domain: x, anchor: `y${suffix}` };
      layout[`yaxis${suffix}`] = { ...yaxis, domain: y, anchor: `x${suffix}` };
      layout.annotations?.push(panelTitle(cell.title, x, y));
      index++;
    });
    top += row.height;
  }
  return figure;
}

/** Puts the figure's colour bar beside the row of panel `index` (Plotly would centre it on the whole figure). */
function placeColorbar(figure: Figure, index: number): void {
  const [y0, y1] = figure.layout[`yaxis${index === 0 ? '' : index + 1}`]?.domain ?? [0, 1];
  for (const trace of figure.data) {
    if (trace.type === 'heatmap' && trace.showscale)
      trace.colorbar = { ...trace.colorbar, y: (y0 + y1) / 2, len: y1 - y0, yanchor: 'middle' };
  }
}

/** A map on its own axes, in its own cells, on the colour range given (a colour bar titled `scale`, if given). */
function mapPanel(map: Heatmap, colormap: ColormapName, range: [number, number], scale?: string): Panel {
  const trace: HeatmapTrace = {
    ...heatTrace(map, map.width, map.height, colormap, 1, '', scale !== undefined, range),
    hovertemplate: 'x %{x:.0f}, y %{y:.0f}<br>value %{z:.3f}<extra></extra>',
  };
  if (scale !== undefined) trace.colorbar = { ...trace.colorbar, title: { text: scale } };
  return {
    traces: [trace],
    xaxis: pixelAxis([-0.5, map.width - 0.5]),
    yaxis: { ...pixelAxis([map.height - 0.5, -0.5]), scaleanchor: 'x' },
    shapes: [],
    annotations: [],
  };
}

function imageOnlyPanel(image: tf.Tensor3D): Panel {
  const [height, width] = image.shape;
  return {
    traces: [
      {
        type: 'image',
        pixels: { width, height, rgba: rgbaFromRgb(image.dataSync(), width, height) },
        x0: 0,
        y0: 0,
        dx: 1,
        dy: 1,
        hoverinfo: 'skip',
      },
    ],
    xaxis: pixelAxis([-0.5, width - 0.5]),
    yaxis: { ...pixelAxis([height - 0.5, -0.5]), scaleanchor: 'x' },
    shapes: [],
    annotations: [],
  };
}

/** Each channel of [h, w, d] (or [1, h, w, d]) activations as its own map. */
function channelMaps(activations: tf.Tensor3D | tf.Tensor4D, entry: string): { maps: Heatmap[]; h: number; w: number; d: number } {
  if (!(activations instanceof tf.Tensor) || !(activations.rank === 3 || (activations.rank === 4 && activations.shape[0] === 1))) {
    const shape = activations instanceof tf.Tensor ? `[${activations.shape.join(', ')}]` : typeof activations;
    throw new CamlabError(`${entry} takes a layer's activations [h, w, channels] or [1, h, w, channels], got ${shape}.`);
  }
  const [h, w, d] = activations.shape.slice(-3);
  const values = activations.dataSync();
  const maps = Array.from({ length: d }, () => ({ width: w, height: h, data: new Float32Array(h * w) }));
  for (let i = 0; i < h * w; i++) for (let k = 0; k < d; k++) maps[k].data[i] = values[i * d + k];
  for (const m of maps) assertHeatmap(m, `The activations of ${entry}`);
  return { maps, h, w, d };
}

function checkChannels(channels: number[], d: number): void {
  for (const k of channels) if (k >= d) throw new CamlabError(`Channel ${k} does not exist: the layer has channels 0 to ${d - 1}.`);
}

function mean(data: Float32Array): number {
  let sum = 0;
  for (const v of data) sum += v;
  return sum / data.length;
}

/** Indices sorted by value, largest first (ties: lower index first). */
function largestFirst(values: number[]): number[] {
  return values
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .map(([, i]) => i);
}

/** One colour range for several maps: their minimum (or 0, for maps drawn from zero) to their maximum. */
function sharedRange(maps: Float32Array[], fromZero: boolean): [number, number] {
  let [lo, hi] = [fromZero ? 0 : Infinity, -Infinity];
  for (const m of maps) for (const v of m) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** A range centred on zero that holds every value: the diverging scale, evidence against the class in blue. */
function symmetricRange(values: Float32Array): [number, number] {
  let peak = 0;
  for (const v of values) peak = Math.max(peak, Math.abs(v));
  return peak > 0 ? [-peak, peak] : [-1, 1];
}

/** A number as a title shows it: three significant digits. */
function format(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3);
}
