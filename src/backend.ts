import { tf } from './tf';
import { CamlabError } from './errors';
import { registerWasmGradientKernels } from './kernels/wasm-gradients';
import { withoutNewErrorHandlers } from './process-handlers';
import { otherRuntime, useThreadedWasm } from './wasm-threads';
import { requestedThreads, wasmThreadCount } from './threads';
import { checkTfInternals, wasmBackendProblem } from './tf-internals';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** The package that provides each backend, loaded only when that backend is tried. */
const BACKEND_PACKAGE: Record<BackendName, string> = {
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

let chosen: Promise<BackendName> | undefined;
let chosenName: BackendName | undefined;
/** Threads of the WASM backend once it started (1: the single-thread build). */
let chosenThreads: number | undefined;

/**
 * Chooses the TensorFlow.js backend once and resolves to its name: `tensorflow` (tfjs-node) when it
 * is installed, else `wasm`, else `cpu`. `CAMLAB_BACKEND` or the argument forces one. WASM runs on every
 * core (its threaded build) unless `CAMLAB_THREADS` says how many threads (1: the single-thread build).
 * Every camlab function awaits it, so calling it yourself is only needed before using `tf` directly.
 *
 * @example const backend = await ready(); // 'wasm' on a machine without tfjs-node
 */
export function ready(backend?: BackendName): Promise<BackendName> {
  let forced: BackendName | undefined;
  try {
    checkTfInternals(); // a TensorFlow.js whose internals differ would give wrong maps, not errors
    forced = backend ?? parseForced(process.env.CAMLAB_BACKEND);
    requestedThreads();
  } catch (error) {
    return Promise.reject(error);
  }
  if (chosen && forced && chosenName && forced !== chosenName) {
    return Promise.reject(
      new CamlabError(
        `The '${chosenName}' backend is already in use; a process can use only one. ` +
          `Set CAMLAB_BACKEND=${forced} before the first camlab call instead.`,
      ),
    );
  }
  chosen ??= choose(forced).then((name) => (chosenName = name));
  // A failed choice (e.g. a forced backend that is missing) may be retried with another.
  chosen.catch(() => (chosen = undefined));
  return chosen;
}

/** The backend in use, or undefined before `ready()` has resolved. */
export function currentBackend(): BackendName | undefined {
  return chosenName;
}

/** The WASM backend's threads once it is in use (1: single-thread build); undefined on other backends. */
export function currentThreads(): number | undefined {
  return chosenName === 'wasm' ? chosenThreads : undefined;
}

function parseForced(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName;
  throw new CamlabError(`CAMLAB_BACKEND='${value}' is not a backend; use one of: ${BACKENDS.join(', ')}.`);
}

async function choose(forced: BackendName | undefined): Promise<BackendName> {
  if (forced) {
    const problem = await activate(forced);
    if (problem) {
      throw new CamlabError(
        `The '${forced}' backend was asked for but cannot be used: ${problem}. ` +
          (forced === 'tensorflow'
            ? `Install it with 'npm install @tensorflow/tfjs-node' (it downloads libtensorflow), or unset CAMLAB_BACKEND.`
            : `Unset CAMLAB_BACKEND to let camlab choose.`),
      );
    }
    announce(forced, 'asked for');
    return forced;
  }
  const skipped: string[] = [];
  for (const name of BACKENDS) {
    const problem = await activate(name);
    if (!problem) {
      announce(name, skipped.length ? skipped.join('; ') : 'fastest available');
      return name;
    }
    skipped.push(`${name}: ${problem}`);
  }
  throw new CamlabError(`No TensorFlow.js backend could start (${skipped.join('; ')}).`);
}

/** Loads and selects one backend; returns why it cannot be used, or undefined when it is active. */
function activate(name: BackendName): Promise<string | undefined> {
  return withoutNewErrorHandlers(() => load(name));
}

async function load(name: BackendName): Promise<string | undefined> {
  try {
    // The package registers its backend with the shared tfjs-core when it is first required.
    require(BACKEND_PACKAGE[name]);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
      ? `${BACKEND_PACKAGE[name]} is not installed`
      : `${BACKEND_PACKAGE[name]} failed to load (${(error as Error).message.split('\n')[0]})`;
  }
  if (name !== 'wasm') return initialise(name);
  const threads = wasmThreadCount();
  const runtime = otherRuntime();
  if (threads > 1 && runtime) threadsProblem = `not started under ${runtime}`;
  else if (threads > 1) {
    const singleThread = useThreadedWasm(threads);
    threadsProblem = await initialise(name);
    if (!threadsProblem) return wasmStarted(threads);
    singleThread();
  }
  return (await initialise(name)) ?? wasmStarted(1);
}

/** Why the threaded WASM build could not start (the single-thread one then runs), for the announcement. */
let threadsProblem: string | undefined;

/** Registers camlab's WASM kernels, or says why the backend cannot take them (see tf-internals.ts). */
function wasmStarted(threads: number): string | undefined {
  const problem = wasmBackendProblem();
  if (problem) return problem;
  chosenThreads = threads;
  registerWasmGradientKernels();
  return undefined;
}

async function initialise(name: BackendName): Promise<string | undefined> {
  try {
    if (!(await tf.setBackend(name))) return 'it failed to initialise';
  } catch (error) {
    return `it failed to initialise (${(error as Error).message})`;
  }
  return undefined;
}

function announce(name: BackendName, why: string): void {
  if (process.env.CAMLAB_QUIET) return;
  const threads =
    name !== 'wasm'
      ? ''
      : threadsProblem
        ? `, 1 thread (the threaded build: ${threadsProblem})`
        : `, ${chosenThreads} thread${chosenThreads === 1 ? '' : 's'}`;
  console.error(`camlab: TensorFlow.js backend '${name}' (${why})${threads}`);
}
