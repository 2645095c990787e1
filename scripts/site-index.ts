// The site's index page: for each notebook its number, title, what it teaches (from its own first
// paragraph), a thumbnail of its first figure, how long it ran, and links to the page and the .ipynb.
import { escapeHtml } from '../src/plot/html';
import { formatSeconds } from '../src/progress';
import type { Notebook, NotebookCell } from './jupyter';

export interface IndexEntry {
  /** The notebook's file name, NN-name.ipynb. */
  name: string;
  title: string;
  summary: string;
  /** The thumbnail's path relative to the index: the first figure's PNG, or a placeholder. */
  thumbnail: string;
  seconds: number;
  /** The page holds a live drawing figure (the reader draws, the network in the page answers). */
  live?: boolean;
}

const cellSource = (cell: NotebookCell | undefined) => {
  const source = cell?.source ?? '';
  return Array.isArray(source) ? source.join('') : source;
};

/** The notebook's `# Title` without its leading number ("1. Looking inside a CNN" → "Looking inside a CNN"). */
export function notebookTitle(notebook: Notebook, fallback: string): string {
  const heading = /^#\s+(.+)$/m.exec(cellSource(notebook.cells.find((c) => c.cell_type === 'markdown')))?.[1].trim();
  return heading?.replace(/^\d+\.\s*/, '') || fallback;
}

/** The first one or two sentences of the first prose paragraph after the title, as plain text. */
export function notebookSummary(notebook: Notebook): string {
  const paragraphs = cellSource(notebook.cells.find((c) => c.cell_type === 'markdown')).split(/\n\s*\n/);
  const prose = paragraphs.map((p) => p.trim()).find((p) => p && !/^(#|<|-|\*\s|\d+\.\s|\|)/.test(p)) ?? '';
  const plain = prose
    .replace(/<[^>]*>/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const sentences = plain.split(/(?<=[.!?])\s+(?=[A-Z])/);
  const first = sentences[0] ?? '';
  const summary = first.length < 160 && sentences[1] ? `${first} ${sentences[1]}` : first;
  // A sentence that introduces a formula or a list ends with a colon; alone, it ends with a full stop.
  return summary.replace(/:$/, '.');
}

/** The PNG bytes of the notebook's first figure: the static image of a camlab figure, or a PNG output. */
export function firstFigurePng(notebook: Notebook): Buffer | undefined {
  for (const cell of notebook.cells) {
    for (const output of cell.outputs ?? []) {
      const join = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : (v ?? ''));
      const fromHtml = /class="camlab-static"[^>]*src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(
        join(output.data?.['text/html']),
      )?.[1];
      const png = fromHtml ?? join(output.data?.['image/png']).replace(/\s+/g, '');
      if (png) return Buffer.from(png, 'base64');
    }
  }
  return undefined;
}

/** Whether the notebook's outputs hold a drawing figure, which the index points out. */
export function hasDrawingFigure(notebook: Notebook): boolean {
  return notebook.cells.some((cell) =>
    (cell.outputs ?? []).some((o) => [o.data?.['text/html'] ?? ''].flat().join('').includes('class="camlab-drawing-figure"')),
  );
}

/** For a notebook without figures (its outputs are text): its number on a card the thumbnails' size. */
export function placeholderThumbnail(number: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240"><rect width="320" height="240" fill="#eef3f8"/><text x="160" y="150" font-family="sans-serif" font-size="96" text-anchor="middle" fill="#1f77b4">${number}</text><text x="160" y="210" font-family="sans-serif" font-size="20" text-anchor="middle" fill="#555">text and tables</text></svg>\n`;
}

export function indexPage(entries: IndexEntry[]): string {
  const items = entries.map((entry) => {
    const page = escapeHtml(entry.name.replace(/\.ipynb$/, '.html'));
    const title = escapeHtml(entry.title);
    const thumbnail = `<a class="thumb" href="${page}" tabindex="-1"><img src="${escapeHtml(entry.thumbnail)}" alt="The first figure of “${title}”" loading="lazy"></a>`;
    return `    <li>
      ${thumbnail}
      <div>
        <h2><span class="number">${Number(entry.name.slice(0, 2))}</span> <a href="${page}">${title}</a></h2>
        <p>${escapeHtml(entry.summary)}</p>
${entry.live ? `        <p class="live">Live: draw a digit on the page and the network, running in your browser, shows where it looks.</p>\n` : ''}        <p class="meta"><a href="${page}">Read the lesson</a> · <a href="${escapeHtml(entry.name)}" download>download the notebook</a> to run and change it yourself (its code runs in about ${formatSeconds(entry.seconds)})</p>
      </div>
    </li>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>camlab — where a CNN looks</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em; color: #1d1d1f; }
    h1 { font-size: 1.6em; line-height: 1.25; }
    ol { list-style: none; padding: 0; }
    li { display: flex; gap: 1em; align-items: flex-start; padding: 1em 0; border-top: 1px solid #ddd; }
    .thumb { flex: 0 0 10em; aspect-ratio: 4 / 3; }
    .thumb img { display: block; box-sizing: border-box; width: 100%; height: 100%; object-fit: contain; background: #fff; border: 1px solid #ddd; border-radius: 4px; }
    h2 { font-size: 1.15em; margin: 0 0 0.3em; }
    .number { display: inline-block; min-width: 1.6em; height: 1.6em; line-height: 1.6em; text-align: center; border-radius: 50%; background: #1f77b4; color: #fff; font-size: 0.85em; }
    p { margin: 0.3em 0; overflow-wrap: anywhere; }
    .meta { color: #555; font-size: 0.9em; }
    .live { color: #1f5f96; font-weight: 600; }
    @media (max-width: 36em) {
      body { margin-top: 1em; }
      li { gap: 0.75em; }
      .thumb { flex: 0 0 7em; }
    }
  </style>
</head>
<body>
  <h1>camlab: where a convolutional network looks</h1>
  <p>Short lessons on how a convolutional network recognises what is in a picture, and how to see
  where it looked: Class Activation Maps (Zhou et al., CVPR 2016). Read them in order. Each lesson shows its
  code, what the code printed and the figures it drew; point at a figure (or tap it) to read its values.
  To run the code yourself and change it, download a lesson's notebook and open it in Jupyter.</p>
  <ol>
${items.join('\n')}
  </ol>
</body>
</html>
`;
}
