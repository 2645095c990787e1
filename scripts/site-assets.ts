// Files every page of the site shares. A notebook's output carries its own copy of what it needs (the
// .ipynb stays self-contained: GitHub, a live notebook, a page saved alone); the published site keeps one
// copy of each in site/assets/, named after its content's hash (so a static host may cache it for good),
// and each page refers to it. To share another file, add an entry to SHARED_FILES.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { SHARED_MARK, sharedPlotly } from '../src/plot/html';
import { sharedModel, sharedTfjs } from '../src/plot/drawing-page';

export interface SharedFile {
  /** The file's name in assets/ before the hash is added: 'plotly.js' → assets/plotly.3f2a9c1e0b.js. */
  name: string;
  /** A page's copy of the file: the whole of it, matched in the page's HTML (global: every copy). */
  copy: RegExp;
  /** The shared file's content, given the first copy found in a page. */
  content(copy: string): string | Buffer;
  /** What replaces a page's first copy: HTML that loads the shared file from `url` (relative to the page). Later copies go. */
  reference(url: string): string;
}

/** The copy of a file a notebook output marks with data-camlab-shared="key" (src/plot/html.ts). */
function markedScript(key: string): RegExp {
  return new RegExp(`<script ${SHARED_MARK}="${key}">[\\s\\S]*?</script>`, 'g');
}

export const SHARED_FILES: SharedFile[] = [
  {
    // plotly.js (≈ 1.5 MB unpacked): a figure's output carries it gzipped inline; the site loads it once.
    name: 'plotly.js',
    copy: markedScript('plotly'),
    content: () => sharedPlotly().file,
    reference: (url) => sharedPlotly().loader(url),
  },
  {
    // TensorFlow.js with its WASM backend (0.59 MB), for live drawing figures.
    name: 'tfjs.js',
    copy: markedScript('tfjs'),
    content: () => sharedTfjs().file,
    reference: (url) => sharedTfjs().loader(url),
  },
  {
    // A drawing figure's model: topology and weights (the embedded GAP-CNN: 0.38 MB).
    name: 'model.js',
    copy: markedScript('model'),
    content: (copy) => sharedModel(copy).file,
    reference: (url) => sharedModel('').loader(url),
  },
  {
    // The notebook page's style sheets, which nbconvert's lab template inlines in <head> (≈ 0.56 MB).
    name: 'notebook.css',
    copy: /(?:<style[^>]*>(?:(?!<\/style>)[\s\S])*<\/style>\s*)+(?=<\/head>)/g,
    content: (copy) => Array.from(copy.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g), (m) => m[1]).join('\n'),
    reference: (url) => `<link rel="stylesheet" href="${url}">`,
  },
];

export interface SharedReport {
  /** The files written into assets/, by their path relative to the site, with their sizes. */
  files: { path: string; bytes: number }[];
  /** Each page's size before and after, in bytes. */
  pages: { page: string; before: number; after: number }[];
}

/**
 * Replaces, in each page of `siteDir`, the copies of SHARED_FILES by references to one file each in
 * assets/ (pages whose copies differ get a file each: the hash names the content), and stores the
 * figures' static pictures as JPEG where that is much lighter (lighterStaticImages).
 */
export async function shareFiles(siteDir: string, pages: string[], files: SharedFile[] = SHARED_FILES): Promise<SharedReport> {
  await mkdir(join(siteDir, 'assets'), { recursive: true });
  const written = new Map<string, number>();
  const report: SharedReport = { files: [], pages: [] };
  for (const page of pages) {
    const path = join(siteDir, page);
    const before = await readFile(path, 'utf8');
    let html = before;
    for (const file of files) {
      const first = html.match(file.copy)?.[0];
      if (first === undefined) continue;
      const content = Buffer.from(file.content(first));
      const dot = file.name.lastIndexOf('.');
      const asset = `assets/${file.name.slice(0, dot)}.${createHash('sha256').update(content).digest('hex').slice(0, 10)}${file.name.slice(dot)}`;
      if (!written.has(asset)) {
        await writeFile(join(siteDir, asset), content);
        written.set(asset, content.length);
      }
      let seen = 0;
      // Later copies of the same content go; a different one (another model's weights) stays in the page.
      html = html.replace(file.copy, (copy) => (seen++ === 0 ? file.reference(asset) : copy === first ? '' : copy));
    }
    html = await lighterStaticImages(html);
    await writeFile(path, html);
    report.pages.push({ page, before: Buffer.byteLength(before), after: Buffer.byteLength(html) });
  }
  report.files = [...written].map(([path, bytes]) => ({ path, bytes }));
  return report;
}

/**
 * The page with each figure's static picture (what shows before the live plot is drawn, and without
 * JavaScript) as a JPEG at quality 90 where that is under 3/4 of the PNG: smooth heat maps weigh several
 * times less so. The notebooks keep their PNGs (GitHub shows them; the index's thumbnails come from there).
 */
export async function lighterStaticImages(html: string): Promise<string> {
  const jpeg = require('jpeg-js') as {
    encode(image: { data: Uint8Array; width: number; height: number }, quality: number): { data: Uint8Array };
  };
  const pattern = /(<img class="camlab-static"[^>]*? src=")data:image\/png;base64,([A-Za-z0-9+/=]+)"/g;
  const replacements = new Map<string, string>();
  for (const [whole, start, base64] of html.matchAll(pattern)) {
    const png = Buffer.from(base64, 'base64');
    const { bitmap } = await Jimp.read(png);
    const bytes = jpeg.encode({ data: new Uint8Array(bitmap.data), width: bitmap.width, height: bitmap.height }, 90).data;
    if (bytes.length < 0.75 * png.length)
      replacements.set(whole, `${start}data:image/jpeg;base64,${Buffer.from(bytes).toString('base64')}"`);
  }
  return replacements.size ? html.replace(pattern, (whole) => replacements.get(whole) ?? whole) : html;
}
