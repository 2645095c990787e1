// A pool of worker threads, each with its own backend and its own copy of the model. The cores are
// divided between workers and the WASM backend's threads (never more threads in all than cores): a few
// images run in-process on every core's thread, many images on one single-thread worker per core,
// which scales better than threads within one image (no waiting between layers) once the extra
// models' start-up is paid. One worker means no worker thread at all: the same explainer runs in-process.
import { Worker } from 'node:worker_threads';
import { availableParallelism, freemem } from 'node:os';
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { CamlabError } from '../errors';
import { DEFAULT_MODEL_PATH } from '../model/default-model';
import type { SharedModelFiles } from '../model/load';
import { checkExplainSettings } from '../validate';
import type { ExplainSettings, ExplainerInfo, JobInput, JobOutput } from './task';
import type { FromWorker, ToWorker, WorkerStart } from './protocol';
import { requestedThreads, typescriptHookFor } from '../threads';

// What a worker costs: a backend, its WASM heap, a decoded image or two, and its model's weights held
// several times over at peak (weights, activations, gradients). `npm run bench` measured ≈ 490 MB per
// worker for ResNet-50 (100 MB of weights); this estimate (700 MB) leaves room for larger images.
const WORKER_BASE_BYTES = 300e6;
const WEIGHT_FACTOR = 4;
/** The share of the free memory the pool may plan to use. */
const MEMORY_SHARE = 0.5;
/**
 * Fewer jobs than this run in-process on threads unless workers are asked for. Measured with `npm run
 * bench` (ResNet-50, 2 cores, idle): 2 workers start 0.8 s later than one process on 2 threads and save
 * 28 ms per image (185 against 213 ms), so they pay off from about 29 images.
 */
export const WORKERS_FROM_JOBS = 32;

export interface PoolOptions {
  /** Worker threads (default: in-process on threads below WORKERS_FROM_JOBS jobs, else the cores, fewer when memory is short; 1 runs in-process). */
  workers?: number;
  /** How many jobs are coming, when known: no more workers start than there are jobs. */
  jobs?: number;
}

/** The default number of workers for a model with `weightBytes` of weights: one per core, capped by free memory. */
export function defaultWorkerCount(weightBytes: number): number {
  const byMemory = Math.floor((freemem() * MEMORY_SHARE) / (WORKER_BASE_BYTES + WEIGHT_FACTOR * weightBytes));
  return Math.max(1, Math.min(availableParallelism(), byMemory));
}

/** Checks a `workers` count before anything starts. */
export function checkWorkers(workers: number | undefined): void {
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1))
    throw new CamlabError(`workers must be a whole number ≥ 1, got ${workers}.`);
}

interface Pending {
  input: JobInput;
  resolve: (output: JobOutput) => void;
  reject: (error: Error) => void;
}

/** Runs jobs on workers (or in-process); `run` may be called many times at once and queues. */
export interface JobRunner {
  readonly info: ExplainerInfo;
  /** Worker threads in use; 1 for in-process. */
  readonly size: number;
  run(input: JobInput): Promise<JobOutput>;
  close(): Promise<void>;
}

/**
 * Opens the explainers side by side; a remote model is opened by one worker first, so that it is
 * downloaded into the cache once, and the others then read the cache.
 */
export async function openRunner(settings: ExplainSettings, options: PoolOptions = {}): Promise<JobRunner> {
  checkWorkers(options.workers);
  checkExplainSettings(settings); // in this thread, before any worker starts
  const jobs = options.jobs ?? Infinity;
  if (options.workers === 1 || (options.workers === undefined && jobs < WORKERS_FROM_JOBS)) return inProcess(settings);
  const remote = /^https?:\/\//i.test(settings.model ?? '');
  const weightBytes = remote || options.workers !== undefined ? 0 : await localModelBytes(settings.model ?? DEFAULT_MODEL_PATH);
  const planned = Math.min(options.workers ?? defaultWorkerCount(weightBytes), jobs);
  if (planned === 1) return inProcess(settings);
  const pool = new ThreadPool(settings, threadsPerWorker(planned));
  try {
    if (remote) {
      const info = await pool.grow({ probe: true });
      const wanted = Math.min(options.workers ?? defaultWorkerCount(info?.weightBytes ?? 0), jobs);
      await Promise.all(Array.from({ length: wanted - 1 }, () => pool.grow({ probe: false })));
    } else {
      // The workers load TensorFlow.js while this thread reads the model's files, once, into shared
      // memory; each worker builds its copy from those bytes. One worker explains the grey probe.
      // TensorFlow.js loads in this thread only after the workers have started (the import runs after them).
      const files = import('../model/load').then(({ readSharedModel }) => readSharedModel(settings.model ?? DEFAULT_MODEL_PATH));
      await Promise.all([files, ...Array.from({ length: planned }, (_, i) => pool.grow({ probe: i === 0, files }))]);
    }
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}

/** The WASM threads each of `workers` workers runs: the cores shared out, at most what CAMLAB_THREADS asks. */
export function threadsPerWorker(workers: number): number {
  return Math.max(1, Math.min(Math.floor(availableParallelism() / workers), requestedThreads() ?? Infinity));
}

/** The bytes of a local model's files (its folder, or the .h5): an upper bound of its weights, known before loading. */
async function localModelBytes(src: string): Promise<number> {
  const info = await stat(src).catch(() => undefined);
  if (!info) return 0; // the worker will say what is wrong with the path
  if (info.isFile() && !src.toLowerCase().endsWith('.json')) return info.size;
  const folder = info.isDirectory() ? src : dirname(src);
  const sizes = await Promise.all(
    (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => stat(join(folder, e.name)).then((s) => s.size)),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

async function inProcess(settings: ExplainSettings): Promise<JobRunner> {
  // The model's files are read while TensorFlow.js loads and its backend starts (the threaded build's
  // workers take about 0.5 s); the rejection of a bad path is handled where the explainer awaits it.
  const files = import('../model/load').then(({ readSharedModel }) => readSharedModel(settings.model ?? DEFAULT_MODEL_PATH));
  files.catch(() => undefined);
  const { openExplainer } = await import('./task');
  const explainer = await openExplainer(settings, { files });
  if (!explainer.info) throw new Error('an explainer opened with its probe has its info');
  let queue: Promise<unknown> = Promise.resolve();
  return {
    info: explainer.info,
    size: 1,
    run(input) {
      // One job at a time, as a worker would, so memory stays that of one image.
      const result = queue.then(() => explainer.run(input));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await queue;
      explainer.close();
    },
  };
}

class ThreadPool implements JobRunner {
  info!: ExplainerInfo;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private readonly workers = new Set<Worker>();
  private closing = false;
  private nextId = 0;
  /** Replacements for workers that died, so one crash does not end the run (bounded, so a crash loop does). */
  private restarts = 0;

  constructor(
    private readonly settings: ExplainSettings,
    private readonly threads: number,
  ) {}

  get size(): number {
    return this.workers.size;
  }

  /**
   * Starts one more worker and resolves when its explainer is open, with what its probe learnt (when it
   * probed). `files`: the model's files, still being read by this thread, sent to the worker when read.
   */
  grow({ probe, files }: { probe: boolean; files?: Promise<SharedModelFiles | undefined> }): Promise<ExplainerInfo | undefined> {
    const worker = spawn({ settings: this.settings, probe, awaitFiles: files !== undefined }, this.threads);
    this.workers.add(worker);
    // A failed read fails the pool's opening, which then stops this worker.
    files?.then(
      (read) => worker.postMessage({ type: 'files', files: read } satisfies ToWorker),
      () => undefined,
    );
    return new Promise<ExplainerInfo | undefined>((resolve, reject) => {
      const fail = (error: Error) => {
        this.workers.delete(worker);
        void worker.terminate();
        reject(error);
      };
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new CamlabError(`A worker thread stopped (exit code ${code}) before its model loaded.`)));
      worker.once('message', (message: FromWorker) => {
        worker.removeAllListeners('error').removeAllListeners('exit');
        if (message.type !== 'ready')
          return fail(
            new CamlabError(
              message.type === 'unusable' ? message.reason : `A worker thread answered '${message.type}' before it was ready.`,
            ),
          );
        if (message.info) this.info = message.info;
        worker.on('message', (m: FromWorker) => this.answer(worker, m));
        worker.on('error', (error) => this.lost(worker, error.message));
        worker.on('exit', (code) => this.lost(worker, `exit code ${code}`));
        this.idle.push(worker);
        this.pump();
        resolve(message.info);
      });
    });
  }

  run(input: JobInput): Promise<JobOutput> {
    if (this.closing) return Promise.reject(new CamlabError('The pool is closed.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.queue.splice(0)) job.reject(new CamlabError('The pool closed before this job ran.'));
    await Promise.all([...this.workers].map((w) => w.terminate()));
    this.workers.clear();
  }

  private pump(): void {
    for (let worker = this.idle.shift(); worker; worker = this.idle.shift()) {
      const job = this.queue.shift();
      if (!job) {
        this.idle.unshift(worker);
        return;
      }
      this.busy.set(worker, job);
      worker.postMessage({ type: 'job', id: this.nextId++, input: job.input } satisfies ToWorker);
    }
  }

  private answer(worker: Worker, message: FromWorker): void {
    const job = this.busy.get(worker);
    if (!job || (message.type !== 'done' && message.type !== 'failed')) return;
    this.busy.delete(worker);
    this.idle.push(worker);
    if (message.type === 'done') job.resolve(message.output);
    else job.reject(new CamlabError(message.reason));
    this.pump();
  }

  private lost(worker: Worker, why: string): void {
    if (!this.workers.delete(worker)) return;
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    const job = this.busy.get(worker);
    this.busy.delete(worker);
    job?.reject(new CamlabError(`the worker thread explaining it stopped (${why})`));
    if (this.closing) return;
    if (this.restarts++ < 3) {
      // A replacement reads the model itself, and needs no probe: the pool knows what it learnt.
      this.grow({ probe: false }).catch((error: Error) => this.giveUp(error.message));
    } else if (this.workers.size === 0) {
      this.giveUp(`worker threads kept stopping (last: ${why})`);
    }
  }

  private giveUp(why: string): void {
    if (this.workers.size > 0) return;
    for (const job of this.queue.splice(0)) job.reject(new CamlabError(`no worker thread is left: ${why}`));
  }
}

/** Workers run the compiled worker.js from dist/, or worker.ts through tsx when camlab runs from source. */
function spawn(start: WorkerStart, threads: number): Worker {
  const file = join(__dirname, `worker${extname(__filename)}`);
  const source = `${typescriptHookFor(file)} require(${JSON.stringify(file)});`;
  return new Worker(source, { eval: true, workerData: start, env: { ...process.env, CAMLAB_QUIET: '1', CAMLAB_THREADS: String(threads) } });
}
