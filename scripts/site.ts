// Executes the tutorial notebooks side by side and publishes them (executed .ipynb + HTML + index.html).
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { executeNotebooks, type Notebook } from './jupyter';
import { trainedNetworkCached, TRAINED_NETWORK_NOTEBOOKS } from './assets';
import { firstFigurePng, hasDrawingFigure, indexPage, notebookSummary, notebookTitle, placeholderThumbnail } from './site-index';
import { formatSeconds } from '../src/progress';
import { shareFiles } from './site-assets';

export const NOTEBOOKS_DIR = resolve(__dirname, '..', 'notebooks');
const CELL_TIMEOUT = 300;

export interface PublishedNotebook {
  name: string;
  title: string;
  seconds: number;
  notebook: Notebook;
  errors: string[];
}

export interface BuildOptions {
  /** Also write the executed notebooks over the sources (those that succeeded): the maintainers' update. */
  copyBack?: boolean;
  /** How many notebooks run at once (each is its own kernel process); default: one per core. */
  concurrency?: number;
  log?: (line: string) => void;
}

/** Notebooks run at once by default: CAMLAB_NOTEBOOK_WORKERS, else one per core. */
export function defaultConcurrency(): number {
  const asked = process.env.CAMLAB_NOTEBOOK_WORKERS;
  if (asked === undefined || asked === '') return availableParallelism();
  const n = Number(asked);
  if (!Number.isInteger(n) || n < 1) throw new Error(`CAMLAB_NOTEBOOK_WORKERS must be a whole number of at least 1, got '${asked}'.`);
  return n;
}

/**
 * Runs every notebooks/NN-*.ipynb with the tslab kernel into `siteDir` (cells run there too, so files a
 * notebook writes land in the site, never beside the sources), with HTML beside each and an index page.
 * Notebooks run `concurrency` at a time, the longest last time first, and are logged as they finish; the
 * result is in file order and does not depend on the order they ran in. The pages share one copy of
 * plotly.js and of their style sheets (site-assets.ts).
 */
export async function buildSite(siteDir: string, options: BuildOptions = {}): Promise<PublishedNotebook[]> {
  await mkdir(join(siteDir, 'thumbnails'), { recursive: true });
  const names = (await readdir(NOTEBOOKS_DIR)).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();
  const concurrency = Math.max(1, Math.min(options.concurrency ?? defaultConcurrency(), names.length));
  const lastSeconds = await readLastSeconds();
  let finished = 0;
  const copies: Promise<void>[] = [];
  // Without a trained network in the cache, the notebooks that show one keep the outputs they were
  // committed with (a trained network's) rather than showing the untrained fallback on the site.
  const asIs = trainedNetworkCached() ? [] : names.flatMap((name, i) => (TRAINED_NETWORK_NOTEBOOKS.includes(name.slice(0, 2)) ? [i] : []));
  const outcomes = await executeNotebooks(
    names.map((name) => join(NOTEBOOKS_DIR, name)),
    siteDir,
    {
      cellTimeout: CELL_TIMEOUT,
      html: true,
      workDir: siteDir,
      concurrency,
      startOrder: longestFirst(names, lastSeconds),
      publishAsIs: asIs,
    },
    (index, outcome) => {
      const name = names[index];
      if ('error' in outcome) return options.log?.(`[${++finished}/${names.length}] ${name}: FAILED`);
      const { errors, seconds, path } = outcome.executed;
      if (asIs.includes(index))
        return options.log?.(
          `[${++finished}/${names.length}] ${name}: published with its committed outputs (no trained network in camlab's cache to run it with)`,
        );
      options.log?.(
        `[${++finished}/${names.length}] ${name}: ${errors.length ? `FAILED (${errors.join('; ')})` : 'ok'} in ${formatSeconds(seconds)}`,
      );
      if (options.copyBack && !errors.length) copies.push(copyFile(path, join(NOTEBOOKS_DIR, name)));
    },
  );
  await Promise.all(copies);
  const published: PublishedNotebook[] = outcomes.map((outcome, i) => {
    if ('error' in outcome) throw outcome.error; // a notebook that could not run at all: the first in file order
    const { notebook, errors, seconds } = outcome.executed;
    // A notebook published as it is ran no code here: its time is the last run's, when there was one.
    const time = asIs.includes(i) ? (lastSeconds[names[i]] ?? seconds) : seconds;
    return {
      name: names[i],
      title: notebookTitle(notebook, names[i]),
      seconds: time,
      notebook,
      errors: errors.map((e) => `${names[i]}, ${e}`),
    };
  });
  await writeLastSeconds({ ...lastSeconds, ...Object.fromEntries(published.map((p) => [p.name, p.seconds])) });
  const entries = await Promise.all(
    published.map(async (p) => {
      const png = firstFigurePng(p.notebook);
      const thumbnail = `thumbnails/${p.name.replace(/\.ipynb$/, png ? '.png' : '.svg')}`;
      await writeFile(join(siteDir, thumbnail), png ?? placeholderThumbnail(Number(p.name.slice(0, 2))));
      return {
        name: p.name,
        title: p.title,
        summary: notebookSummary(p.notebook),
        thumbnail,
        seconds: p.seconds,
        live: hasDrawingFigure(p.notebook),
      };
    }),
  );
  await writeFile(join(siteDir, 'index.html'), indexPage(entries));
  // One copy of plotly.js and of the page's style sheets for the whole site, instead of one per page.
  const shared = await shareFiles(
    siteDir,
    published.map((p) => p.name.replace(/\.ipynb$/, '.html')),
  );
  const kb = (bytes: number) => `${Math.round(bytes / 1000)} KB`;
  options.log?.(
    `Shared by every page: ${shared.files.map((f) => `${f.path} (${kb(f.bytes)})`).join(', ')}; pages ${shared.pages.map((p) => kb(p.after)).join(', ')}.`,
  );
  return published;
}

/** How long each notebook took last time, kept with the project's other build caches. */
const SECONDS_FILE = join(__dirname, '..', 'node_modules', '.cache', 'camlab', 'notebook-seconds.json');

async function readLastSeconds(): Promise<Record<string, number>> {
  try {
    return JSON.parse(await readFile(SECONDS_FILE, 'utf8')) as Record<string, number>;
  } catch {
    return {}; // the first run, or a cleaned cache: file order
  }
}

async function writeLastSeconds(seconds: Record<string, number>): Promise<void> {
  await mkdir(dirname(SECONDS_FILE), { recursive: true });
  await writeFile(SECONDS_FILE, `${JSON.stringify(seconds, null, 1)}\n`);
}

/**
 * The order to start notebooks in: the longest last time first (unknown ones before all), so that the
 * short ones fill the cores at the end instead of one long notebook running alone. Ties keep file order.
 */
export function longestFirst(names: string[], lastSeconds: Record<string, number>): number[] {
  const seconds = (i: number) => lastSeconds[names[i]] ?? Infinity;
  return names.map((_, i) => i).sort((a, b) => (seconds(a) === seconds(b) ? a - b : seconds(b) - seconds(a)));
}
