import { CamlabError } from '../errors';
import type { Figure } from './figure';
import { figureHtml } from './html';
import { figurePng } from './png';

interface TslabDisplay {
  html(html: string): void;
}

let plotlySent = false;

/**
 * Shows a figure inline in a tslab notebook cell: interactive where JavaScript runs (the live notebook,
 * nbconvert's HTML), the same picture as a PNG where it does not (GitHub and other static viewers).
 * plotly.js travels with the first figure of a kernel session only.
 *
 * @example await show(heatmapFigure(image, result.heatmap, { title: 'CAM' }));
 */
export async function show(figure: Figure): Promise<void> {
  const display = tslabDisplay();
  const png = await figurePng(figure);
  try {
    display.html(figureHtml(figure, png, { includePlotly: !plotlySent }));
  } catch (error) {
    throw notInNotebook((error as Error).message);
  }
  plotlySent = true;
}

function tslabDisplay(): TslabDisplay {
  try {
    // tslab is present in the notebook's kernel; elsewhere show() has nowhere to draw.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('tslab') as { display: TslabDisplay }).display;
  } catch (error) {
    throw notInNotebook((error as Error).message);
  }
}

function notInNotebook(reason: string): CamlabError {
  return new CamlabError(
    `show() draws inside a tslab notebook (${reason}). Outside one, save figurePng(figure) as a PNG file, ` +
      `or figureHtml(figure, png, { includePlotly: true }) as a page.`,
  );
}
