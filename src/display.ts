// camlab values that draw themselves in a notebook, as a Plotly figure or a DataFrame does in Python's.
// Each value offers one MIME bundle (HTML, PNG, a short text) made by the renderer of its kind
// (src/plot/display.ts registers them; the lower folders only mark their values):
// - Deno's kernel asks a cell's last value for it through `Symbol.for('Jupyter.display')`.
// - tslab prints a cell's last value with `console.log(value)`, which asks `[util.inspect.custom]`. The
//   rule there: the value a cell ends with draws itself once, in that cell; `console.log(value)` from
//   the cell's code, in a loop or not, and a value inside another value (an array or object of yours)
//   print the one-line summary. So nothing draws twice and a loop prints one line per call.
// - `console.log` anywhere (a script, Deno, tslab) prints the summary: never thousands of numbers.
import { inspect, type InspectOptions } from 'node:util';
import { currentKernel, displayInKernel, dropNextEmptyLine, printingTslabLastValue, type MimeBundle } from './kernel';
import { showKernelFailures } from './kernel-errors';

export type DisplayKind = 'figure' | 'cam-result' | 'cam-results' | 'anatomy' | 'localization-report' | 'method-table';

/** How a kind of value is shown: a short text (a line or a small table) and the rich parts. */
export interface Renderer<T extends object = object> {
  summary(value: T, context: unknown): string;
  rich(value: T, context: unknown): Omit<MimeBundle, 'text/plain'>;
}

/** The symbol Deno's Jupyter kernel looks for on a cell's last value. */
export const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');
const KIND = Symbol('camlab display kind');
const CONTEXT = Symbol('camlab display context');
const renderers = new Map<DisplayKind, Renderer>();

// Inside a kernel, failures are shown where the user looks (kernel-errors.ts); elsewhere nothing changes.
if (currentKernel()) showKernelFailures();

export function registerRenderer<T extends object>(kind: DisplayKind, renderer: Renderer<T>): void {
  renderers.set(kind, renderer as Renderer);
}

interface Marked {
  [KIND]?: DisplayKind;
  [CONTEXT]?: unknown;
}

/**
 * Marks `value` as a camlab value of `kind` that draws itself; `context` is what its renderer needs
 * beyond the value (a CAM result's image). The hooks are non-enumerable symbols: JSON, structured
 * clones, spreads and deep-equality checks see the plain value.
 */
export function displayable<T extends object>(value: T, kind: DisplayKind, context?: unknown): T {
  Object.defineProperties(value, {
    [KIND]: { value: kind, configurable: true },
    [CONTEXT]: { value: context, configurable: true },
    [inspect.custom]: { value: inspectHook, configurable: true },
    [JUPYTER_DISPLAY]: { value: jupyterDisplay, configurable: true },
  });
  return value;
}

export function displayKind(value: unknown): DisplayKind | undefined {
  return typeof value === 'object' && value !== null ? (value as Marked)[KIND] : undefined;
}

/** The value's one-line (or small-table) text. */
export function summaryOf(value: object): string {
  const kind = displayKind(value);
  const renderer = kind && renderers.get(kind);
  return renderer ? renderer.summary(value, (value as Marked)[CONTEXT]) : `camlab ${kind ?? 'value'}`;
}

/** The value's MIME bundle: the rich parts of its kind's renderer and its summary as text/plain. */
export function mimeBundle(value: object): MimeBundle {
  const kind = displayKind(value);
  const renderer = kind && renderers.get(kind);
  const text = summaryOf(value);
  return renderer ? { ...renderer.rich(value, (value as Marked)[CONTEXT]), 'text/plain': text } : { 'text/plain': text };
}

function jupyterDisplay(this: object): MimeBundle {
  return mimeBundle(this);
}

/** util.inspect's hook (console.log, tslab's last value, Deno's console): see the rule at the top. */
function inspectHook(this: object, depth: number, options: InspectOptions): string {
  const topLevel = depth === options.depth;
  if (topLevel && printingTslabLastValue()) {
    try {
      void displayInKernel(mimeBundle(this));
      dropNextEmptyLine();
      return '';
    } catch (error) {
      return `${summaryOf(this)}\n(it could not be drawn: ${(error as Error).message})`;
    }
  }
  return summaryOf(this);
}
