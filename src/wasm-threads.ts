// Threaded WASM under Node. TensorFlow.js ships a threaded SIMD build of its WASM backend but turns it
// off under Node (tfjs issue 3830): its init() starts the Emscripten pthread workers from blob: URLs,
// which Node's worker_threads refuses (ERR_WORKER_PATH). This module starts the same build its own way,
// without touching node_modules: the pthread worker is a data: module that runs the worker source the
// package ships, the main script is the package's own file, and the backend object is the package's
// BackendWasm, so every kernel registered for 'wasm' (camlab's gradients too) runs on it unchanged.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tf } from './tf';

/** The part of the Emscripten module camlab touches. */
interface ThreadedModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] };
  tfjs?: Record<string, (...args: number[]) => number>;
}
interface NodeWorker {
  unref(): void;
  terminate(): unknown;
}
type Imports = WebAssembly.Imports & { env: WebAssembly.ModuleImports };
type ModuleFactory = (config: {
  locateFile(path: string): string | URL;
  mainScriptUrlOrBlob: string;
  instantiateWasm(imports: Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
}) => Promise<ThreadedModule>;

/** The runtime when it is not Node itself: threads start only under Node (Deno's and Bun's worker_threads are untested). */
export function otherRuntime(): string | undefined {
  const versions = process.versions as Record<string, string | undefined>;
  return versions.deno ? 'Deno' : versions.bun ? 'Bun' : undefined;
}
type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

const BUILD = 'tfjs-backend-wasm-threaded-simd';
/** How long the threaded build may take to start (about 1 s here, 3 s with the machine loaded 10×). */
const START_BOUND_MS = 60_000;

/**
 * Makes tfjs's 'wasm' backend start with `threads` threads. Call before `tf.setBackend('wasm')`; returns
 * a function that puts the package's own single-thread start back (for a fallback when this one fails).
 */
export function useThreadedWasm(threads: number): () => void {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
  const original = tf.findBackendFactory('wasm');
  const priority = 2; // the package's own
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => startThreaded(wasm, threads), priority);
  return () => {
    tf.removeBackend('wasm');
    if (original) tf.registerBackend('wasm', original, priority);
  };
}

async function startThreaded(wasm: WasmPackage, threads: number): Promise<tf.KernelBackend> {
  const folder = dirname(require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${BUILD}.js`));
  const mainScript = join(folder, `${BUILD}.js`);
  const workerSource = join(folder, `${BUILD}.worker.js`);
  // The package ships the worker's source as a string (it builds a blob: from it); a data: module can be
  // a worker in Node, and it runs that source with the `require` and `__filename` the source expects.
  // Its newlines are escaped as tfjs does before making its Blob (a string literal in it holds "\n").
  const workerEntry = new URL(
    'data:text/javascript,' +
      encodeURIComponent(
        `import { createRequire } from 'node:module';\n` +
          `const require = createRequire(${JSON.stringify(pathToFileURL(workerSource).href)});\n` +
          `const source = require(${JSON.stringify(workerSource)}).wasmWorkerContents.replace(/\\n/g, '\\\\n');\n` +
          `new Function('require', '__filename', source)(require, ${JSON.stringify(workerSource)});\n`,
      ),
  );
  const factory = require(mainScript) as ModuleFactory;
  // The module sets a global Worker for itself while it starts its workers; Node has none, so it is removed after.
  const hadWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  // The workers the build has started but not given a thread yet (the module object is `config` itself).
  const unusedWorkers = () => (config as { PThread?: ThreadedModule['PThread'] }).PThread?.unusedWorkers ?? [];
  const config = {
    locateFile: (path: string) => (path.endsWith('.worker.js') ? workerEntry : join(folder, path)),
    mainScriptUrlOrBlob: mainScript,
    // The build sizes its thread pool from the logical cores ÷ 2 (it assumes hyper-threading) and
    // caps the threads asked for at that; it asks the host, so the host answers with what was asked for.
    instantiateWasm(imports: Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) {
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      // The build has just started a fixed pool of 8 workers, each a Node thread that boots for about
      // 0.3 s of CPU: all but the `threads` the pool will use stop now, before they load the module (the
      // build pops its workers from the end, and starts another if it ever runs out).
      for (const worker of unusedWorkers().splice(threads)) void worker.terminate();
      const compiled = new WebAssembly.Module(readFileSync(join(folder, `${BUILD}.wasm`)));
      void WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled));
      return {};
    },
  };
  let module: ThreadedModule;
  let timer: NodeJS.Timeout | undefined;
  try {
    // A start that never finishes (workers that cannot load) would hang every camlab call: past the
    // bound its workers are stopped and the single-thread build runs instead.
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        for (const worker of unusedWorkers()) void worker.terminate();
        reject(new Error(`its workers did not start within ${START_BOUND_MS / 1000} s`));
      }, START_BOUND_MS);
    });
    module = await Promise.race([factory(config), stalled]);
  } finally {
    clearTimeout(timer);
    if (hadWorker) Object.defineProperty(globalThis, 'Worker', hadWorker);
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
  const call = (name: string, returns: string | null, args: string[]) => module.cwrap(name, returns, args);
  module.tfjs = {
    init: call('init', null, []),
    initWithThreadsCount: call('init_with_threads_count', null, ['number']),
    getThreadsCount: call('get_threads_count', 'number', []),
    registerTensor: call('register_tensor', null, ['number', 'number', 'number']),
    disposeData: call('dispose_data', null, ['number']),
    dispose: call('dispose', null, []),
  };
  wasm.setThreadsCount(threads);
  const backend = new wasm.BackendWasm(module as unknown as ConstructorParameters<WasmPackage['BackendWasm']>[0]);
  // The pool's threads now wait for work for the life of the process: they must not keep it alive.
  // The workers the build started beyond them are never used (tfjs starts no threads later).
  for (const worker of module.PThread.runningWorkers) worker.unref();
  for (const worker of module.PThread.unusedWorkers.splice(0)) void worker.terminate();
  if (wasm.getThreadsCount() !== threads) {
    backend.dispose();
    throw new Error(`the threaded build started ${wasm.getThreadsCount()} threads instead of ${threads}`);
  }
  return backend;
}
