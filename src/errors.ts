/** An error a user can act on: it names what was wrong and what to do instead. */
export class CamlabError extends Error {
  override readonly name = 'CamlabError';
}

/** The value, or a CamlabError saying what is missing: where a lookup cannot fail unless the input is malformed. */
export function present<T>(value: T | undefined | null, missing: string): T {
  if (value === undefined || value === null) throw new CamlabError(missing);
  return value;
}
