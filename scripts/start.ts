// npm start: sets up Jupyter and a private tslab kernelspec (never the machine's), executes every notebook headless (one per core at a
// time), and publishes the executed notebooks and their HTML in site/. A failing cell fails the run,
// naming notebook and cell. The sources in notebooks/ are left as they are; with --update-notebooks
// (npm run notebooks:update, for maintainers) the executed notebooks are also written over them.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { checkJupyter, registerKernel } from './jupyter';
import { buildSite, NOTEBOOKS_DIR } from './site';
import { formatSeconds } from '../src/progress';
import { fetchAssets, seedCache } from './assets';

const ROOT = resolve(__dirname, '..');
const SITE = join(ROOT, 'site');

async function main(): Promise<void> {
  const started = Date.now();
  const seed = seedFolder(process.argv.slice(2));
  execFileSync('bash', [join(ROOT, 'scripts', 'setup-system.sh'), 'jupyter'], { stdio: 'inherit' });
  await checkJupyter();
  await registerKernel();
  if (seed) console.error(await seedCache(seed));
  await fetchAssets();
  const copyBack = process.argv.includes('--update-notebooks');
  const published = await buildSite(SITE, { copyBack, log: (line) => console.error(line) });
  const failures = published.flatMap((p) => p.errors);
  if (failures.length) {
    console.error(`\n${failures.length} cell(s) failed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`\n${published.length} notebooks executed in ${formatSeconds((Date.now() - started) / 1000)}.`);
  console.log(`Open ${join(SITE, 'index.html')} (the executed notebooks are beside it).`);
  if (copyBack) console.log(`The executed notebooks were also written over ${NOTEBOOKS_DIR}: review and commit them.`);
  console.log(`To work in them interactively: jupyter notebook ${NOTEBOOKS_DIR} with a tslab kernel (README: "Working in the notebooks").`);
}

/** `--seed-cache DIR` (or CAMLAB_SEED_CACHE=DIR): a folder to copy the tutorial's network and photographs from. */
function seedFolder(args: string[]): string | undefined {
  const at = args.indexOf('--seed-cache');
  if (at >= 0 && !args[at + 1]) throw new Error('--seed-cache needs a folder: npm run notebooks:update -- --seed-cache DIR');
  return at >= 0 ? args[at + 1] : process.env.CAMLAB_SEED_CACHE || undefined;
}

main().catch((error: Error) => {
  console.error(`npm start failed: ${error.message}`);
  process.exit(1);
});
