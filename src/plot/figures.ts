import { tf } from '../tf';
import { CamlabError } from '../errors';
import { colormapAnchors, type ColormapName } from '../image/colormap';
import { assertHeatmap, type Heatmap } from '../image/heatmap';
import { rgbaFromRgb } from '../image/encode';
import { assertImage3D } from '../image/validate';
import { checkOneOf, checkOptionNames, checkOverlayOptions } from '../validate';
import { displayable } from '../display';
import type { Box } from '../localize/box';
import type { CamResult } from '../cam/types';
import type { Region } from '../image/place';
import type { SanityReport } from '../metrics/sanity';
import {
  escapeText,
  wrapText,
  type Annotation,
  type Axis,
  type Color,
  type Figure,
  type HeatmapTrace,
  type Layout,
  type Shape,
  type Trace,
} from './figure';
import { DIVERGING_COLORMAP, NEGATIVE_EVIDENCE, scaleCaption, scaleGroup, scaleMaps, type NegativeEvidence } from './scale';

/** Heat map traces have at most this many cells a side (area-averaged), in the live plot and the PNG alike. */
const MAX_CELLS = 64;
/** Characters a caption line holds: it fits a 360-px phone at 12 px (Plotly does not wrap annotations). */
const CAPTION_LINE = 44;

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
  /** Given a result: clip values below zero (default) or draw them on a diverging scale centred on zero. */
  negative?: NegativeEvidence;
}

const HEATMAP_OPTIONS: Record<keyof HeatmapFigureOptions, true> = {
  title: true,
  colormap: true,
  alpha: true,
  boxes: true,
  size: true,
  negative: true,
};

/**
 * The image under a semi-transparent heat map, with a colour bar, hover values and optional boxes.
 * Given a result, the figure draws its raw map in percent of the map's largest value, negative evidence
 * clipped (or, with `negative: 'diverging'`, blue below zero); given a heat map, its values 0..1 as they are.
 *
 * @example await show(heatmapFigure(image, result, { title: 'CAM of class 3', boxes: [{ box, label: 'CAM box' }] }));
 */
export function heatmapFigure(image: tf.Tensor3D, map: Heatmap | CamResult, options: HeatmapFigureOptions = {}): Figure {
  checkOptionNames('heatmapFigure', options, Object.keys(HEATMAP_OPTIONS));
  const size = options.size ?? 320;
  const result = 'raw' in map ? map : undefined;
  const shown = result ? scaledMaps([result], options.negative)[0] : { map: map as Heatmap, region: undefined, scale: SHOWN_AS_GIVEN };
  const panel = imagePanel(image, shown.map, '', options, shown.scale, shown.region);
  const caption = result ? scaleCaption(1, 1, options.negative ?? 'clip') : undefined;
  const lines = caption ? wrapText(caption, CAPTION_LINE) : [];
  const margin = { l: 50, r: 90, t: 60, b: 60 + 18 * lines.length };
  const [height, width] = image.shape;
  const scale = size / Math.max(width, height);
  return displayable<Figure>(
    {
      data: panel.traces,
      layout: {
        title: { text: options.title ?? 'Class activation map' },
        width: Math.round(width * scale) + margin.l + margin.r,
        height: Math.round(height * scale) + margin.t + margin.b,
        margin,
        xaxis: { ...panel.xaxis, title: { text: 'x (pixels)' } },
        yaxis: { ...panel.yaxis, title: { text: 'y (pixels)' } },
        shapes: panel.shapes,
        annotations: [...panel.annotations, ...(caption ? [captionNote(lines, 50)] : [])],
        showlegend: false,
        hovermode: 'closest',
      },
    },
    'figure',
  );
}

/** How a heat map trace reads its values: the colour scale's range, its colours, and the unit shown. */
interface ZScale {
  range: [number, number];
  colormap?: ColormapName;
  /** The colour bar's title. */
  unit: string;
  /** The hover line after the coordinates, Plotly's template for z. */
  hover: string;
}

/** A heat map drawn as given: its values are 0..1. */
const SHOWN_AS_GIVEN: ZScale = { range: [0, 1], unit: 'activation', hover: 'activation %{z:.3f}' };

function percentScale(negative: NegativeEvidence): ZScale {
  return negative === 'clip'
    ? { range: [0, 100], unit: '% of max', hover: '%{z:.0f}% of the largest value' }
    : { range: [-100, 100], colormap: DIVERGING_COLORMAP, unit: '% of max |value|', hover: '%{z:.0f}% of the largest magnitude' };
}

/** Results' raw maps on plot/scale.ts's scales: one per image × method × layer. */
function scaledMaps(results: CamResult[], negative: NegativeEvidence = 'clip'): { map: Heatmap; region: Region; scale: ZScale }[] {
  checkOneOf('negative', negative, NEGATIVE_EVIDENCE);
  const scaled = scaleMaps(
    results.map((r) => r.raw),
    results.map(scaleGroup),
    negative,
  );
  return scaled.map((s, i) => ({ map: s.percent, region: results[i].region, scale: percentScale(negative) }));
}

/** A note under the plot, from its left edge, `shift` pixels below the plot's bottom. */
function captionNote(lines: string[], shift: number): Annotation {
  return {
    text: lines.join('\n'),
    x: 0,
    y: 0,
    yshift: -shift,
    xref: 'paper',
    yref: 'paper',
    showarrow: false,
    xanchor: 'left',
    yanchor: 'top',
    align: 'left',
    font: { size: 12, color: [68, 68, 68] },
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
  /** Values below zero (evidence against the class): 'clip'ped to 0 (default) or shown on a 'diverging' scale. */
  negative?: NegativeEvidence;
}

const CAM_GRID_OPTIONS: Record<keyof CamGridOptions, true> = {
  title: true,
  panelTitles: true,
  labels: true,
  columns: true,
  colormap: true,
  alpha: true,
  negative: true,
};

/**
 * The most panels a grid figure draws. A grid of 100 was seen with empty panels from about the 48th on
 * (live and PNG) and 24 MB of output; a grid of more than this is refused, to be drawn as several figures.
 */
export const MAX_GRID_PANELS = 32;

/**
 * Several maps side by side: the top-k classes of one image, or one map for each image of a batch. Maps
 * of one image by one method at one layer share one colour scale (100 % = their largest value), so an
 * improbable class's map is faint; negative evidence is clipped to zero unless `negative: 'diverging'`.
 * Each panel is titled with its class label and probability; a caption says how the maps were scaled.
 *
 * @example await show(camGridFigure(image, await classActivationMap(model, image, { topK: 3 }), { labels }));
 */
export function camGridFigure(images: tf.Tensor3D | tf.Tensor3D[], results: CamResult[], options: CamGridOptions = {}): Figure {
  checkOptionNames('camGridFigure', options, Object.keys(CAM_GRID_OPTIONS));
  checkPanelCount('camGridFigure', results.length, 'results', 'results.slice(0, 32), results.slice(32, 64), …');
  if (results.length === 0) throw new CamlabError('camGridFigure needs at least one result.');
  const list = Array.isArray(images) ? images : [images];
  const negative = options.negative ?? 'clip';
  const scaled = scaledMaps(results, negative);
  const panels = results.map((r, i) => {
    const image = list[Array.isArray(images) ? r.imageIndex : 0];
    if (!image) throw new CamlabError(`Result ${i} is for image ${r.imageIndex}, but ${list.length} image(s) were given.`);
    const label = options.labels?.[r.classIndex] ?? `class ${r.classIndex}`;
    return {
      image,
      heatmap: scaled[i].map,
      region: scaled[i].region,
      title: options.panelTitles?.[i] ?? `${label} (p = ${r.score.toFixed(3)})`,
    };
  });
  const caption = scaleCaption(results.length, new Set(results.map(scaleGroup)).size, negative);
  return gridFigure(panels, {
    title: options.title ?? 'Class activation maps',
    columns: options.columns ?? Math.min(4, panels.length),
    colormap: options.colormap,
    alpha: options.alpha,
    scale: scaled[0].scale,
    caption,
  });
}

/**
 * The sanity check drawn (Adebayo et al. 2018, their Figure 2): one row per report (a method or a
 * baseline), the original map and then the map after each randomisation step, each titled with the
 * layer randomised and the rank correlation with the original ('corr': plain ASCII, which the PNG's
 * fonts draw too). All panels share one colour scale.
 *
 * @example await show(sanityFigure(image, [await sanityCheck(model, image, methodMaker('gradcam'))]));
 */
export function sanityFigure(
  image: tf.Tensor3D,
  reports: SanityReport[],
  options: { title?: string; colormap?: ColormapName; alpha?: number } = {},
): Figure {
  checkOptionNames('sanityFigure', options, ['title', 'colormap', 'alpha']);
  if (reports.length === 0) throw new CamlabError('sanityFigure needs at least one sanity report.');
  const columns = reports[0].steps.length + 1;
  if (reports.some((r) => r.steps.length + 1 !== columns))
    throw new CamlabError('sanityFigure draws reports of the same randomisation steps (the same model and layers), one per row.');
  const panels: GridPanel[] = reports.flatMap((r) => [
    { image, heatmap: r.original, title: `${r.map}${r.flagged ? ' (FLAGGED)' : ''}: trained` },
    ...r.steps.map((s) => ({
      image,
      heatmap: s.heatmap,
      title: `${r.mode === 'cascading' ? 'to ' : 'only '}${s.layer}: corr ${s.rankCorrelation.toFixed(2)}`,
    })),
  ]);
  const mode = reports[0].mode;
  return gridFigure(panels, {
    title: options.title ?? `Maps as the weights are randomised (${mode}, top layer first); corr: rank correlation with the trained map`,
    columns,
    colormap: options.colormap,
    alpha: options.alpha,
  });
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
  checkOptionNames('featureMapsFigure', options, ['channels', 'columns', 'title', 'colormap'] satisfies (keyof FeatureMapsOptions)[]);
  if (options.channels)
    checkPanelCount('featureMapsFigure', options.channels.length, 'channels', 'channels: [0, …, 31], then [32, …, 63], …');
  if (!(activations.rank === 3 || (activations.rank === 4 && activations.shape[0] === 1))) {
    throw new CamlabError(
      `featureMapsFigure takes activations [h, w, channels] or [1, h, w, channels], got [${activations.shape.join(', ')}].`,
    );
  }
  const [h, w, c] = activations.shape.slice(-3);
  const channels = options.channels ?? [...Array(Math.min(16, c)).keys()];
  for (const k of channels)
    if (!Number.isInteger(k) || k < 0 || k >= c)
      throw new CamlabError(`Channel ${k} does not exist: the layer has channels 0 to ${c - 1}.`);
  const values = activations.dataSync();
  const panels = channels.map((k) => {
    const data = new Float32Array(h * w);
    for (let i = 0; i < h * w; i++) data[i] = values[i * c + k];
    return { heatmap: { width: w, height: h, data }, title: `channel ${k}` };
  });
  return gridFigure(panels, {
    title: options.title ?? `Feature maps (${h}×${w}, ${channels.length} of ${c} channels)`,
    columns: options.columns ?? 8,
    colormap: options.colormap ?? 'viridis',
    ownScale: true,
  });
}

/** A bar chart of class probabilities, the top class highlighted. */
export function probabilitiesFigure(scores: ArrayLike<number>, labels?: string[], options: { title?: string } = {}): Figure {
  checkOptionNames('probabilitiesFigure', options, ['title']);
  const values = Array.from(scores);
  if (values.length === 0) throw new CamlabError('probabilitiesFigure needs at least one score.');
  if (labels && labels.length !== values.length)
    throw new CamlabError(`${labels.length} labels for ${values.length} scores: give one label per class.`);
  const names = values.map((_, i) => labels?.[i] ?? String(i));
  const top = values.indexOf(Math.max(...values));
  return displayable<Figure>(
    {
      data: [
        {
          type: 'bar',
          x: names,
          y: values,
          marker: { color: values.map((_, i) => (i === top ? SERIES_COLORS[1] : SERIES_COLORS[0])) },
          text: values.map((v) => v.toFixed(3)),
          textposition: 'outside',
          hovertemplate: 'class %{x}<br>probability %{y:.4f}<extra></extra>',
        },
      ],
      layout: {
        title: { text: options.title ?? 'Class probabilities' },
        width: Math.max(360, 40 * values.length + 120),
        height: 320,
        margin: { l: 60, r: 20, t: 60, b: 60 },
        xaxis: { type: 'category', title: { text: 'class' } },
        yaxis: { range: [0, 1.1], title: { text: 'probability' }, tickformat: '.1f' },
        showlegend: false,
      },
    },
    'figure',
  );
}

export interface Series {
  name: string;
  y: number[];
  dash?: boolean;
}

export const SERIES_COLORS: Color[] = [
  [31, 119, 180],
  [214, 39, 40],
  [44, 160, 44],
  [148, 103, 189],
  [255, 127, 14],
];

/**
 * Lines of values against a common x, with a legend: accuracy against threshold, for example.
 *
 * @example await show(curveFigure(thresholds, [{ name: 'GT-known', y: accuracy }], { title: '…', xTitle: 'threshold', yTitle: 'accuracy' }));
 */
export function curveFigure(
  x: number[],
  series: Series[],
  options: {
    title: string;
    xTitle: string;
    yTitle: string;
    yRange?: [number, number];
    legend?: LegendPlace;
    /** Dashed vertical lines at chosen x values, each labelled at its top: a threshold in use, for example. */
    marks?: { x: number; label: string }[];
  },
): Figure {
  checkOptionNames('curveFigure', options, ['title', 'xTitle', 'yTitle', 'yRange', 'legend', 'marks']);
  for (const s of series)
    if (s.y.length !== x.length) throw new CamlabError(`Series '${s.name}' has ${s.y.length} values for ${x.length} x positions.`);
  const [xMin, xMax] = [Math.min(...x), Math.max(...x)];
  for (const mark of options.marks ?? [])
    if (!(Number.isFinite(mark.x) && mark.x >= xMin && mark.x <= xMax))
      throw new CamlabError(`The mark '${mark.label}' at x = ${mark.x} is outside the curves' x range ${xMin}..${xMax}.`);
  const ys = series.flatMap((s) => s.y);
  const yRange = options.yRange ?? [Math.min(0, ...ys), Math.max(...ys) * 1.05];
  const marks = options.marks ?? [];
  return displayable<Figure>(
    {
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
        xaxis: { range: [xMin, xMax], title: { text: options.xTitle } },
        yaxis: { range: yRange, title: { text: options.yTitle } },
        // A rectangle of no width is a vertical line, in Plotly and in the PNG alike.
        shapes: marks.map((mark) => ({
          type: 'rect',
          xref: 'x',
          yref: 'y',
          x0: mark.x,
          x1: mark.x,
          y0: yRange[0],
          y1: yRange[1],
          line: { color: MARK_COLOR, width: 1, dash: 'dash' },
          name: mark.label,
        })),
        // Neighbouring labels never meet: from left to right they sit before, then after, their lines,
        // a row lower every second pair.
        annotations: [...marks]
          .sort((a, b) => a.x - b.x)
          .map((mark, i) => ({
            text: i % 2 === 0 ? `${mark.label} ` : ` ${mark.label}`,
            x: mark.x,
            y: yRange[1],
            yshift: -16 * Math.floor(i / 2),
            xref: 'x',
            yref: 'y',
            showarrow: false,
            xanchor: i % 2 === 0 ? 'right' : 'left',
            yanchor: 'top',
            font: { size: 12, color: MARK_COLOR },
          })),
        showlegend: true,
        legend: {
          x: 1,
          y: LEGEND_Y[options.legend ?? 'upper right'],
          xanchor: 'right',
          yanchor: LEGEND_ANCHOR[options.legend ?? 'upper right'],
        },
        hovermode: 'closest',
      },
    },
    'figure',
  );
}

const MARK_COLOR: Color = [90, 90, 90];

/** Where a curve figure's legend sits inside the plot: put it where the curves are not. */
export type LegendPlace = 'upper right' | 'center right' | 'lower right';
const LEGEND_Y: Record<LegendPlace, number> = { 'upper right': 1, 'center right': 0.5, 'lower right': 0 };
const LEGEND_ANCHOR: Record<LegendPlace, 'top' | 'middle' | 'bottom'> = {
  'upper right': 'top',
  'center right': 'middle',
  'lower right': 'bottom',
};

interface GridPanel {
  image?: tf.Tensor3D;
  heatmap: Heatmap;
  /** Where the map lies on the image (default: all of it). */
  region?: Region;
  title: string;
}

function gridFigure(
  panels: GridPanel[],
  options: {
    title: string;
    columns: number;
    colormap?: ColormapName;
    alpha?: number;
    ownScale?: boolean;
    scale?: ZScale;
    caption?: string;
  },
): Figure {
  const columns = Math.max(1, Math.min(options.columns, panels.length));
  const rows = Math.ceil(panels.length / columns);
  const cell = options.ownScale ? 110 : 210;
  const lines = options.caption ? wrapText(options.caption, CAPTION_LINE) : [];
  const margin = { l: 10, r: options.ownScale ? 30 : 90, t: 70, b: 34 + 18 * lines.length };
  // Room left of each panel for its y tick labels ("200"), so that they never run into the panel before.
  const [left, gap] = options.ownScale ? [4, 6] : [32, 6];
  const width = columns * cell + margin.l + margin.r;
  const height = rows * (cell + 24) + margin.t + margin.b;
  const inner = columns * cell;
  const data: Trace[] = [];
  const layout: Layout = {
    title: { text: options.title },
    width,
    height,
    margin,
    shapes: [],
    annotations: [],
    showlegend: false,
    hovermode: 'closest',
  };
  panels.forEach((p, i) => {
    const [row, col] = [Math.floor(i / columns), i % columns];
    const suffix = i === 0 ? '' : String(i + 1);
    const x: [number, number] = [(col * cell + left) / inner, ((col + 1) * cell - gap) / inner];
    const y: [number, number] = [1 - (row + 1) / rows + 0.04, 1 - row / rows - 0.04];
    const panel = p.image
      ? imagePanel(
          p.image,
          p.heatmap,
          suffix,
          { colormap: options.colormap, alpha: options.alpha },
          options.scale ?? SHOWN_AS_GIVEN,
          p.region,
          i === 0,
        )
      : mapPanel(p.heatmap, suffix, options.colormap ?? 'viridis');
    data.push(...panel.traces);
    layout[`xaxis${suffix}`] = { ...panel.xaxis, domain: x, anchor: `y${suffix}` };
    layout[`yaxis${suffix}`] = { ...panel.yaxis, domain: y, anchor: `x${suffix}` };
    layout.annotations?.push(panelTitle(p.title, x, y));
  });
  if (lines.length) layout.annotations?.push(captionNote(lines, 22));
  return displayable<Figure>({ data, layout }, 'figure');
}

/** A grid of more than MAX_GRID_PANELS is refused, with the limit and how to split it. */
function checkPanelCount(entry: string, count: number, what: string, split: string): void {
  if (count > MAX_GRID_PANELS) {
    throw new CamlabError(
      `${entry} draws at most ${MAX_GRID_PANELS} panels, got ${count} ${what}: more would leave panels empty. Draw them as several figures (${split}).`,
    );
  }
}

export interface Panel {
  traces: Trace[];
  xaxis: Axis;
  yaxis: Axis;
  shapes: Shape[];
  annotations: Annotation[];
}

/** Image trace + heat map trace on one pair of axes, in image pixel coordinates (y down); the map over `region`. */
function imagePanel(
  image: tf.Tensor3D,
  heatmap: Heatmap,
  suffix: string,
  options: HeatmapFigureOptions,
  zScale: ZScale,
  region: Region | undefined,
  showScale = true,
): Panel {
  assertImage3D(image);
  assertHeatmap(heatmap);
  checkOverlayOptions(options, 'the figure', true);
  const [height, width] = image.shape;
  const alpha = options.alpha ?? 0.5;
  const pixels = { width, height, rgba: rgbaFromRgb(image.dataSync(), width, height) };
  const heat = placedHeatTrace(
    heatmap,
    region ?? { x: 0, y: 0, width, height },
    zScale.colormap ?? options.colormap ?? 'jet',
    alpha,
    suffix,
    showScale,
    zScale,
  );
  const shapes: Shape[] = [];
  const annotations: Annotation[] = [];
  for (const [i, { box, label, color, dash }] of (options.boxes ?? []).entries()) {
    const stroke = color ?? BOX_COLORS[i % BOX_COLORS.length];
    shapes.push({
      type: 'rect',
      xref: `x${suffix}`,
      yref: `y${suffix}`,
      x0: box.x - 0.5,
      y0: box.y - 0.5,
      x1: box.x + box.width - 0.5,
      y1: box.y + box.height - 0.5,
      line: { color: stroke, width: 2, dash: (dash ?? i > 0) ? 'dash' : 'solid' },
      name: label,
    });
    // Labels alternate above and below their boxes so that two boxes with close corners stay readable.
    const above = i % 2 === 0;
    annotations.push({
      text: label,
      x: box.x - 0.5,
      y: above ? box.y - 0.5 : box.y + box.height - 0.5,
      xref: `x${suffix}`,
      yref: `y${suffix}`,
      showarrow: false,
      xanchor: 'left',
      yanchor: above ? 'bottom' : 'top',
      font: { size: 11, color: stroke },
      bgcolor: [255, 255, 255, 0.7],
    });
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

const BOX_COLORS: Color[] = [
  [0, 230, 118],
  [255, 255, 255],
  [255, 23, 68],
  [41, 121, 255],
];

/** A heat map trace over a whole width × height image, its values drawn against `zRange` as given. */
export function heatTrace(
  map: Heatmap,
  width: number,
  height: number,
  colormap: ColormapName,
  opacity: number,
  suffix: string,
  showScale: boolean,
  zRange: [number, number] = [0, 1],
): HeatmapTrace {
  return placedHeatTrace(map, { x: 0, y: 0, width, height }, colormap, opacity, suffix, showScale, { ...SHOWN_AS_GIVEN, range: zRange });
}

/**
 * A heat map trace over `region` of an image, at most MAX_CELLS cells a side (area-averaged). A map
 * coarser than the image is drawn smoothed (Plotly interpolates between cell centres, as the PNG does).
 */
function placedHeatTrace(
  map: Heatmap,
  region: Region,
  colormap: ColormapName,
  opacity: number,
  suffix: string,
  showScale: boolean,
  zScale: ZScale,
): HeatmapTrace {
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
  const dx = region.width / cols;
  const dy = region.height / rows;
  const anchors = colormapAnchors(colormap);
  return {
    type: 'heatmap',
    z,
    x0: region.x + (dx - 1) / 2,
    dx,
    y0: region.y + (dy - 1) / 2,
    dy,
    zmin: zScale.range[0],
    zmax: zScale.range[1],
    colorscale: anchors.map((rgb, i) => [i / (anchors.length - 1), rgb]),
    opacity,
    ...(dx > 1.5 || dy > 1.5 ? { zsmooth: 'best' as const } : {}),
    showscale: showScale,
    ...(showScale ? { colorbar: { title: { text: zScale.unit }, thickness: 14, len: 0.9 } } : {}),
    hovertemplate: `x %{x:.0f}, y %{y:.0f}<br>${zScale.hover}<extra></extra>`,
    xaxis: `x${suffix}`,
    yaxis: `y${suffix}`,
  };
}

/** A grid panel's title, centred above the panel whose paper domain is x × y. */
export function panelTitle(text: string, x: [number, number], y: [number, number]): Annotation {
  return {
    text,
    x: (x[0] + x[1]) / 2,
    y: y[1],
    xref: 'paper',
    yref: 'paper',
    showarrow: false,
    xanchor: 'center',
    yanchor: 'bottom',
    font: { size: 12 },
  };
}
