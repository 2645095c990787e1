import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CamlabError } from '../errors';

/** The extensions a folder walk takes (a file named on its own is taken whatever its name). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff'];

export interface ImageFile {
  /** The path as the user would write it (the argument, or the folder argument joined with the file's place in it). */
  path: string;
  /** The file's place under the deepest folder that holds every input: what an output tree mirrors. */
  relative: string;
}

/**
 * The image files named by `paths`: files as given, folders walked recursively for image extensions,
 * in a stable order (arguments in order, each folder's entries sorted by name). A file reached twice is
 * listed once; `exclude` (e.g. the output folder) is never entered. Paths that do not exist are refused.
 *
 * @example const files = await findImageFiles(['photos', 'extra/cat.jpg']);
 */
export async function findImageFiles(paths: string[], options: { exclude?: string } = {}): Promise<ImageFile[]> {
  const exclude = options.exclude ? resolve(options.exclude) : undefined;
  const found: { path: string; absolute: string; root: string }[] = [];
  const seen = new Set<string>();
  const take = async (path: string, root: string) => {
    const real = await realpath(path);
    if (seen.has(real)) return;
    seen.add(real);
    found.push({ path, absolute: resolve(path), root });
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new CamlabError(`Image file not found: '${path}'. Check the path (relative paths start at ${process.cwd()}).`);
    if (info.isDirectory()) {
      for (const file of await walk(path, exclude, new Set([await realpath(path)]))) await take(file, resolve(path));
    } else {
      await take(path, dirname(resolve(path)));
    }
  }
  const base = commonFolder(found.map((f) => f.root));
  return found.map((f) => ({ path: f.path, relative: relative(base, f.absolute) }));
}

async function walk(folder: string, exclude: string | undefined, visited: Set<string>): Promise<string[]> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    let isFolder = entry.isDirectory();
    if (entry.isSymbolicLink()) isFolder = (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
    if (isFolder) {
      if (exclude !== undefined && resolve(path) === exclude) continue;
      // A link back up the tree would make the walk endless.
      const real = await realpath(path);
      if (visited.has(real)) continue;
      files.push(...(await walk(path, exclude, new Set([...visited, real]))));
    } else if (IMAGE_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) {
      files.push(path);
    }
  }
  return files;
}

/** The deepest folder that contains every one of `folders` (absolute paths). */
function commonFolder(folders: string[]): string {
  if (folders.length === 0) return process.cwd();
  const parts = folders.map((f) => f.split(sep));
  const shared: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0][i]); i++) shared.push(parts[0][i]);
  return shared.join(sep) || sep;
}
