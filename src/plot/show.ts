import { inspect } from 'node:util';
import { CamlabError } from '../errors';
import type { Figure } from './figure';
import { figureHtml } from './html';
import { figurePngSync } from './png-sync';

interface TslabDisplay {
  html(html: string): void;
}

/** What tslab's executor puts on globalThis for the code of a cell: that cell's own `require`. */
interface TslabCellScope {
  require(id: string): unknown;
}

let plotlySent = false;
/** TensorFlow.js and the models' weights that live figures of this session sent already. */
const sent = new Set<string>();

/**
 * Shows a figure inline in a tslab notebook cell: interactive where JavaScript runs (the live notebook,
 * nbconvert's HTML), the same picture as a PNG where it does not (GitHub and other static viewers).
 * plotly.js travels with the first figure of a kernel session only, TensorFlow.js and a model's weights
 * with the first live drawing figure that needs them.
 *
 * The figure is drawn before show() returns, so it lands in the calling cell with or without `await`,
 * and a failure is thrown at once (not as a rejected promise) so that it is that cell's error too.
 *
 * @example await show(heatmapFigure(image, result.heatmap, { title: 'CAM' }));
 */
export function show(figure: Figure): Promise<void> {
  const display = kernelDisplay();
  const png = figurePngSync(figure);
  display.html(figureHtml(figure, png, { includePlotly: !plotlySent, sent }));
  plotlySent = true;
  return drawn();
}

/**
 * The kernel's display, reached through the cell's own `require`: tslab answers `require('tslab')`
 * with the running kernel only for cell code. camlab's own `require('tslab')` would find another
 * copy (not connected) or none (tslab installed globally, as its docs say).
 */
function kernelDisplay(): TslabDisplay {
  const cell = (globalThis as { __tslab__?: TslabCellScope }).__tslab__;
  if (typeof cell?.require !== 'function') throw notInNotebook('this process is not a tslab kernel');
  let tslab: { display?: TslabDisplay };
  try {
    tslab = cell.require('tslab') as { display?: TslabDisplay };
  } catch (error) {
    throw notInNotebook(`the kernel's tslab could not be loaded: ${(error as Error).message}`);
  }
  if (typeof tslab.display?.html !== 'function') throw notInNotebook('the kernel offers no display');
  return tslab.display;
}

/** A settled promise that prints nothing when it is a cell's last value (tslab prints that value). */
function drawn(): Promise<void> {
  const promise = Promise.resolve();
  Object.defineProperty(promise, inspect.custom, { value: () => '' });
  return promise;
}

function notInNotebook(reason: string): CamlabError {
  return new CamlabError(
    `show() draws inside a tslab notebook, and ${reason}. Outside one, save figurePng(figure) as a PNG file, ` +
      `or figureHtml(figure, png, { includePlotly: true }) as a page.`,
  );
}
