import { availableParallelism } from 'node:os';
import { CamlabError } from './errors';

/**
 * The line an eval'd worker thread runs before it requires `modulePath`: nothing for the compiled .js
 * of an installed package; for the .ts sources that camlab's own tests run, tsx's CommonJS hook,
 * which an eval'd worker does not inherit from the thread that starts it. The hook turns source maps
 * on, and Node then parses TensorFlow.js's large maps in every worker (≈ 0.3 s each); a worker's
 * errors reach its parent as messages, without a stack, so they are turned off again in the worker.
 */
export function typescriptHookFor(modulePath: string): string {
  return modulePath.endsWith('.ts') ? `require(${JSON.stringify(require.resolve('tsx/cjs'))}); process.setSourceMapsEnabled(false);` : '';
}

/** XNNPACK's thread pool takes at most 8 threads in this build (it pre-starts 8 pthread workers). */
export const MAX_WASM_THREADS = 8;

/** The threads CAMLAB_THREADS asks for (a whole number ≥ 1), or undefined when it is unset. */
export function requestedThreads(text = process.env.CAMLAB_THREADS): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1) {
    throw new CamlabError(
      `CAMLAB_THREADS='${text}' is not a whole number ≥ 1; use 1 for one thread, or unset it to use every core (${availableParallelism()} here).`,
    );
  }
  return Number(text);
}

/**
 * The threads the WASM backend will use: CAMLAB_THREADS, else every core; never above XNNPACK's maximum.
 * Under Deno one: the Emscripten pthread workers assign `self.location`, which Deno's workers refuse
 * ("Cannot set property location … which has only a getter"), and the first camlab call would wait forever.
 */
export function wasmThreadCount(): number {
  if ((globalThis as { Deno?: unknown }).Deno !== undefined) return 1;
  return Math.min(requestedThreads() ?? availableParallelism(), MAX_WASM_THREADS);
}
