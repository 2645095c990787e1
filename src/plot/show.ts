import { inspect } from 'node:util';
import { displayKind, mimeBundle } from '../display';
import { currentKernel, displayInKernel, dropNextEmptyLine, printingTslabLastValue } from '../kernel';
import type { Figure } from './figure';
import { figureBundle } from './display';

/**
 * Draws a figure (or any camlab value that draws itself: a CAM result or a list of them, a model's
 * anatomy, a report) in the notebook cell that calls it: under tslab through the kernel's display,
 * under Deno's kernel through `Deno.jupyter.display`. Interactive where JavaScript runs (the live
 * notebook, nbconvert's HTML), the same picture as a PNG where it does not (GitHub and other static
 * viewers). plotly.js travels with the first figure of a kernel session only.
 *
 * The output is sent before show() returns, so it lands in the calling cell with or without `await`,
 * and a failure is thrown at once (not as a rejected promise) so that it is that cell's error too.
 *
 * @example await show(heatmapFigure(image, result.heatmap, { title: 'CAM' }));
 */
export function show(value: Figure | object): Promise<void> {
  // Fails before any painting outside a notebook, with what to do instead.
  if (!currentKernel()) displayInKernel({ 'text/plain': '' });
  const bundle = displayKind(value) ? mimeBundle(value) : figureBundle(value as Figure);
  return quiet(displayInKernel(bundle));
}

/** The promise prints nothing when it is a cell's last value (tslab prints that value, Deno formats it). */
function quiet(promise: Promise<void>): Promise<void> {
  const nothing = () => {
    if (printingTslabLastValue()) dropNextEmptyLine();
    return '';
  };
  Object.defineProperty(promise, inspect.custom, { value: nothing });
  return promise;
}
