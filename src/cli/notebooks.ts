// `camlab notebooks [DIR]`: the tutorial notebooks, copied into a user's own folder to run there.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CamlabError } from '../errors';
import { DEFAULT_NOTEBOOKS_TARGET, readOptions } from './options';

/** The tutorial notebooks shipped in the package (and in the repository's notebooks/ folder). */
export const TUTORIAL_NOTEBOOKS_DIR = join(__dirname, '..', '..', 'notebooks');

export interface CopiedNotebooks {
  folder: string;
  copied: string[];
  /** Notebooks already in the folder, left as they were (the user may have changed them). */
  kept: string[];
}

/** Copies the tutorial notebooks into `folder`; existing files are kept unless `overwrite`. */
export async function copyTutorialNotebooks(folder: string, options: { overwrite?: boolean } = {}): Promise<CopiedNotebooks> {
  const names = (await readdir(TUTORIAL_NOTEBOOKS_DIR)).filter((n) => n.endsWith('.ipynb')).sort();
  const target = resolve(folder);
  await mkdir(target, { recursive: true });
  const result: CopiedNotebooks = { folder: target, copied: [], kept: [] };
  for (const name of names) {
    if (existsSync(join(target, name)) && !options.overwrite) {
      result.kept.push(name);
      continue;
    }
    await copyFile(join(TUTORIAL_NOTEBOOKS_DIR, name), join(target, name));
    result.copied.push(name);
  }
  return result;
}

export async function notebooksCommand(argv: string[]): Promise<number> {
  const { options, positionals } = readOptions('notebooks', argv);
  if (positionals.length > 1)
    throw new CamlabError(`camlab notebooks takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const result = await copyTutorialNotebooks(positionals[0] ?? DEFAULT_NOTEBOOKS_TARGET, { overwrite: options.force });
  for (const name of result.copied) console.log(`copied ${name}`);
  for (const name of result.kept) console.log(`kept your ${name} (--force overwrites it)`);
  console.log(`\nThe tutorial is in ${result.folder}. Open it with the tslab kernel ("TypeScript"):`);
  console.log(`  jupyter notebook ${result.folder}`);
  console.log(`tslab, if you have no "TypeScript" kernel yet: npm install -g tslab && tslab install --user`);
  if (!importableFrom(result.folder)) {
    console.log(`\nNote: the notebooks import 'camlab', which cannot be found from ${result.folder}.`);
    console.log(`Install it there or in a parent folder: npm install camlab (or the tarball or git URL you used).`);
  }
  return 0;
}

function importableFrom(folder: string): boolean {
  try {
    require.resolve('camlab', { paths: [folder] });
    return true;
  } catch {
    return false;
  }
}
