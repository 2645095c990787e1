/**
 * The line an eval'd worker thread runs before it requires `modulePath`: nothing for the compiled .js
 * of an installed package; for the .ts sources that camlab's own tests run, tsx's CommonJS hook,
 * which an eval'd worker does not inherit from the thread that starts it.
 */
export function typescriptHookFor(modulePath: string): string {
  return modulePath.endsWith('.ts') ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});` : '';
}
