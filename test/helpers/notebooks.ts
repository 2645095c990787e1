import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  checkJupyter,
  registerKernel,
  executeNotebook,
  type ExecutedNotebook,
  type Notebook,
  type NotebookCell,
} from '../../scripts/jupyter';

export const code = (source: string): NotebookCell => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source });
export const markdown = (source: string): NotebookCell => ({ cell_type: 'markdown', metadata: {}, source });

export function tslabNotebook(cells: NotebookCell[]): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells,
  };
}

/** A tslab notebook of `cells`, written as DIR/NAME.ipynb, executed and exported by nbconvert as DIR/NAME.html. */
export async function exportedNotebook(
  dir: string,
  name: string,
  cells: NotebookCell[],
): Promise<{ executed: ExecutedNotebook; htmlUrl: string }> {
  await checkJupyter();
  await registerKernel();
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.ipynb`);
  await writeFile(path, JSON.stringify(tslabNotebook(cells)));
  const executed = await executeNotebook(path, dir, { html: true });
  return { executed, htmlUrl: pathToFileURL(join(dir, `${name}.html`)).href };
}
