// A child of `npm run bench`: explains a folder with the built package (dist/, as installed) on
// `workers` threads and prints what it measured as JSON. One process per setting, so peak memory is its own.
import { openExplainPool, findImageFiles } from '../dist';

async function main(): Promise<void> {
  const [folder, model, workers] = process.argv.slice(2);
  const files = await findImageFiles([folder]);
  const opened = performance.now();
  const pool = await openExplainPool({ model, method: 'cam' }, { workers: workers === 'default' ? undefined : Number(workers), jobs: files.length });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const size = pool.size;
  let maps = 0;
  for await (const file of pool.files(files)) {
    if (file.skipped) throw new Error(`${file.path}: ${file.skipped}`);
    maps += file.results.length;
  }
  const finished = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  await pool.close();
  console.log(JSON.stringify({ folded: pool.info.foldedBatchNorms, workers: size, images: files.length, maps, openMs: started - opened, folderMs: finished - started, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
