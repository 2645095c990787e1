import type { Notebook, NotebookCell } from '../../scripts/jupyter';

export const code = (source: string): NotebookCell => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source });
export const markdown = (source: string): NotebookCell => ({ cell_type: 'markdown', metadata: {}, source });

export function tslabNotebook(cells: NotebookCell[]): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } }, cells };
}
