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
