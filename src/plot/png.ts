// Paints a camlab figure into a PNG with jimp: the same picture as the interactive plot, for viewers
// that run no JavaScript. It understands exactly the traces, axes, shapes and texts camlab's builders make,
// and paints from the figure's own data: plain text, colours as numbers, pictures as pixels.
import { HorizontalAlign, Jimp } from 'jimp';
import { fontFromFile, type Font } from './fonts';
import { encodePng } from '../image/encode';
import { present } from '../errors';
import type { Annotation, Axis, BarTrace, Color, Figure, HeatmapTrace, ImageTrace, Layout, ScatterTrace, Shape } from './figure';

type Picture = InstanceType<typeof Jimp>;
type Rgb = [number, number, number];

interface Fonts {
  title: Font;
  label: Font;
  tick: Font;
}

let fonts: Promise<Fonts> | undefined;
function loadFonts(): Promise<Fonts> {
  // jimp's bundled bitmap fonts; 'jimp/fonts' is an exports-only subpath, so it is required at run time.
  const paths = require('jimp/fonts') as Record<'SANS_10_BLACK' | 'SANS_12_BLACK' | 'SANS_16_BLACK', string>;
  fonts ??= Promise.all([fontFromFile(paths.SANS_16_BLACK), fontFromFile(paths.SANS_12_BLACK), fontFromFile(paths.SANS_10_BLACK)]).then(
    ([title, label, tick]) => ({ title, label, tick }),
  );
  return fonts;
}

/** Characters jimp's bitmap fonts lack (they have printable ASCII only), as they are spelled in ASCII. */
const SPELLED: Record<string, string> = {
  '≥': '>=',
  '≤': '<=',
  '≠': '!=',
  '≈': '~',
  '×': 'x',
  '÷': '/',
  '±': '+/-',
  '−': '-',
  '–': '-',
  '—': '-',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '…': '...',
  '·': '.',
  '•': '*',
  '→': '->',
  '←': '<-',
  '°': ' deg',
  '²': '^2',
  '³': '^3',
  '√': 'sqrt',
  Σ: 'sum',
  σ: 'sigma',
  μ: 'mu',
  α: 'alpha',
  β: 'beta',
  λ: 'lambda',
  '\u00a0': ' ',
};

/** The text as the PNG's fonts can draw it: accents dropped, signs spelled out, anything else '?'. */
export function fontText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e\n]/g, (c) => SPELLED[c] ?? '?');
}

type PrintOptions = Parameters<Picture['print']>[0];

/** canvas.print with the text made drawable (a '≥' in a title otherwise came out as '?'). */
function print(canvas: Picture, options: PrintOptions): void {
  const { text } = options;
  canvas.print({ ...options, text: typeof text === 'object' ? { ...text, text: fontText(String(text.text)) } : fontText(String(text)) });
}

/** A plot area on the canvas and the data ranges it shows. */
interface Area {
  left: number;
  top: number;
  width: number;
  height: number;
  xRange: [number, number];
  yRange: [number, number];
}

/** The figure as PNG bytes, at the layout's width and height. */
export async function figurePng(figure: Figure): Promise<Uint8Array> {
  const { layout } = figure;
  const canvas = new Jimp({ width: layout.width, height: layout.height, color: 0xffffffff });
  const font = await loadFonts();
  const areas = new Map<string, Area>();
  for (const suffix of axisSuffixes(layout)) areas.set(suffix, plotArea(layout, suffix, figure));
  for (const trace of figure.data) {
    const area = areaOf(areas, trace.xaxis);
    if (trace.type === 'image') paintImage(canvas, trace, area);
    else if (trace.type === 'heatmap') paintHeatmap(canvas, trace, area);
    else if (trace.type === 'bar') paintBars(canvas, trace, area, font);
    else paintLine(canvas, trace, area);
  }
  if (layout.showlegend)
    paintLegend(
      canvas,
      figure.data.filter((t): t is ScatterTrace => t.type === 'scatter'),
      areaOf(areas, 'x'),
      font,
      layout.legend,
    );
  for (const shape of layout.shapes ?? []) paintRect(canvas, shape, areaOf(areas, shape.xref));
  for (const note of layout.annotations ?? []) paintAnnotation(canvas, note, layout, areas, font);
  for (const [suffix, area] of areas)
    paintAxes(
      canvas,
      axisOf(layout, 'x', suffix),
      axisOf(layout, 'y', suffix),
      area,
      font,
      figure.data.some((t) => t.type === 'bar' && suffixOf(t.xaxis) === suffix),
    );
  const scale = figure.data.find((t): t is HeatmapTrace => t.type === 'heatmap' && t.showscale);
  if (scale) paintColorbar(canvas, scale, layout, areaOf(areas, scale.xaxis), font);
  print(canvas, {
    font: font.title,
    x: 0,
    y: 12,
    text: { text: layout.title.text, alignmentX: HorizontalAlign.CENTER },
    maxWidth: layout.width,
  });
  return encodePng(
    new Uint8Array(canvas.bitmap.data.buffer, canvas.bitmap.data.byteOffset, canvas.bitmap.data.length),
    canvas.bitmap.width,
    canvas.bitmap.height,
  );
}

function axisSuffixes(layout: Layout): string[] {
  return Object.keys(layout)
    .filter((k) => /^xaxis\d*$/.test(k))
    .map((k) => k.slice(5));
}

function suffixOf(ref: string | undefined): string {
  return (ref ?? 'x').replace(/^[xy](axis)?/, '');
}

/** The plot area of the axes a trace, shape or note refers to ('x2', 'y2'; default 'x'). */
function areaOf(areas: Map<string, Area>, ref: string | undefined): Area {
  return present(areas.get(suffixOf(ref)), `The figure refers to axes '${ref ?? 'x'}', which its layout does not define.`);
}

function axisOf(layout: Layout, letter: 'x' | 'y', suffix: string): Axis {
  return present(layout[`${letter}axis${suffix}`], `The figure's layout has no ${letter}axis${suffix}.`);
}

/** The axis pair's domain in pixels, shrunk to keep square pixels where the y axis is anchored to x. */
function plotArea(layout: Layout, suffix: string, figure: Figure): Area {
  const xaxis = axisOf(layout, 'x', suffix);
  const yaxis = axisOf(layout, 'y', suffix);
  const innerW = layout.width - layout.margin.l - layout.margin.r;
  const innerH = layout.height - layout.margin.t - layout.margin.b;
  const [dx0, dx1] = xaxis.domain ?? [0, 1];
  const [dy0, dy1] = yaxis.domain ?? [0, 1];
  let left = layout.margin.l + dx0 * innerW;
  let top = layout.margin.t + (1 - dy1) * innerH;
  let width = (dx1 - dx0) * innerW;
  let height = (dy1 - dy0) * innerH;
  const xRange = xaxis.range ?? [0, 1];
  const yRange = yaxis.range ?? [0, Math.max(1, ...figure.data.flatMap((t) => (t.type === 'bar' || t.type === 'scatter' ? t.y : [])))];
  if (yaxis.scaleanchor) {
    const unit = Math.min(width / Math.abs(xRange[1] - xRange[0]), height / Math.abs(yRange[1] - yRange[0]));
    const [w, h] = [unit * Math.abs(xRange[1] - xRange[0]), unit * Math.abs(yRange[1] - yRange[0])];
    left += (width - w) / 2;
    top += height - h; // Plotly keeps a constrained plot at the top of its domain's bottom edge… close enough: align to bottom of the title gap
    top -= (height - h) / 2;
    [width, height] = [w, h];
  }
  return { left: Math.round(left), top: Math.round(top), width: Math.round(width), height: Math.round(height), xRange, yRange };
}

function toPixel(area: Area, x: number, y: number): [number, number] {
  const px = area.left + ((x - area.xRange[0]) / (area.xRange[1] - area.xRange[0])) * area.width;
  const py = area.top + ((y - area.yRange[1]) / (area.yRange[0] - area.yRange[1])) * area.height;
  return [px, py];
}

/** The picture's pixels, each canvas pixel taking the nearest one (the picture is opaque). */
function paintImage(canvas: Picture, trace: ImageTrace, area: Area): void {
  const { width, height, rgba } = trace.pixels;
  const [x0, y0] = toPixel(area, (trace.x0 ?? 0) - 0.5, (trace.y0 ?? 0) - 0.5);
  const [x1, y1] = toPixel(area, (trace.x0 ?? 0) - 0.5 + width * (trace.dx ?? 1), (trace.y0 ?? 0) - 0.5 + height * (trace.dy ?? 1));
  const [left, top] = [Math.round(x0), Math.round(y0)];
  const [w, h] = [Math.max(1, Math.round(x1 - x0)), Math.max(1, Math.round(y1 - y0))];
  const data = canvas.bitmap.data;
  for (let py = Math.max(0, top); py < Math.min(canvas.bitmap.height, top + h); py++) {
    const row = Math.min(height - 1, Math.floor(((py - top) * height) / h));
    for (let px = Math.max(0, left); px < Math.min(canvas.bitmap.width, left + w); px++) {
      const from = (row * width + Math.min(width - 1, Math.floor(((px - left) * width) / w))) * 4;
      data.set(rgba.subarray(from, from + 3), (py * canvas.bitmap.width + px) * 4);
    }
  }
}

/** Each canvas pixel takes the colour of the heat map cell under it, blended with the trace's opacity. */
function paintHeatmap(canvas: Picture, trace: HeatmapTrace, area: Area): void {
  const rows = trace.z.length;
  const cols = trace.z[0]?.length ?? 0;
  const [left, top] = toPixel(area, trace.x0 - trace.dx / 2, trace.y0 - trace.dy / 2);
  const [right, bottom] = toPixel(area, trace.x0 - trace.dx / 2 + cols * trace.dx, trace.y0 - trace.dy / 2 + rows * trace.dy);
  const data = canvas.bitmap.data;
  for (let py = Math.max(0, Math.round(top)); py < Math.min(canvas.bitmap.height, Math.round(bottom)); py++) {
    const fr = ((py + 0.5 - top) / (bottom - top)) * rows;
    for (let px = Math.max(0, Math.round(left)); px < Math.min(canvas.bitmap.width, Math.round(right)); px++) {
      const fc = ((px + 0.5 - left) / (right - left)) * cols;
      const value =
        trace.zsmooth === 'best'
          ? bilinear(trace.z, fr - 0.5, fc - 0.5)
          : trace.z[Math.min(rows - 1, Math.floor(fr))][Math.min(cols - 1, Math.floor(fc))];
      const t = (value - trace.zmin) / (trace.zmax - trace.zmin || 1);
      const color = scaleColor(trace.colorscale, t);
      const i = (py * canvas.bitmap.width + px) * 4;
      for (let k = 0; k < 3; k++) data[i + k] = Math.round((1 - trace.opacity) * data[i + k] + trace.opacity * color[k]);
    }
  }
}

/** z between cell centres, as Plotly's zsmooth 'best' draws it (edges hold the edge cells' values). */
function bilinear(z: number[][], row: number, col: number): number {
  const r = Math.min(z.length - 1, Math.max(0, row));
  const c = Math.min(z[0].length - 1, Math.max(0, col));
  const [r0, c0] = [Math.floor(r), Math.floor(c)];
  const [r1, c1] = [Math.min(z.length - 1, r0 + 1), Math.min(z[0].length - 1, c0 + 1)];
  const [wr, wc] = [r - r0, c - c0];
  return (z[r0][c0] * (1 - wc) + z[r0][c1] * wc) * (1 - wr) + (z[r1][c0] * (1 - wc) + z[r1][c1] * wc) * wr;
}

function scaleColor(scale: [number, Color][], value: number): Rgb {
  const t = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
  let i = 0;
  while (i < scale.length - 2 && t > scale[i + 1][0]) i++;
  const [p0, c0] = scale[i];
  const [p1, c1] = scale[i + 1] ?? scale[i];
  const f = p1 > p0 ? (t - p0) / (p1 - p0) : 0;
  return [0, 1, 2].map((k) => Math.round(c0[k] + (c1[k] - c0[k]) * f)) as Rgb;
}

/** The colour's channels (an opacity is dropped: what camlab paints translucent sits on white). */
function rgbOf(color: Color): Rgb {
  return [color[0], color[1], color[2]];
}

const DEFAULT_COLOR: Rgb = [31, 119, 180];

function paintBars(canvas: Picture, trace: BarTrace, area: Area, font: Fonts): void {
  const n = trace.x.length;
  const slot = area.width / n;
  // Bars too narrow for their labels get a label every `every` bars, as Plotly thins a category axis.
  const every = Math.max(1, Math.ceil((7 * Math.max(...trace.x.map((x) => x.length)) + 4) / slot));
  trace.y.forEach((value, i) => {
    const colors = trace.marker?.color;
    const color = colors === undefined ? DEFAULT_COLOR : rgbOf(Array.isArray(colors[0]) ? (colors as Color[])[i] : (colors as Color));
    const [, top] = toPixel({ ...area, xRange: [0, 1] }, 0, value);
    const left = area.left + slot * (i + 0.1);
    fillRect(canvas, left, top, slot * 0.8, area.top + area.height - top, color);
    if (i % every === 0) {
      const [x, width] = [area.left + slot * (i + 0.5) - (slot * every) / 2, slot * every];
      print(canvas, {
        font: font.tick,
        x: Math.round(x),
        y: Math.round(area.top + area.height + 4),
        text: { text: trace.x[i], alignmentX: HorizontalAlign.CENTER },
        maxWidth: Math.round(width),
      });
    }
    if (trace.text)
      print(canvas, {
        font: font.tick,
        x: Math.round(area.left + slot * i),
        y: Math.round(top - 14),
        text: { text: trace.text[i], alignmentX: HorizontalAlign.CENTER },
        maxWidth: Math.round(slot),
      });
  });
}

function paintLine(canvas: Picture, trace: ScatterTrace, area: Area): void {
  const color = trace.line?.color ? rgbOf(trace.line.color) : DEFAULT_COLOR;
  const points = trace.x.map((x, i) => toPixel(area, x, trace.y[i]));
  for (let i = 1; i < points.length; i++) {
    const [[x0, y0], [x1, y1]] = [points[i - 1], points[i]];
    const steps = Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)));
    for (let s = 0; s <= steps; s++) {
      if (trace.line?.dash === 'dash' && Math.floor(s / 4) % 2 === 1) continue;
      fillRect(canvas, x0 + ((x1 - x0) * s) / steps - 1, y0 + ((y1 - y0) * s) / steps - 1, 2, 2, color);
    }
  }
  if (trace.mode === 'lines+markers') for (const [x, y] of points) fillRect(canvas, x - 3, y - 3, 6, 6, color);
}

/** The legend at the layout's height (paper coordinates, anchored as Plotly anchors it), right-aligned in the plot. */
function paintLegend(canvas: Picture, traces: ScatterTrace[], area: Area, font: Fonts, legend: Layout['legend']): void {
  const height = traces.length * 16;
  const at = area.top + (1 - (legend?.y ?? 1)) * area.height;
  const anchor = legend?.yanchor ?? 'top';
  const first = anchor === 'top' ? at + 6 : anchor === 'middle' ? at - height / 2 : at - height - 6;
  traces.forEach((trace, i) => {
    const top = first + i * 16;
    const left = area.left + area.width - 170;
    fillRect(canvas, left, top + 6, 18, 3, trace.line?.color ? rgbOf(trace.line.color) : DEFAULT_COLOR);
    print(canvas, { font: font.tick, x: left + 24, y: top, text: trace.name });
  });
}

function fillRect(canvas: Picture, x: number, y: number, w: number, h: number, color: Rgb): void {
  const data = canvas.bitmap.data;
  for (let py = Math.max(0, Math.round(y)); py < Math.min(canvas.bitmap.height, Math.round(y + h)); py++) {
    for (let px = Math.max(0, Math.round(x)); px < Math.min(canvas.bitmap.width, Math.round(x + w)); px++) {
      const i = (py * canvas.bitmap.width + px) * 4;
      [data[i], data[i + 1], data[i + 2]] = color;
    }
  }
}

function paintRect(canvas: Picture, shape: Shape, area: Area): void {
  const [x0, y0] = toPixel(area, shape.x0, shape.y0);
  const [x1, y1] = toPixel(area, shape.x1, shape.y1);
  const color = rgbOf(shape.line.color);
  const w = shape.line.width;
  const [l, r, t, b] = [Math.min(x0, x1), Math.max(x0, x1), Math.min(y0, y1), Math.max(y0, y1)];
  const dashed = shape.line.dash === 'dash';
  const segment = (x: number, y: number, len: number, horizontal: boolean) => {
    for (let s = 0; s < len; s += dashed ? 8 : len) {
      const part = dashed ? Math.min(5, len - s) : len;
      if (horizontal) fillRect(canvas, x + s, y - w / 2, part, w, color);
      else fillRect(canvas, x - w / 2, y + s, w, part, color);
    }
  };
  segment(l, t, r - l, true);
  segment(l, b, r - l, true);
  segment(l, t, b - t, false);
  segment(r, t, b - t, false);
}

function paintAnnotation(canvas: Picture, note: Annotation, layout: Layout, areas: Map<string, Area>, font: Fonts): void {
  let [x, y]: [number, number] = [0, 0];
  if (note.xref === 'paper') {
    x = layout.margin.l + note.x * (layout.width - layout.margin.l - layout.margin.r);
    y = layout.margin.t + (1 - note.y) * (layout.height - layout.margin.t - layout.margin.b);
    // A title above a panel (anchored at its bottom) sits on the panel's top edge, not on the paper's
    // top edge, in a grid; other notes (captions under the figure) stay where the paper puts them.
    const area =
      note.yanchor === 'bottom'
        ? [...areas.values()].find((a) => Math.abs(a.left + a.width / 2 - x) < a.width / 2 + 1 && a.top >= y - a.height)
        : undefined;
    if (area) y = Math.min(y, area.top);
  } else {
    [x, y] = toPixel(areaOf(areas, note.xref), note.x, note.y);
  }
  y -= note.yshift ?? 0;
  const text = note.text;
  const f = (note.font?.size ?? 12) <= 11 ? font.tick : font.label;
  const width = 400;
  const left = note.xanchor === 'center' ? x - width / 2 : note.xanchor === 'right' ? x - width : x;
  const top = note.yanchor === 'bottom' ? y - 16 : y;
  if (note.bgcolor) fillRect(canvas, x, top, Math.min(width, text.length * 6 + 4), 14, rgbOf(note.bgcolor));
  print(canvas, {
    font: f,
    x: Math.round(left),
    y: Math.round(top),
    text: {
      text,
      alignmentX:
        note.xanchor === 'center' ? HorizontalAlign.CENTER : note.xanchor === 'right' ? HorizontalAlign.RIGHT : HorizontalAlign.LEFT,
    },
    maxWidth: width,
  });
}

/** Frame, a few tick labels and the axis titles (the y title written horizontally above the axis). */
function paintAxes(canvas: Picture, xaxis: Axis, yaxis: Axis, area: Area, font: Fonts, isBar: boolean): void {
  const grey: Rgb = [90, 90, 90];
  fillRect(canvas, area.left - 1, area.top + area.height, area.width + 1, 1, grey);
  fillRect(canvas, area.left - 1, area.top, 1, area.height + 1, grey);
  if (xaxis.showticklabels !== false && !isBar) {
    for (const value of ticks(xaxis.range ?? [0, 1])) {
      const [px] = toPixel(area, value, area.yRange[0]);
      print(canvas, {
        font: font.tick,
        x: Math.round(px - 20),
        y: area.top + area.height + 3,
        text: { text: String(value), alignmentX: HorizontalAlign.CENTER },
        maxWidth: 40,
      });
    }
  }
  if (yaxis.showticklabels !== false) {
    for (const value of ticks(yaxis.range ?? [0, 1])) {
      const [, py] = toPixel(area, area.xRange[0], value);
      print(canvas, {
        font: font.tick,
        x: area.left - 44,
        y: Math.round(py - 6),
        text: { text: isBar ? value.toFixed(1) : String(value), alignmentX: HorizontalAlign.RIGHT },
        maxWidth: 40,
      });
    }
  }
  if (xaxis.title)
    print(canvas, {
      font: font.label,
      x: area.left,
      y: area.top + area.height + (isBar ? 36 : 18),
      text: { text: xaxis.title.text, alignmentX: HorizontalAlign.CENTER },
      maxWidth: area.width,
    });
  if (yaxis.title)
    print(canvas, { font: font.label, x: Math.max(0, area.left - 48), y: Math.max(0, area.top - 16), text: yaxis.title.text });
}

function ticks(range: [number, number]): number[] {
  const [lo, hi] = [Math.min(...range), Math.max(...range)];
  const span = hi - lo;
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500].map((s) => s * (span < 2 ? 0.1 : 1)).find((s) => span / s <= 5) ?? span / 4;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v * 100) / 100);
  return out;
}

/** Plotly puts the colour bar just right of the plotting area (paper x = 1.02), centred on the first panel's rows. */
function paintColorbar(canvas: Picture, trace: HeatmapTrace, layout: Layout, area: Area, font: Fonts): void {
  const left = Math.round(layout.margin.l + 1.02 * (layout.width - layout.margin.l - layout.margin.r));
  const height = Math.round(area.height * 0.9);
  const top = area.top + Math.round((area.height - height) / 2);
  for (let y = 0; y < height; y++) fillRect(canvas, left, top + y, 14, 1, scaleColor(trace.colorscale, 1 - y / (height - 1)));
  for (const [value, y] of [
    [trace.zmax, top],
    [(trace.zmin + trace.zmax) / 2, top + height / 2],
    [trace.zmin, top + height],
  ] as const) {
    print(canvas, { font: font.tick, x: left + 18, y: Math.round(y - 6), text: String(Math.round(value * 100) / 100) });
  }
  if (trace.colorbar?.title) print(canvas, { font: font.tick, x: left - 4, y: Math.max(0, top - 16), text: trace.colorbar.title.text });
}
