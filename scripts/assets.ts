// npm start, before the notebooks: fetches what the tutorial's ResNet-50 notebook (03) shows when it can,
// Keras's ImageNet weights and a photograph, into camlab's cache. Never required: without the network
// it says so in one line and the notebook shows an untrained network instead.
import { ELEPHANT_PHOTO_URL, RESNET50_IMAGENET_URL } from '../src';
import { existsSync } from 'node:fs';
import { cachedDownload, cachePath } from '../src/model/cache';

/** A download that sends nothing for this long is given up (a host that accepts and then stalls). */
const STALL_SECONDS = 30;

export interface Asset {
  name: string;
  url: string;
}

/** What notebook 03 looks for; the URLs can be redirected (tests, mirrors) with environment variables. */
export function tutorialAssets(): Asset[] {
  return [
    { name: "ResNet-50's ImageNet weights (98 MB)", url: process.env.CAMLAB_RESNET50_WEIGHTS_URL ?? RESNET50_IMAGENET_URL },
    { name: 'the photograph', url: process.env.CAMLAB_PHOTO_URL ?? ELEPHANT_PHOTO_URL },
  ];
}

/**
 * Downloads the assets that are not cached yet, each with a progress bar. Never throws for the network:
 * what could not be fetched is reported in one line. CAMLAB_OFFLINE=1 skips the attempt.
 */
export async function fetchAssets(options: { log?: (line: string) => void; stallSeconds?: number } = {}): Promise<{ fetched: string[]; missing: string[] }> {
  const log = options.log ?? ((line: string) => console.error(line));
  const missing = tutorialAssets().filter((a) => !existsSync(cachePath(a.url)));
  if (missing.length === 0) return { fetched: [], missing: [] };
  if (process.env.CAMLAB_OFFLINE === '1') {
    log(`CAMLAB_OFFLINE=1: not fetching ${missing.map((a) => a.name).join(' and ')}; notebook 03 shows an untrained network instead.`);
    return { fetched: [], missing: missing.map((a) => a.url) };
  }
  const fetched: string[] = [];
  const failures: string[] = [];
  for (const asset of missing) {
    try {
      await cachedDownload(asset.url, { progress: true, stallSeconds: options.stallSeconds ?? STALL_SECONDS });
      fetched.push(asset.url);
    } catch (error) {
      // The library's message ends with what to do by hand; here one short reason per file is enough.
      const message = (error as Error).message;
      const reason = /no byte arrived for [\d.]+ s/.exec(message)?.[0] ?? /\(([A-Z_]+)\)/.exec(message)?.[1] ?? message;
      failures.push(`${asset.name} from ${new URL(asset.url).host} (${reason})`);
    }
  }
  if (failures.length) {
    log(`Not fetched: ${failures.join('; ')}. Notebook 03 shows an untrained network instead (CAMLAB_OFFLINE=1 skips this step).`);
  }
  return { fetched, missing: missing.filter((a) => !fetched.includes(a.url)).map((a) => a.url) };
}
