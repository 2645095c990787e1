// npm start, before the notebooks: fetches what notebooks 03 and 07 show a trained network with, when it can:
// the photographs, tfjs-models' MobileNet v1 0.25 (2 MB) and Keras's ResNet-50 ImageNet weights (98 MB), into
// camlab's cache. Never required: without the network it says so in one line and the notebooks fall back.
// `--seed-cache DIR` (or CAMLAB_SEED_CACHE) first copies these files from a folder into the cache, so that
// maintainers without a route to the hosts can still write the committed notebooks' outputs.
import { copyFile, mkdir, readdir, rename, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PHOTOS, RESNET50_IMAGENET_URL, loadModel, photoUrl, type PhotoName } from '../src';
import { cachedDownload, cachePath, namedModelDir } from '../src/model/cache';
import { hostedModelUrl } from '../src/model/networks';

/** The trained network notebooks 03 and 07 fall back on when ResNet-50's weights are not cached. */
export const TUTORIAL_MOBILENET = 'mobilenet_v1_0.25_224';

/** A download that sends nothing for this long is given up (a host that accepts and then stalls). */
const STALL_SECONDS = 30;

export interface Asset {
  name: string;
  /** Where it comes from (for messages: its host). */
  url: string;
  /** What the notebooks do without it. */
  without: string;
  present(): boolean;
  fetch(stallSeconds: number): Promise<void>;
  /** Copies the asset from a seed folder into the cache: the files copied, or undefined when the folder lacks it. */
  seed(folder: string): Promise<number | undefined>;
}

const UNTRAINED = 'notebooks 03 and 07 show an untrained network instead';

/** One file at its URL's place in the cache; in a seed folder, a file of the same name (at its top or in `under`). */
function fileAsset(name: string, url: string, without: string, under = ''): Asset {
  return {
    name,
    url,
    without,
    present: () => existsSync(cachePath(url)),
    fetch: async (stallSeconds) => void (await cachedDownload(url, { progress: true, stallSeconds })),
    seed: async (folder) => {
      const from = [join(folder, under, basename(new URL(url).pathname)), join(folder, basename(new URL(url).pathname))].find((p) =>
        existsSync(p),
      );
      return from ? copyInto(from, cachePath(url)) : undefined;
    },
  };
}

/** A hosted model by name, in its folder of the cache; in a seed folder, a folder of the same name. */
function hostedModelAsset(name: typeof TUTORIAL_MOBILENET): Asset {
  const folder = namedModelDir(name);
  return {
    name: `${name} (2 MB)`,
    url: hostedModelUrl(name),
    without: UNTRAINED,
    present: () => existsSync(join(folder, 'model.json')),
    // loadModel owns the download (model.json, then the weight files it names); the model itself is not needed here.
    fetch: async () => void (await loadModel(name)).dispose(),
    seed: async (seedFolder) => (existsSync(join(seedFolder, name, 'model.json')) ? copyInto(join(seedFolder, name), folder) : undefined),
  };
}

/** What notebooks 03 and 07 look for; the URLs can be redirected (tests, mirrors) with environment variables. */
export function tutorialAssets(): Asset[] {
  const photos = (Object.keys(PHOTOS) as PhotoName[]).map((photo) =>
    fileAsset(`the photograph ${PHOTOS[photo].file}`, photoUrl(photo), UNTRAINED, 'photos'),
  );
  return [
    ...photos,
    hostedModelAsset(TUTORIAL_MOBILENET),
    fileAsset(
      "ResNet-50's ImageNet weights (98 MB)",
      process.env.CAMLAB_RESNET50_WEIGHTS_URL ?? RESNET50_IMAGENET_URL,
      'notebook 03 shows MobileNet instead of ResNet-50',
    ),
  ];
}

/** The notebooks that show a trained ImageNet network when one is in the cache. */
export const TRAINED_NETWORK_NOTEBOOKS = ['03', '07'];

/** Whether notebooks 03 and 07 would find a trained network and the photographs in camlab's cache. */
export function trainedNetworkCached(): boolean {
  const assets = tutorialAssets();
  const photos = assets.filter((a) => a.name.startsWith('the photograph'));
  const networks = assets.filter((a) => !a.name.startsWith('the photograph'));
  return photos.every((a) => a.present()) && networks.some((a) => a.present());
}

/**
 * Downloads the assets that are not cached yet, each with a progress bar. Never throws for the network:
 * what could not be fetched is reported in one line. CAMLAB_OFFLINE=1 skips the attempt.
 */
export async function fetchAssets(
  options: { log?: (line: string) => void; stallSeconds?: number } = {},
): Promise<{ fetched: string[]; missing: string[] }> {
  const log = options.log ?? ((line: string) => console.error(line));
  const missing = tutorialAssets().filter((a) => !a.present());
  if (missing.length === 0) return { fetched: [], missing: [] };
  const consequences = (assets: Asset[]) => [...new Set(assets.map((a) => a.without))].join('; ');
  if (process.env.CAMLAB_OFFLINE === '1') {
    log(`CAMLAB_OFFLINE=1: not fetching ${missing.map((a) => a.name).join(', ')}; ${consequences(missing)}.`);
    return { fetched: [], missing: missing.map((a) => a.url) };
  }
  const fetched: Asset[] = [];
  const failed: { asset: Asset; reason: string }[] = [];
  for (const asset of missing) {
    try {
      await asset.fetch(options.stallSeconds ?? STALL_SECONDS);
      fetched.push(asset);
    } catch (error) {
      // The library's message ends with what to do by hand; here one short reason per file is enough.
      const message = (error as Error).message;
      const reason = /no byte arrived for [\d.]+ s/.exec(message)?.[0] ?? /\(([A-Z_]+)\)/.exec(message)?.[1] ?? message;
      failed.push({ asset, reason });
    }
  }
  if (failed.length) {
    const what = failed.map(({ asset, reason }) => `${asset.name} from ${new URL(asset.url).host} (${reason})`).join('; ');
    log(`Not fetched: ${what}. So ${consequences(failed.map((f) => f.asset))} (CAMLAB_OFFLINE=1 skips this step).`);
  }
  return { fetched: fetched.map((a) => a.url), missing: failed.map((f) => f.asset.url) };
}

/**
 * Copies the tutorial's assets from `folder` into camlab's cache where they are missing (a cached file is
 * never overwritten). Returns one line saying what was copied; a folder holding none of them is an error.
 */
export async function seedCache(folder: string): Promise<string> {
  if (
    !(await stat(folder).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw new Error(`The seed folder '${folder}' is not a folder.`);
  const seeded: string[] = [];
  let offered = 0;
  for (const asset of tutorialAssets()) {
    const copied = await asset.seed(folder);
    if (copied !== undefined) offered++;
    if (copied) seeded.push(asset.name);
  }
  if (offered === 0) {
    const expected = tutorialAssets()
      .map((a) => basename(new URL(a.url).pathname))
      .join(', ');
    throw new Error(`The seed folder '${folder}' holds none of the tutorial's files (${expected}).`);
  }
  return seeded.length
    ? `Seeded camlab's cache from ${folder}: ${seeded.join(', ')}.`
    : `camlab's cache already holds what ${folder} offers.`;
}

/** Copies a file, or a folder's files, to `to` where they are missing; returns how many were copied. */
async function copyInto(from: string, to: string): Promise<number> {
  if ((await stat(from)).isDirectory()) {
    let copied = 0;
    for (const entry of await readdir(from, { withFileTypes: true }))
      if (entry.isFile()) copied += await copyInto(join(from, entry.name), join(to, entry.name));
    return copied;
  }
  if (existsSync(to)) return 0;
  await mkdir(dirname(to), { recursive: true });
  // Under a temporary name until complete, as downloads are: an interrupted copy never looks whole.
  await copyFile(from, `${to}.seeding`);
  await rename(`${to}.seeding`, to);
  return 1;
}
