// Downloads into a cache folder (~/.cache/camlab, or CAMLAB_CACHE), so a model fetched once loads
// offline afterwards. A download is written to a temporary name and renamed when complete, so a broken
// transfer never leaves a file that looks whole.
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { CamlabError } from '../errors';
import { ProgressBar } from '../progress';

/** Errors that mean the host cannot be reached at all (rather than a transfer that broke). */
const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function cacheDir(): string {
  return process.env.CAMLAB_CACHE ?? join(homedir(), '.cache', 'camlab');
}

/** Where a URL's file lives in the cache: one folder per URL's directory, the file's own name. */
export function cachePath(url: string): string {
  const parsed = new URL(url);
  const folder = createHash('sha256')
    .update(parsed.origin + parsed.pathname.replace(/[^/]*$/, ''))
    .digest('hex')
    .slice(0, 16);
  return join(cacheDir(), 'downloads', folder, decodeURIComponent(basename(parsed.pathname)) || 'index');
}

/**
 * Where a model loaded by name (loadModel('mobilenet_v1_0.25_224')) lives: `<cache>/models/<name>/`,
 * holding its model.json and weight files under their own names, as the server has them. A folder
 * copied there by hand is used as it is, with no network.
 */
export function namedModelDir(name: string): string {
  return join(cacheDir(), 'models', name);
}

/** Seconds without a byte after which a download is given up (CAMLAB_DOWNLOAD_STALL overrides). */
const DEFAULT_STALL_SECONDS = 30;

/** The stall bound in force: the option, else CAMLAB_DOWNLOAD_STALL (seconds), else 30 s. */
export function stallSeconds(option?: number): number {
  const text = process.env.CAMLAB_DOWNLOAD_STALL;
  const value = option ?? (text ? Number(text) : DEFAULT_STALL_SECONDS);
  if (!(value > 0))
    throw new CamlabError(`The download stall bound must be a number of seconds > 0, got ${option ?? `CAMLAB_DOWNLOAD_STALL='${text}'`}.`);
  return value;
}

/**
 * The cached copy of `url`, downloaded first if it is not there yet (with a progress bar for large files).
 * A download that receives no byte for `stallSeconds` (default 30) fails instead of hanging. `path`
 * puts the file at a path of the caller's choosing instead of the URL's place in the cache.
 */
export async function cachedDownload(
  url: string,
  options: { progress?: boolean; stallSeconds?: number; path?: string } = {},
): Promise<string> {
  const path = options.path ?? cachePath(url);
  if (
    await stat(path).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return path;
  const stall = stallSeconds(options.stallSeconds);
  await mkdir(join(path, '..'), { recursive: true });
  // Threads of one process share a pid, so the temporary name carries the thread too.
  const partial = `${path}.partial-${process.pid}-${threadId}`;
  const watchdog = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => watchdog.abort(), stall * 1000);
  };
  const stalled = () =>
    new CamlabError(
      `Downloading ${url} stalled: no byte arrived for ${stall} s. Nothing was cached; try again later, or raise the bound with CAMLAB_DOWNLOAD_STALL=seconds.`,
    );
  rearm();
  try {
    const response = await fetch(url, { signal: watchdog.signal }).catch((error: Error & { cause?: { code?: string } }) => {
      if (watchdog.signal.aborted) throw stalled();
      const code = error.cause?.code ?? error.message;
      throw new CamlabError(
        UNREACHABLE.has(code)
          ? `Could not download ${url} (${code}). Without network access, download it elsewhere and put it at '${path}'.`
          : `Downloading ${url} failed: the transfer broke (${code}). Nothing was cached; try again.`,
      );
    });
    if (!response.ok || !response.body) throw new CamlabError(`Downloading ${url} failed: HTTP ${response.status} ${response.statusText}.`);
    const expected = Number(response.headers.get('content-length') ?? NaN);
    const bar = (options.progress ?? expected > 1e6) ? new ProgressBar(expected || 1, `downloading ${basename(path)}`) : undefined;
    const file = await open(partial, 'w');
    let received = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        rearm();
        await file.write(chunk);
        received += chunk.byteLength;
        bar?.update(Math.min(received, expected || received), `${(received / 1e6).toFixed(1)} MB`);
      }
    } finally {
      await file.close();
    }
    if (Number.isFinite(expected) && received !== expected) {
      throw new CamlabError(`Downloading ${url} stopped after ${received} of ${expected} bytes; nothing was cached. Try again.`);
    }
    await rename(partial, path);
    return path;
  } catch (error) {
    await rm(partial, { force: true });
    if (watchdog.signal.aborted && !(error instanceof CamlabError)) throw stalled();
    if (error instanceof CamlabError) throw error;
    throw new CamlabError(`Downloading ${url} failed: ${(error as Error).message}. Nothing was cached; try again.`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
