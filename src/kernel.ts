// The notebook kernel this code runs in, if any, and its display. camlab reaches each kernel's display
// through the kernel itself (tslab: the running cell's own `require`; Deno: `Deno.jupyter`), never
// through a copy of its own: camlab's own `require('tslab')` would find another copy (not connected) or
// none (tslab installed globally, as its docs say).
import { sep } from 'node:path';
import { CamlabError } from './errors';

/** A value drawn several ways at once; the viewer picks the richest it can show. Binary parts are base64. */
export interface MimeBundle {
  'text/plain': string;
  'text/html'?: string;
  'image/png'?: string;
}

export type KernelName = 'tslab' | 'deno';

interface TslabDisplay {
  html(html: string): void;
  text(text: string): void;
}
/** What tslab's executor puts on globalThis for the code of a cell: that cell's own `require`. */
interface TslabCellScope {
  require(id: string): unknown;
}
interface DenoJupyter {
  display(bundle: Record<string, string>, options: { raw: boolean }): Promise<void>;
  broadcast(type: string, content: Record<string, unknown>): Promise<void>;
}

/** Deno's Jupyter API inside `deno jupyter`; reading `Deno.jupyter` anywhere else throws. */
export function denoJupyter(): DenoJupyter | undefined {
  const deno = (globalThis as { Deno?: { jupyter?: DenoJupyter } }).Deno;
  if (!deno) return undefined;
  try {
    return typeof deno.jupyter?.display === 'function' ? deno.jupyter : undefined;
  } catch {
    return undefined;
  }
}

function tslabScope(): TslabCellScope | undefined {
  const scope = (globalThis as { __tslab__?: TslabCellScope }).__tslab__;
  return typeof scope?.require === 'function' ? scope : undefined;
}

/** The kernel running this code: Deno's, tslab, or none (a script, a test, a worker). */
export function currentKernel(): KernelName | undefined {
  if (denoJupyter()) return 'deno';
  return tslabScope() ? 'tslab' : undefined;
}

/**
 * Draws a bundle in the cell that is running. Deno takes the whole bundle (the viewer picks); tslab's
 * display sends one type per output, so it gets the HTML (which carries the PNG inside as its fallback),
 * or the text where there is no HTML. Deno's display is a promise: returned, so that `await show()` waits for it.
 */
export function displayInKernel(bundle: MimeBundle): Promise<void> {
  const deno = denoJupyter();
  if (deno) {
    const sent = deno.display({ ...bundle }, { raw: true });
    sent.catch(() => {}); // awaited by whoever awaits show(); not an unhandled rejection meanwhile
    return sent;
  }
  const display = tslabDisplay();
  if (bundle['text/html'] !== undefined) display.html(bundle['text/html']);
  else display.text(bundle['text/plain']);
  return Promise.resolve();
}

function tslabDisplay(): TslabDisplay {
  const scope = tslabScope();
  if (!scope) throw notInNotebook("this process is neither a tslab kernel nor Deno's");
  let tslab: { display?: TslabDisplay };
  try {
    tslab = scope.require('tslab') as { display?: TslabDisplay };
  } catch (error) {
    throw notInNotebook(`the kernel's tslab could not be loaded: ${(error as Error).message}`);
  }
  if (typeof tslab.display?.html !== 'function') throw notInNotebook('the kernel offers no display');
  return tslab.display;
}

function notInNotebook(reason: string): CamlabError {
  return new CamlabError(
    `show() draws inside a notebook (tslab or Deno's kernel), and ${reason}. Outside one, save figurePng(figure) as a PNG file, ` +
      `or figureHtml(figure, png, { includePlotly: true }) as a page.`,
  );
}

/**
 * True while tslab prints a cell's last value: its executor calls `console.log(value)` itself (tslab
 * 1.0.22, dist/executor.js), so the first caller outside Node's console and camlab's own files is
 * tslab's executor. A `console.log` in the cell's code has the cell's code there instead.
 */
export function printingTslabLastValue(): boolean {
  if (!tslabScope()) return false;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const caller = stack
    .split('\n')
    .slice(1)
    .find((frame) => !/\(node:|at node:/.test(frame) && !frame.includes(CAMLAB_FILES));
  return caller !== undefined && /[\\/]tslab[\\/]dist[\\/]executor\.js:/.test(caller);
}

/** camlab's own modules (src/ or dist/), whose hooks sit between the console and this check. */
const CAMLAB_FILES = `${__dirname}${sep}`;

/**
 * After a value drew itself as tslab's last value, its text is '' and the console would still print an
 * empty line: the next write of exactly '\n' to stdout is dropped (the console writes it synchronously).
 */
export function dropNextEmptyLine(): void {
  const stdout = process.stdout;
  const write = stdout.write;
  const once = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    stdout.write = write;
    if (chunk === '\n') return true;
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  };
  stdout.write = once as typeof stdout.write;
  // Should the console not write (it always does), the next tick restores the stream anyway.
  queueMicrotask(() => {
    if (stdout.write === once) stdout.write = write;
  });
}
