import type { tf } from '../tf';
import { present } from '../errors';
import { findImageFiles, type ImageFile } from '../image/find';
import type { CamResult, ClassTargets } from '../cam/types';
import { openRunner, type JobRunner, type PoolOptions } from './pool';
import type { ExplainSettings, ExplainerInfo, MapResult } from './task';

/** One input file: its maps, or why it was skipped. */
export interface FileExplanation {
  /** Position in the input list. */
  index: number;
  path: string;
  /** Its place under the deepest folder that holds every input (what an output tree mirrors). */
  relative: string;
  /** Empty when the file was skipped. */
  results: MapResult[];
  width?: number;
  height?: number;
  /** The image has colour (see JobOutput). */
  colour?: boolean;
  /** Why the file was skipped (unreadable, not an image, too large, …). */
  skipped?: string;
}

export type ExplainFilesOptions = ExplainSettings & Pick<PoolOptions, 'workers'> & { exclude?: string };

/** A pool opened on one model: explain files in input order, or batches split across the workers. */
export interface ExplainPool {
  readonly info: ExplainerInfo;
  /** Worker threads in use (1: in-process). */
  readonly size: number;
  /** Each file's maps (or reason it was skipped), in input order, while later files are being explained. */
  files(files: ImageFile[]): AsyncGenerator<FileExplanation>;
  /** `explain(model, images, targets)` with the pool's settings, the batch split across the workers. */
  explain(images: tf.Tensor3D | tf.Tensor4D, targets?: ClassTargets): Promise<CamResult[]>;
  close(): Promise<void>;
}

/**
 * Opens a pool of explainers on one model: worker threads, each with its own backend and model copy.
 * Close it when done.
 *
 * @example const pool = await openExplainPool({ model: 'my-model', method: 'gradcam' });
 */
export async function openExplainPool(settings: ExplainSettings, options: PoolOptions = {}): Promise<ExplainPool> {
  const runner = await openRunner(settings, options);
  return {
    info: runner.info,
    get size() {
      return runner.size;
    },
    files: (files) => explainInOrder(runner, files),
    explain: (images, targets) => explainBatch(runner, images, targets),
    close: () => runner.close(),
  };
}

/**
 * Explains image files and folders (walked recursively for image extensions, in a stable order) on a
 * pool of worker threads, yielding each file's maps in input order as they are ready. A file that
 * cannot be read or decoded is yielded with `skipped` and its reason; the others are explained.
 *
 * @example for await (const file of explainFiles(['photos'], { model: 'my-model', workers: 2 })) console.log(file.path, file.results[0]?.classIndex);
 */
export async function* explainFiles(paths: string[], options: ExplainFilesOptions = {}): AsyncGenerator<FileExplanation> {
  const { workers, exclude, ...settings } = options;
  const files = await findImageFiles(paths, { exclude });
  if (files.length === 0) return;
  const pool = await openExplainPool(settings, { workers, jobs: files.length });
  try {
    yield* pool.files(files);
  } finally {
    await pool.close();
  }
}

async function* explainInOrder(runner: JobRunner, files: ImageFile[]): AsyncGenerator<FileExplanation> {
  const start = (index: number): Promise<FileExplanation> => {
    const { path, relative } = files[index];
    return runner.run({ path }).then(
      (output) => ({ index, path, relative, ...output }),
      (error: Error) => ({ index, path, relative, results: [], skipped: error.message }),
    );
  };
  // Jobs are handed out a few ahead of the one being yielded: every worker stays busy, and one slow
  // file holds back at most this many finished ones in memory.
  const window = runner.size * 2;
  const pending = new Map<number, Promise<FileExplanation>>();
  let next = 0;
  for (let index = 0; index < files.length; index++) {
    for (; next < files.length && next < index + window; next++) pending.set(next, start(next));
    const explained = await present(pending.get(index), `camlab bug: file ${index} was never started.`);
    pending.delete(index);
    yield explained;
  }
}

async function explainBatch(runner: JobRunner, images: tf.Tensor3D | tf.Tensor4D, targets: ClassTargets = {}): Promise<CamResult[]> {
  // Loaded here, not with the module: a pool of workers for files never needs TensorFlow.js in this thread.
  const { tf } = await import('../tf');
  const shape = images.shape.length === 3 ? [1, ...images.shape] : images.shape;
  const count = shape[0];
  const per = Math.ceil(count / runner.size);
  const jobs: Promise<CamResult[]>[] = [];
  for (let first = 0; first < count; first += per) {
    const size = Math.min(per, count - first);
    const pixels = tf.tidy(() => tf.slice(tf.reshape(images, shape), first, size).dataSync() as Float32Array);
    jobs.push(
      runner
        .run({ pixels: Float32Array.from(pixels), shape: [size, ...shape.slice(1)], ...targets })
        .then((output) => output.results.map((r) => ({ ...r, imageIndex: r.imageIndex + first }))),
    );
  }
  return (await Promise.all(jobs)).flat();
}
