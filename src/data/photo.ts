// The photographs the tutorial explains with a trained ImageNet network. camlab does not ship them (they
// are not camlab's to ship): they are downloaded once into camlab's cache, from scikit-image's sample
// data, where both are dedicated to the public domain (CC0).
import type { tf } from '../tf';
import { CamlabError } from '../errors';
import { cachedDownload } from '../model/cache';
import { loadImage } from '../image/load';

export interface Photo {
  /** What it shows, as a caption says it. */
  caption: string;
  /** Who made it and under what terms: show it wherever the photograph is shown. */
  credit: string;
  /** The file's name at its source. */
  file: string;
}

/** scikit-image's sample data at a fixed release, so the pixels never change under the committed outputs. */
export const PHOTOS_URL = 'https://raw.githubusercontent.com/scikit-image/scikit-image/v0.19.3/skimage/data';

export const PHOTOS = {
  cat: { caption: 'Chelsea the cat', credit: 'Stefan van der Walt, CC0', file: 'chelsea.png' },
  coffee: { caption: 'a cup of coffee', credit: 'Rachel Michetti (courtesy of Pikolo Espresso Bar), CC0', file: 'coffee.png' },
} as const satisfies Record<string, Photo>;

export type PhotoName = keyof typeof PHOTOS;

/** Where a photograph is downloaded from: PHOTOS_URL, or CAMLAB_PHOTOS_URL (a mirror, or a test's server). */
export function photoUrl(name: PhotoName): string {
  const photo = photoNamed(name);
  return `${(process.env.CAMLAB_PHOTOS_URL ?? PHOTOS_URL).replace(/\/+$/, '')}/${photo.file}`;
}

/**
 * A tutorial photograph as an [H, W, 3] image (0..255), downloaded into camlab's cache the first time.
 * Offline and not cached, the error says where to put the file. The tensor is the caller's.
 *
 * @example const cat = await loadPhoto('cat'); // Chelsea the cat, 451×300
 */
export async function loadPhoto(name: PhotoName): Promise<tf.Tensor3D> {
  photoNamed(name);
  return loadImage(await cachedDownload(photoUrl(name)));
}

function photoNamed(name: PhotoName): Photo {
  if (typeof name !== 'string' || !Object.hasOwn(PHOTOS, name)) throw new CamlabError(`There is no tutorial photograph '${String(name)}'; there are: ${Object.keys(PHOTOS).join(', ')}.`);
  return PHOTOS[name];
}
