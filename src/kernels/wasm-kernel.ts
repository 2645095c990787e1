// What camlab's WASM kernels share: running another WASM kernel from inside one, freeing the
// intermediate data they make, and putting a kernel of camlab's in place of the backend's own.
import { tf } from '../tf';
import { present } from '../errors';
import type { WasmBackend as Backend } from '../tf-internals';

export type Attrs = Record<string, unknown>;

/** Runs another WASM kernel by name, as the backend's own kernels do. */
export function runWasmKernel(name: string, backend: Backend, inputs: Record<string, tf.TensorInfo>, attrs: Attrs): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`WASM kernel '${name}' is missing`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
}

/** Frees data a kernel made for itself. */
export function releaseData(backend: Backend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Registers `kernelFunc` for `name` on WASM in place of the backend's own kernel, which it receives to fall back on. */
export function replaceWasmKernel(
  name: string,
  kernelFunc: (args: Parameters<tf.KernelFunc>[0], native: tf.KernelFunc) => tf.TensorInfo,
): void {
  const native = present(
    tf.getKernel(name, 'wasm'),
    `The WASM backend has no ${name} kernel (camlab supports @tensorflow/tfjs-backend-wasm 4.22.0).`,
  ).kernelFunc;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: (args) => kernelFunc(args, native) });
}
