import { tf } from '../tf';
import { CamlabError } from '../errors';
import { colormapAnchors, type ColormapName } from '../image/colormap';
import { assertHeatmap, type Heatmap } from '../image/heatmap';
import { rgbaFromRgb } from '../image/encode';
import { assertImage3D } from '../image/validate';
import { checkOverlayOptions } from '../validate';
import type { Box } from '../localize/box';
import type { CamResult } from '../cam/types';
import { escapeText, type Annotation, type Axis, type Color, type Figure, type HeatmapTrace, type Layout, type Shape, type Trace } from './figure';

/** Heat map traces have at most this many cells a side (area-averaged), in the live plot and the PNG alike. */
const MAX_CELLS = 64;

export interface LabelledBox {
  box: Box;
  label: string;
  color?: Color;
  /** A dashed outline (default: the first box solid, the others dashed), e.g. for a true box drawn alone. */
  dash?: boolean;
}

export interface HeatmapFigureOptions {
  title?: string;
  colormap?: ColormapName;
  /** Opacity of the heat map over the image (default 0.5). */
  alpha?: number;
  boxes?: LabelledBox[];
  /** Size of the image panel in screen pixels (default 320). */
  size?: number;
}

/**
 * The image under a semi-transparent heat map, with a colour bar, hover values and optional boxes.
 *
 * @example await show(heatmapFigure(image, result.heatmap, { title: 'CAM of class 3', boxes: [{ box, label: 'CAM box' }] }));
 */
export function heatmapFigure(image: tf.Tensor3D, heatmap: Heatmap, options: HeatmapFigureOptions = {}): Figure {
  const size = options.size ?? 320;
  const panel = imagePanel(image, heatmap, '', options, true);
  const margin = { l: 50, r: 90, t: 60, b: 50 };
  const [height, width] = image.shape;
  const scale = size / Math.max(width, height);
  return {
    data: panel.traces,
    layout: {
      title: { text: options.title ?? 'Class activation map' },
      width: Math.round(width * scale) + margin.l + margin.r,
      height: Math.round(height * scale) + margin.t + margin.b,
      margin,
      xaxis: { ...panel.xaxis, title: { text: 'x (pixels)' } },
      yaxis: { ...panel.yaxis, title: { text: 'y (pixels)' } },
      shapes: panel.shapes,
      annotations: panel.annotations,
      showlegend: false,
      hovermode: 'closest',
    },
  };
}

export interface CamGridOptions {
  title?: string;
  /** One title per panel instead of "label (p = …)": to compare methods or layers. */
  panelTitles?: string[];
  /** Class names, indexed by class. */
  labels?: string[];
  columns?: number;
  colormap?: ColormapName;
  alpha?: number;
}

/**
 * Several maps side by side on one colour scale: the top-k classes of one image, or one map for each
 * image of a batch. Each panel is titled with its class label and probability.
 *
 * @example await show(camGridFigure(image, await classActivationMap(model, image, { topK: 3 }), { labels }));
 */
export function camGridFigure(images: tf.Tensor3D | tf.Tensor3D[], results: CamResult[], options: CamGridOptions = {}): Figure {
  if (results.length === 0) throw new CamlabError('camGridFigure needs at least one result.');
  const list = Array.isArray(images) ? images : [images];
  const panels = results.map((r, i) => {
    const image = list[Array.isArray(images) ? r.imageIndex : 0];
    if (!image) throw new CamlabError(`Result ${i} is for image ${r.imageIndex}, but ${list.length} image(s) were given.`);
    const label = options.labels?.[r.classIndex] ?? `class ${r.classIndex}`;
    return { image, heatmap: r.heatmap, title: options.panelTitles?.[i] ?? `${label} (p = ${r.score.toFixed(3)})` };
  });
  return gridFigure(panels, { title: options.title ?? 'Class activation maps', columns: options.columns ?? Math.min(4, panels.length), colormap: options.colormap, alpha: options.alpha });
}

export interface FeatureMapsOptions {
  /** Which channels to show (default the first 16). */
  channels?: number[];
  columns?: number;
  title?: string;
  colormap?: ColormapName;
}

/**
 * A grid of one layer's feature maps, each scaled to its own range: what the layer responds to, and where.
 * `activations` is [h, w, channels] or a batch of one.
 */
export function featureMapsFigure(activations: tf.Tensor3D | tf.Tensor4D, options: FeatureMapsOptions = {}): Figure {
  if (!(activations.rank === 3 || (activations.rank === 4 && activations.shape[0] === 1))) {
    throw new CamlabError(`featureMapsFigure takes activations [h, w, channels] or [1, h, w, channels], got [${activations.shape.join(', ')}].`);
  }
  const [h, w, c] = activations.shape.slice(-3);
  const channels = options.channels ?? [...Array(Math.min(16, c)).keys()];
  for (const k of channels) if (!Number.isInteger(k) || k < 0 || k >= c) throw new CamlabError(`Channel ${k} does not exist: the layer has channels 0 to ${c - 1}.`);
  const values = activations.dataSync();
  const panels = channels.map((k) => {
    const data = new Float32Array(h * w);
    for (let i = 0; i < h * w; i++) data[i] = values[i * c + k];
    return { heatmap: { width: w, height: h, data }, title: `channel ${k}` };
  });
  return gridFigure(panels, { title: options.title ?? `Feature maps (${h}×${w}, ${channels.length} of ${c} channels)`, columns: options.columns ?? 8, colormap: options.colormap ?? 'viridis', ownScale: true });
}

/** A bar chart of class probabilities, the top class highlighted. */
export function probabilitiesFigure(scores: ArrayLike<number>, labels?: string[], options: { title?: string } = {}): Figure {
  const values = Array.from(scores);
  if (values.length === 0) throw new CamlabError('probabilitiesFigure needs at least one score.');
  if (labels && labels.length !== values.length) throw new CamlabError(`${labels.length} labels for ${values.length} scores: give one label per class.`);
  const names = values.map((_, i) => labels?.[i] ?? String(i));
  const top = values.indexOf(Math.max(...values));
  return {
    data: [{
      type: 'bar',
      x: names,
      y: values,
      marker: { color: values.map((_, i) => (i === top ? SERIES_COLORS[1] : SERIES_COLORS[0])) },
      text: values.map((v) => v.toFixed(3)),
      textposition: 'outside',
      hovertemplate: 'class %{x}<br>probability %{y:.4f}<extra></extra>',
    }],
    layout: {
      title: { text: options.title ?? 'Class probabilities' },
      width: Math.max(360, 40 * values.length + 120),
      height: 320,
      margin: { l: 60, r: 20, t: 60, b: 60 },
      xaxis: { type: 'category', title: { text: 'class' } },
      yaxis: { range: [0, 1.1], title: { text: 'probability' }, tickformat: '.1f' },
      showlegend: false,
    },
  };
}

export interface Series {
  name: string;
  y: number[];
  dash?: boolean;
}

export const SERIES_COLORS: Color[] = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [148, 103, 189], [255, 127, 14]];

/**
 * Lines of values against a common x, with a legend: accuracy against threshold, for example.
 *
 * @example await show(curveFigure(thresholds, [{ name: 'GT-known', y: accuracy }], { title: '…', xTitle: 'threshold', yTitle: 'accuracy' }));
 */
export function curveFigure(x: number[], series: Series[], options: { title: string; xTitle: string; yTitle: string; yRange?: [number, number] }): Figure {
  for (const s of series) if (s.y.length !== x.length) throw new CamlabError(`Series '${s.name}' has ${s.y.length} values for ${x.length} x positions.`);
  const ys = series.flatMap((s) => s.y);
  return {
    data: series.map((s, i) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: s.name,
      x,
      y: s.y,
      line: { color: SERIES_COLORS[i % SERIES_COLORS.length], dash: s.dash ? 'dash' : 'solid' },
      hovertemplate: `${escapeText(s.name)}<br>%{x}: %{y:.3f}<extra></extra>`,
    })),
    layout: {
      title: { text: options.title },
      width: 560,
      height: 360,
      margin: { l: 60, r: 20, t: 60, b: 60 },
      xaxis: { range: [Math.min(...x), Math.max(...x)], title: { text: options.xTitle } },
      yaxis: { range: options.yRange ?? [Math.min(0, ...ys), Math.max(...ys) * 1.05], title: { text: options.yTitle } },
      showlegend: true,
      legend: { x: 1, y: 1, xanchor: 'right', yanchor: 'top' },
      hovermode: 'closest',
    },
  };
}

interface GridPanel {
  image?: tf.Tensor3D;
  heatmap: Heatmap;
  title: string;
}

function gridFigure(panels: GridPanel[], options: { title: string; columns: number; colormap?: ColormapName; alpha?: number; ownScale?: boolean }): Figure {
  const columns = Math.max(1, Math.min(options.columns, panels.length));
  const rows = Math.ceil(panels.length / columns);
  const cell = options.ownScale ? 110 : 210;
  const margin = { l: 30, r: options.ownScale ? 30 : 90, t: 70, b: 20 };
  const gap = 0.04;
  const width = columns * cell + margin.l + margin.r;
  const height = rows * (cell + 24) + margin.t + margin.b;
  const data: Trace[] = [];
  const layout: Layout = { title: { text: options.title }, width, height, margin, shapes: [], annotations: [], showlegend: false, hovermode: 'closest' };
  panels.forEach((p, i) => {
    const [row, col] = [Math.floor(i / columns), i % columns];
    const suffix = i === 0 ? '' : String(i + 1);
    const x: [number, number] = [col / columns + gap / 2, (col + 1) / columns - gap / 2];
    const y: [number, number] = [1 - (row + 1) / rows + gap, 1 - row / rows - gap];
    const panel = p.image
      ? imagePanel(p.image, p.heatmap, suffix, { colormap: options.colormap, alpha: options.alpha }, i === 0)
      : mapPanel(p.heatmap, suffix, options.colormap ?? 'viridis');
    data.push(...panel.traces);
    layout[`xaxis${suffix}`] = { ...panel.xaxis, domain: x, anchor: `y${suffix}` };
    layout[`yaxis${suffix}`] = { ...panel.yaxis, domain: y, anchor: `x${suffix}` };
    layout.annotations!.push({ text: p.title, x: (x[0] + x[1]) / 2, y: y[1], xref: 'paper', yref: 'paper', showarrow: false, xanchor: 'center', yanchor: 'bottom', font: { size: 12 } });
  });
  return { data, layout };
}

export interface Panel {
  traces: Trace[];
  xaxis: Axis;
  yaxis: Axis;
  shapes: Shape[];
  annotations: Annotation[];
}

/** Image trace + heat map trace on one pair of axes, in image pixel coordinates (y down). */
function imagePanel(image: tf.Tensor3D, heatmap: Heatmap, suffix: string, options: HeatmapFigureOptions, showScale: boolean): Panel {
  assertImage3D(image);
  assertHeatmap(heatmap);
  checkOverlayOptions(options, 'the figure', true);
  const [height, width] = image.shape;
  const alpha = options.alpha ?? 0.5;
  const pixels = { width, height, rgba: rgbaFromRgb(image.dataSync(), width, height) };
  const heat = heatTrace(heatmap, width, height, options.colormap ?? 'jet', alpha, suffix, showScale);
  const shapes: Shape[] = [];
  const annotations: Annotation[] = [];
  for (const [i, { box, label, color, dash }] of (options.boxes ?? []).entries()) {
    const stroke = color ?? BOX_COLORS[i % BOX_COLORS.length];
    shapes.push({ type: 'rect', xref: `x${suffix}`, yref: `y${suffix}`, x0: box.x - 0.5, y0: box.y - 0.5, x1: box.x + box.width - 0.5, y1: box.y + box.height - 0.5, line: { color: stroke, width: 2, dash: (dash ?? i > 0) ? 'dash' : 'solid' }, name: label });
    // Labels alternate above and below their boxes so that two boxes with close corners stay readable.
    const above = i % 2 === 0;
    annotations.push({ text: label, x: box.x - 0.5, y: above ? box.y - 0.5 : box.y + box.height - 0.5, xref: `x${suffix}`, yref: `y${suffix}`, showarrow: false, xanchor: 'left', yanchor: above ? 'bottom' : 'top', font: { size: 11, color: stroke }, bgcolor: [255, 255, 255, 0.7] });
  }
  return {
    traces: [{ type: 'image', pixels, x0: 0, y0: 0, dx: 1, dy: 1, hoverinfo: 'skip', xaxis: `x${suffix}`, yaxis: `y${suffix}` }, heat],
    xaxis: pixelAxis([-0.5, width - 0.5]),
    yaxis: { ...pixelAxis([height - 0.5, -0.5]), scaleanchor: `x${suffix}` },
    shapes,
    annotations,
  };
}

function mapPanel(map: Heatmap, suffix: string, colormap: ColormapName): Panel {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of map.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const heat = heatTrace(map, map.width, map.height, colormap, 1, suffix, false, [lo, hi > lo ? hi : lo + 1]);
  return {
    traces: [heat],
    xaxis: { ...pixelAxis([-0.5, map.width - 0.5]), showticklabels: false },
    yaxis: { ...pixelAxis([map.height - 0.5, -0.5]), scaleanchor: `x${suffix}`, showticklabels: false },
    shapes: [],
    annotations: [],
  };
}

export function pixelAxis(range: [number, number]): Axis {
  return { range, showgrid: false, zeroline: false, constrain: 'domain', ticks: 'outside' };
}

const BOX_COLORS: Color[] = [[0, 230, 118], [255, 255, 255], [255, 23, 68], [41, 121, 255]];

/** A heat map trace over a width × height image, at most MAX_CELLS cells a side (area-averaged). */
export function heatTrace(map: Heatmap, width: number, height: number, colormap: ColormapName, opacity: number, suffix: string, showScale: boolean, zRange: [number, number] = [0, 1]): HeatmapTrace {
  const step = Math.max(1, Math.ceil(Math.max(map.width, map.height) / MAX_CELLS));
  const cols = Math.ceil(map.width / step);
  const rows = Math.ceil(map.height / step);
  const z: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < cols; c++) {
      let [sum, n] = [0, 0];
      for (let y = r * step; y < Math.min(map.height, (r + 1) * step); y++) {
        for (let x = c * step; x < Math.min(map.width, (c + 1) * step); x++) {
          sum += map.data[y * map.width + x];
          n++;
        }
      }
      row.push(Math.round((sum / n) * 1000) / 1000);
    }
    z.push(row);
  }
  const dx = width / cols;
  const dy = height / rows;
  const anchors = colormapAnchors(colormap);
  return {
    type: 'heatmap',
    z,
    x0: (dx - 1) / 2,
    dx,
    y0: (dy - 1) / 2,
    dy,
    zmin: zRange[0],
    zmax: zRange[1],
    colorscale: anchors.map((rgb, i) => [i / (anchors.length - 1), rgb]),
    opacity,
    showscale: showScale,
    ...(showScale ? { colorbar: { title: { text: 'activation' }, thickness: 14, len: 0.9 } } : {}),
    hovertemplate: 'x %{x:.0f}, y %{y:.0f}<br>activation %{z:.3f}<extra></extra>',
    xaxis: `x${suffix}`,
    yaxis: `y${suffix}`,
  };
}

