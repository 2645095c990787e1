// Executes the tutorial notebooks in order and publishes them (executed .ipynb + HTML + index.html).
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { executeNotebook, type Notebook } from './jupyter';
import { formatSeconds } from '../src/progress';
import { escapeHtml } from '../src/plot/html';

export const NOTEBOOKS_DIR = resolve(__dirname, '..', 'notebooks');
const CELL_TIMEOUT = 300;

export interface PublishedNotebook {
  name: string;
  title: string;
  seconds: number;
  notebook: Notebook;
  errors: string[];
}

/**
 * Runs every notebooks/NN-*.ipynb with the tslab kernel into `siteDir`, with HTML beside each and an
 * index page. `copyBack` writes the executed notebooks over the sources (only those that succeeded),
 * so that the committed notebooks carry their outputs.
 */
export async function buildSite(siteDir: string, options: { copyBack?: boolean; log?: (line: string) => void } = {}): Promise<PublishedNotebook[]> {
  await mkdir(siteDir, { recursive: true });
  const names = (await readdir(NOTEBOOKS_DIR)).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
  const published: PublishedNotebook[] = [];
  for (const name of names) {
    const began = Date.now();
    const { notebook, path, errors } = await executeNotebook(join(NOTEBOOKS_DIR, name), siteDir, { cellTimeout: CELL_TIMEOUT, html: true });
    const seconds = (Date.now() - began) / 1000;
    options.log?.(`${name}: ${errors.length ? `FAILED (${errors.join('; ')})` : 'ok'} in ${formatSeconds(seconds)}`);
    if (options.copyBack && !errors.length) await copyFile(path, join(NOTEBOOKS_DIR, name));
    published.push({ name, title: notebookTitle(notebook, name), seconds, notebook, errors: errors.map((e) => `${name}, ${e}`) });
  }
  await writeFile(join(siteDir, 'index.html'), indexPage(published));
  return published;
}

function notebookTitle(notebook: Notebook, fallback: string): string {
  const first = notebook.cells.find((c) => c.cell_type === 'markdown');
  const source = Array.isArray(first?.source) ? first!.source.join('') : first?.source ?? '';
  return /^#\s+(.+)$/m.exec(source)?.[1].trim() ?? fallback;
}

function indexPage(pages: { name: string; title: string }[]): string {
  const items = pages.map((p) => `    <li><a href="${escapeHtml(p.name.replace(/\.ipynb$/, '.html'))}">${escapeHtml(p.title)}</a> <small>(<a href="${escapeHtml(p.name)}">notebook</a>)</small></li>`);
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>camlab — where a CNN looks</title>
  <style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 46em; margin: 3em auto; padding: 0 1em; } li { margin: 0.4em 0; }</style>
</head>
<body>
  <h1>camlab: where a convolutional network looks</h1>
  <p>Class Activation Maps (Zhou et al., CVPR 2016) in TypeScript notebooks, executed with the tslab kernel.
  Read them in order; each page is interactive where JavaScript runs and shows static images where it does not.</p>
  <ol>
${items.join('\n')}
  </ol>
</body>
</html>
`;
}
