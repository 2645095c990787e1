// Warnings that a likely mistake deserves but an error would not: printed once per process on stderr
// (CAMLAB_QUIET=1 silences them), so a loop over a thousand images says it once.
const said = new Set<string>();

/** Prints `camlab: <message>` on stderr the first time `key` is warned about. */
export function warnOnce(key: string, message: string): void {
  if (said.has(key)) return;
  said.add(key);
  if (!process.env.CAMLAB_QUIET) console.error(`camlab: ${message}`);
}
