// Downloads into a cache folder (~/.cache/camlab, or CAMLAB_CACHE), so a model fetched once loads
// offline afterwards. A download is written to a temporary name and renamed when complete, so a broken
// transfer never leaves a file that looks whole.
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { CamlabError } from '../errors';
import { ProgressBar } from '../progress';

/** Errors that mean the host cannot be reached at all (rather than a transfer that broke). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export function cacheDir(): string {
  return process.env.CAMLAB_CACHE ?? join(homedir(), '.cache', 'camlab');
}

/** Where a URL's file lives in the cache: one folder per URL's directory, the file's own name. */
export function cachePath(url: string): string {
  const parsed = new URL(url);
  const folder = createHash('sha256').update(parsed.origin + parsed.pathname.replace(/[^/]*$/, '')).digest('hex').slice(0, 16);
  return join(cacheDir(), 'downloads', folder, decodeURIComponent(basename(parsed.pathname)) || 'index');
}

/**
 * The cached copy of `url`, downloaded first if it is not there yet (with a progress bar for large files).
 * `stallSeconds`: give up when no byte has arrived for that long (connecting included); default: wait.
 */
export async function cachedDownload(url: string, options: { progress?: boolean; stallSeconds?: number } = {}): Promise<string> {
  const path = cachePath(url);
  if (await stat(path).then((s) => s.isFile(), () => false)) return path;
  await mkdir(join(path, '..'), { recursive: true });
  const partial = `${path}.partial-${process.pid}`;
  const stall = new StallTimer(options.stallSeconds);
  try {
    const response = await fetch(url, { signal: stall.signal }).catch((error: Error & { cause?: { code?: string } }) => {
      if (stall.fired) throw stall.error(url);
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
        stall.restart();
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
    if (stall.fired) throw stall.error(url);
    if (error instanceof CamlabError) throw error;
    throw new CamlabError(`Downloading ${url} failed: ${(error as Error).message}. Nothing was cached; try again.`);
  } finally {
    stall.stop();
  }
}

/** Aborts a download when no byte has come for `seconds` (a host that accepts and then says nothing). */
class StallTimer {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  fired = false;

  constructor(private readonly seconds: number | undefined) {
    this.restart();
  }

  get signal(): AbortSignal | undefined {
    return this.seconds === undefined ? undefined : this.controller.signal;
  }

  restart(): void {
    if (this.seconds === undefined) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.seconds * 1000);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  error(url: string): CamlabError {
    return new CamlabError(`Downloading ${url} stalled: no byte arrived for ${this.seconds} s. Nothing was cached; try again later, or put the file at '${cachePath(url)}'.`);
  }
}
