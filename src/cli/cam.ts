// `camlab cam PATH...`: files and folders explained on a pool of workers, results in input order.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CamlabError, present } from '../errors';
import { findImageFiles, IMAGE_EXTENSIONS } from '../image/find';
import type { ExplainSettings, MapResult } from '../pool/task';
import { FileProgress } from './file-progress';
import { warnOnce } from '../warnings';
import { readOptions, usage, type CliOptions } from './options';
import { OutputLedger, outputPath } from './outputs';

const DEFAULT_OUT = 'camlab-out';
/** Exit code when some files were skipped and the others explained. */
export const EXIT_SKIPPED = 2;

export async function cam(argv: string[]): Promise<number> {
  const { options, positionals } = readOptions('cam', argv);
  if (positionals.length === 0) throw new CamlabError(`give at least one image file or folder.\n${usage('cam')}`);
  const pngs = !options.json || options.out !== undefined;
  const out = options.out ?? DEFAULT_OUT;
  // The output folder is never read as input, so a second run over '.' does not explain the first one's overlays.
  const files = await findImageFiles(positionals, { exclude: pngs ? out : undefined });
  if (files.length === 0)
    throw new CamlabError(
      `no image files in ${positionals.map((p) => `'${p}'`).join(', ')} (folders are searched for ${IMAGE_EXTENSIONS.join(' ')}).`,
    );

  const { openExplainPool } = await import('../pool/explain-files');
  const pool = await openExplainPool(settingsOf(options, pngs), { workers: options.workers, jobs: files.length });
  try {
    const { info } = pool;
    if (options.layer !== undefined && options.method === undefined) {
      console.error(
        `camlab: --layer without --method: using ${info.method} at '${info.layer}' (CAM only where it is exact; name --method to choose).`,
      );
    }
    console.error(
      `camlab: ${files.length} image${files.length === 1 ? '' : 's'}, ${options.method ?? info.method} at '${info.layer}', ${pool.size} worker${pool.size === 1 ? '' : 's'} (${info.backend}${info.threads ? `, ${info.threads} thread${info.threads === 1 ? '' : 's'}${pool.size > 1 ? ' each' : ''}` : ''})`,
    );
    const progress = new FileProgress(files.length);
    const ledger = new OutputLedger();
    const folders = new Set<string>();
    for await (const file of pool.files(files)) {
      progress.clear();
      if (file.skipped !== undefined) {
        if (options.json) console.log(JSON.stringify({ image: file.path, skipped: file.skipped }));
        progress.update(file.path, { reason: file.skipped });
        continue;
      }
      if (options.model === undefined && file.colour && ((file.width ?? 0) > info.inputSize[1] || (file.height ?? 0) > info.inputSize[0])) {
        progress.clear();
        warnOnce(
          'digits-on-photo',
          `'${file.path}' is a colour image of ${file.width}×${file.height}, and without --model camlab explains with its digits model ` +
            `(${info.inputSize[1]}×${info.inputSize[0]} grey canvases of handwritten digits), whose classes are the digits 0–9. ` +
            `For photographs name an ImageNet network, e.g. --model mobilenet_v1_1.0_224.`,
        );
      }
      for (const result of file.results) {
        const output = pngs ? resolve(outputPath(out, file.relative, result.classIndex, result.method ?? info.method)) : undefined;
        if (output) {
          ledger.claim(output, file.path);
          if (!folders.has(dirname(output))) await mkdir(dirname(output), { recursive: true });
          folders.add(dirname(output));
          await writeFile(output, present(result.png, `camlab bug: no overlay PNG for '${file.path}'.`));
        }
        console.log(
          options.json ? JSON.stringify(jsonLine(file.path, result, info.threshold, output)) : textLine(file.path, result, output),
        );
      }
      progress.update(file.path, { maps: file.results.length });
    }
    console.error(progress.summary(pool.size));
    return progress.skippedCount ? EXIT_SKIPPED : 0;
  } finally {
    await pool.close();
  }
}

function settingsOf(options: CliOptions, pngs: boolean): ExplainSettings {
  return {
    model: options.model,
    ...(options.classIndex ? { classIndex: options.classIndex } : { topK: options.top ?? 1 }),
    method: options.method,
    layer: options.layer,
    preprocess: options.preprocess,
    fit: options.fit,
    threshold: options.threshold,
    maxMegapixels: options.maxMegapixels,
    megapixelsFlag: '--max-megapixels',
    ...(pngs ? { overlay: { colormap: options.colormap ?? 'jet', alpha: options.alpha ?? 0.5 } } : {}),
  };
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

function jsonLine(image: string, r: MapResult, threshold: number, output: string | undefined) {
  return {
    image,
    class: r.classIndex,
    ...(r.label !== undefined ? { label: r.label } : {}),
    score: round(r.score),
    box: r.box,
    threshold,
    method: r.method,
    layer: r.layer,
    output: output ?? null,
  };
}

function textLine(image: string, r: MapResult, output: string | undefined): string {
  const { x, y, width, height } = r.box;
  return `${image}: class ${r.label ?? r.classIndex} (p=${round(r.score)}, ${r.method}), box ${x},${y} ${width}×${height}${output ? ` → ${output}` : ''}`;
}
