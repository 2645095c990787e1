// How each kind of camlab value draws itself (src/display.ts has the protocol and the tslab rule):
// figures as the live Plotly plot with its PNG, CAM results as their overlay, a model's anatomy and the
// reports as HTML tables. Every text is a line or a small table, never the arrays inside the value.
import { present } from '../errors';
import { tf } from '../tf';
import { registerRenderer } from '../display';
import type { MimeBundle } from '../kernel';
import type { CamResult } from '../cam/types';
import { layerTableRows, type ModelAnatomy } from '../model/inspect';
import type { LocalizationReport } from '../metrics/localization';
import { methodTableRows, type MethodScore } from '../metrics/compare';
import type { Figure } from './figure';
import { figureHtml, escapeHtml } from './html';
import { figurePngSync } from './png-sync';
import { camGridFigure, heatmapFigure, MAX_GRID_PANELS } from './figures';

let plotlySent = false;
/** TensorFlow.js and the models' weights that live figures of this session sent already. */
const sent = new Set<string>();

/**
 * A figure's bundle: HTML (the live plot over its PNG; plotly.js with the session's first figure, TensorFlow.js
 * and a model's weights with the first live drawing figure that needs them), the PNG, the summary.
 */
export function figureBundle(figure: Figure): MimeBundle {
  const png = figurePngSync(figure);
  const html = figureHtml(figure, png, { includePlotly: !plotlySent, sent });
  plotlySent = true;
  return { 'text/html': html, 'image/png': Buffer.from(png).toString('base64'), 'text/plain': figureSummary(figure) };
}

const clip = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

export function figureSummary(figure: Figure): string {
  const traces = [...new Set(figure.data.map((t) => t.type))].join(', ');
  const menus = figure.layout.updatemenus?.length ? `, ${figure.layout.updatemenus.length} menus` : '';
  return `Figure '${clip(figure.layout.title.text.replace(/\s+/g, ' '), 80)}' (${figure.data.length} traces: ${traces}${menus}; ${figure.layout.width}×${figure.layout.height} px)`;
}

/** What a CAM result needs to draw its overlay: the images it was computed from (the caller's tensor). */
export interface ResultImages {
  images: tf.Tensor3D | tf.Tensor4D;
}

const className = (r: CamResult) => (r.label !== undefined ? `class ${r.classIndex} '${clip(r.label, 30)}'` : `class ${r.classIndex}`);
const methodName = (r: CamResult) =>
  (r.method ?? 'cam')
    .replace(/^cam$/, 'CAM')
    .replace(/^gradcam/, 'Grad-CAM')
    .replace('plusplus', '++');

export function resultSummary(r: CamResult): string {
  return `CamResult image ${r.imageIndex}: ${className(r)}, p ${r.score.toPrecision(4)}, ${methodName(r)} at '${clip(r.layer, 40)}', map ${r.raw.width}×${r.raw.height} → ${r.heatmap.width}×${r.heatmap.height}`;
}

export function resultsSummary(results: CamResult[]): string {
  const head = `${results.length} CAM result${results.length === 1 ? '' : 's'}`;
  if (results.length === 0) return head;
  const [first] = results;
  const rows = results.map((r) => `image ${r.imageIndex} ${className(r)} p ${r.score.toPrecision(3)}`);
  let text = `${head} (${methodName(first)} at '${clip(first.layer, 40)}'): `;
  for (const [i, row] of rows.entries()) {
    const rest = rows.length - i;
    if (text.length + row.length > 240) return `${text}… ${rest} more`;
    text += i === 0 ? row : `; ${row}`;
  }
  return text;
}

/** The image of result `r`: read from the caller's tensor, or grey when that tensor was disposed since. */
function imageOf(r: CamResult, context: ResultImages | undefined): { image: tf.Tensor3D; note: string } {
  const images = context?.images;
  if (!images || images.isDisposed) {
    return { image: tf.fill([r.heatmap.height, r.heatmap.width, 3], 128) as tf.Tensor3D, note: ' (image disposed: map alone)' };
  }
  const image = tf.tidy(() => (images.rank === 3 ? tf.clone(images) : tf.squeeze(tf.slice(images, r.imageIndex, 1), [0]))) as tf.Tensor3D;
  return { image, note: '' };
}

function resultFigure(r: CamResult, context: ResultImages | undefined): Figure {
  const { image, note } = imageOf(r, context);
  try {
    return heatmapFigure(image, r, { title: `${className(r)}, p ${r.score.toFixed(3)}: ${methodName(r)} at '${r.layer}'${note}` });
  } finally {
    image.dispose();
  }
}

function resultsFigure(results: CamResult[], context: ResultImages | undefined): Figure {
  const shown = results.slice(0, MAX_GRID_PANELS);
  const indices = [...new Set(shown.map((r) => r.imageIndex))];
  const images = new Map(
    indices.map((i) => [
      i,
      imageOf(
        present(
          shown.find((r) => r.imageIndex === i),
          `camlab bug: no result for image ${i}.`,
        ),
        context,
      ),
    ]),
  );
  try {
    const list: tf.Tensor3D[] = [];
    for (const [i, { image }] of images) list[i] = image;
    const more = results.length > shown.length ? ` (the first ${shown.length} of ${results.length})` : '';
    const methods = [...new Set(shown.map(methodName))].join(', ');
    return camGridFigure(list, shown, {
      title: `${methods} at '${shown[0].layer}'${more}`,
      panelTitles: shown.map(
        (r) => `${indices.length > 1 ? `image ${r.imageIndex}: ` : ''}${r.label ?? `class ${r.classIndex}`} (p = ${r.score.toFixed(3)})`,
      ),
    });
  } finally {
    for (const { image } of images.values()) image.dispose();
  }
}

const richFigure = (figure: Figure) => {
  const rich: Partial<ReturnType<typeof figureBundle>> = { ...figureBundle(figure) };
  delete rich['text/plain'];
  return rich;
};

/** An HTML table, every cell escaped; columns in `numeric` align right. */
export function htmlTable(caption: string, header: string[], rows: string[][], numeric: number[] = []): string {
  const cell = (tag: 'td' | 'th', text: string, i: number) =>
    `<${tag} style="text-align:${numeric.includes(i) ? 'right' : 'left'};padding:2px 8px;white-space:pre">${escapeHtml(text)}</${tag}>`;
  return (
    `<table class="camlab-table" style="border-collapse:collapse;font-size:13px"><caption style="text-align:left;font-weight:bold;padding:4px 0">${escapeHtml(caption)}</caption>` +
    `<thead><tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('')}</tbody></table>`
  );
}

export function anatomySummary(a: ModelAnatomy): string {
  const shape = `[${a.inputShape.map((d) => d ?? 'n').join(', ')}]`;
  const head =
    a.featureLayer && a.poolingLayer && a.classifierLayer
      ? `CAM head '${clip(a.featureLayer.path, 40)}' → '${clip(a.poolingLayer.path, 40)}' → '${clip(a.classifierLayer.path, 40)}'`
      : `no CAM: ${clip(a.problem ?? 'no GAP head', 120)}`;
  return `ModelAnatomy: ${a.layers.length} layers, input ${shape}, ${a.numClasses} classes; ${head}`;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export function reportSummary(r: LocalizationReport): string {
  const best = r.byThreshold.reduce((b, t) => (t.gtKnownLocalization > b.gtKnownLocalization ? t : b), r.byThreshold[0]);
  const at = best ? `; best GT-known localization ${pct(best.gtKnownLocalization)} at threshold ${best.threshold}` : '';
  return `LocalizationReport: ${r.count} images, accuracy ${pct(r.accuracy)}, pointing game ${pct(r.pointingGame)}${at}; centre baseline ${pct(r.centreBaseline.localization)}`;
}

function reportHtml(r: LocalizationReport): string {
  const rows = r.byThreshold.map((t) => [
    t.threshold.toFixed(2),
    pct(t.top1Localization),
    pct(t.gtKnownLocalization),
    t.meanIou.toFixed(3),
  ]);
  return htmlTable(reportSummary(r), ['threshold', 'top-1 localization', 'GT-known localization', 'mean IoU'], rows, [0, 1, 2, 3]);
}

/** A method comparison: its rows, and the threshold its localization column was measured at. */
export interface MethodTableContext {
  threshold: number;
}

export function methodTableSummary(rows: MethodScore[], context: MethodTableContext | undefined): string {
  const best = [...rows].sort((a, b) => b.gtKnownLocalization - a.gtKnownLocalization)[0];
  const lead = best ? `; best GT-known localization: ${clip(best.name, 40)} ${pct(best.gtKnownLocalization)}` : '';
  return `Method comparison: ${rows.length} maps${context ? ` at threshold ${context.threshold}` : ''}${lead}`;
}

/** Registers every kind's renderer (once, when the plot folder loads). */
function register(): void {
  registerRenderer<Figure>('figure', { summary: figureSummary, rich: richFigure });
  registerRenderer<CamResult>('cam-result', {
    summary: resultSummary,
    rich: (r, context) => richFigure(resultFigure(r, context as ResultImages | undefined)),
  });
  registerRenderer<CamResult[]>('cam-results', {
    summary: resultsSummary,
    rich: (results, context) => (results.length ? richFigure(resultsFigure(results, context as ResultImages | undefined)) : {}),
  });
  registerRenderer<ModelAnatomy>('anatomy', {
    summary: anatomySummary,
    rich: (a) => {
      const { header, rows, total } = layerTableRows(a);
      return { 'text/html': htmlTable(`${anatomySummary(a)}; ${total.toLocaleString('en-US')} parameters`, header, rows, [3]) };
    },
  });
  registerRenderer<LocalizationReport>('localization-report', { summary: reportSummary, rich: (r) => ({ 'text/html': reportHtml(r) }) });
  registerRenderer<MethodScore[]>('method-table', {
    summary: (rows, context) => methodTableSummary(rows, context as MethodTableContext | undefined),
    rich: (rows, context) => {
      const table = methodTableRows(rows, (context as MethodTableContext | undefined)?.threshold);
      return {
        'text/html': htmlTable(
          methodTableSummary(rows, context as MethodTableContext | undefined),
          table.header,
          table.rows,
          table.header.map((_, i) => i).slice(1),
        ),
      };
    },
  });
}

register();
