/** An error a user can act on: it names what was wrong and what to do instead. */
export class CamlabError extends Error {
  override readonly name = 'CamlabError';
}
