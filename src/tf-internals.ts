// Every TensorFlow.js internal camlab touches, in one place, each with why no public API does it.
// torch-cam captures activations with PyTorch's public hooks; tfjs has none, so camlab relies on
// these, and a changed internal would give a wrong map rather than an error. `checkTfInternals`
// (run by ready()) therefore refuses a TensorFlow.js whose internals are not as camlab expects.
//
// 1. Layer.call, patched per instance (model/probe.ts, model/fold.ts, tests): tfjs cannot cut a graph
//    at an arbitrary layer, so the probe wraps the explained layer's `call` for one forward pass to
//    record its output and add a zero `shift` (whose gradient is the gradient at the layer). Relies on
//    Layer.apply calling `this.call`, which it does in tfjs-layers 4.x.
// 2. engine().state.gradientDepth (model/probe.ts): set to 0 below the explained layer so that tfjs
//    records nothing there (nothing below depends on the shift); no public API pauses the tape.
// 3. engine().state.activeTape and each node's `saved` tensors (cam/evidence.ts): when a gradient
//    kernel throws, tfjs leaves the tape and the tensors it saved behind; camlab releases them so a
//    refused call leaks nothing.
// 4. engine().addTapeNode (tests only, through `watchTape`): where tfjs records an op on the tape, the
//    one place a test can see what the backward pass will run.
// 5. Layer.inboundNodes' Node objects (model/layers.ts `applicationNode`): the graph's edges, read to
//    find a model's head; tfjs-layers exports the Layer type but not its Node type.
// 6. The WASM backend's readSync and makeOutput (kernels/wasm-gradients.ts): a kernel registered with
//    the public tf.registerKernel gets the backend object, whose class tfjs does not export as a type.
import { tf } from './tf';
import { CamlabError } from './errors';

/** The TensorFlow.js versions camlab is tested with (package.json pins the first). */
export const SUPPORTED_TFJS = ['4.22.0'] as const;

type Layer = tf.layers.Layer;
type Call = Layer['call'];

/** The part of tfjs's engine state camlab reads and writes. */
interface TapeState {
  gradientDepth: number;
  activeTape?: { saved?: tf.Tensor[] }[] | null;
}

function tapeState(): TapeState {
  return tf.engine().state as unknown as TapeState;
}

/** What a stand-in for TensorFlow.js must offer; the real module is checked through the same shape. */
export interface TfLike {
  version?: { tfjs?: string };
  engine?: () => unknown;
  layers?: { Layer?: { prototype?: Record<string, unknown> } };
}

let checked = false;

/**
 * Refuses a TensorFlow.js without the internals above, naming what is missing and the supported
 * versions. Checked once per process on the real module; a stand-in (tests) is checked every time.
 */
export function checkTfInternals(candidate: TfLike = tf as unknown as TfLike): void {
  if (candidate === (tf as unknown as TfLike) && checked) return;
  const version = candidate.version?.tfjs ?? 'unknown';
  const missing = missingInternals(candidate);
  if (missing.length > 0 || !version.startsWith('4.')) {
    throw new CamlabError(
      `camlab needs TensorFlow.js internals that this @tensorflow/tfjs (version ${version}) ` +
        (missing.length > 0 ? `does not have: ${missing.join('; ')}. ` : `may not have (camlab supports 4.x). `) +
        `camlab supports @tensorflow/tfjs ${SUPPORTED_TFJS.join(', ')}: install that version (npm install @tensorflow/tfjs@${SUPPORTED_TFJS[0]}).`,
    );
  }
  if (candidate === (tf as unknown as TfLike)) checked = true;
}

function missingInternals(candidate: TfLike): string[] {
  const missing: string[] = [];
  let engine: Record<string, unknown> | undefined;
  try {
    engine = candidate.engine?.() as Record<string, unknown> | undefined;
  } catch {
    engine = undefined;
  }
  const state = engine?.state as Partial<TapeState> | undefined;
  const source = (f: unknown) => (typeof f === 'function' ? String(f) : '');
  if (typeof state?.gradientDepth !== 'number') missing.push('engine().state.gradientDepth (a number)');
  if (!/activeTape/.test(source(engine?.startTape)) || !/gradientDepth/.test(source(engine?.startTape))) {
    missing.push('engine().startTape() keeping the tape in state.activeTape');
  }
  if (!/activeTape/.test(source(engine?.addTapeNode))) missing.push('engine().addTapeNode() recording into state.activeTape');
  const layer = candidate.layers?.Layer?.prototype;
  if (typeof layer?.call !== 'function') missing.push('layers.Layer.prototype.call');
  if (!/this\.call\(/.test(source(layer?.apply))) missing.push('layers.Layer.prototype.apply calling this.call()');
  return missing;
}

/** Replaces a layer's `call` on the instance (see 1); returns the function that puts the original back. */
export function wrapLayerCall(layer: Layer, wrap: (original: Call) => Call): () => void {
  const own = Object.prototype.hasOwnProperty.call(layer, 'call');
  const original = layer.call;
  layer.call = wrap(original);
  return () => {
    if (own) layer.call = original;
    else delete (layer as Partial<Layer>).call;
  };
}

/**
 * Stops recording ops on the gradient tape (see 2) until the returned `resume` is called; `resume` may
 * be called more than once and always puts back the depth found here.
 */
export function pauseTape(): () => void {
  const state = tapeState();
  const depth = state.gradientDepth;
  state.gradientDepth = 0;
  return () => {
    state.gradientDepth = depth;
  };
}

/** Releases the tape and the tensors it saved, left behind when a gradient kernel threw (see 3). */
export function releaseAbandonedTape(): void {
  const state = tapeState();
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) tf.dispose(node.saved ?? []);
  state.activeTape = null;
}

/** Calls `listener` with each kernel's name as tfjs records it on the tape (see 4); returns the function that stops. */
export function watchTape(listener: (kernelName: string) => void): () => void {
  const engine = tf.engine() as unknown as { addTapeNode: (kernelName: string, ...rest: unknown[]) => void };
  const original = engine.addTapeNode;
  engine.addTapeNode = function (this: unknown, kernelName: string, ...rest: unknown[]) {
    listener(kernelName);
    return original.call(this, kernelName, ...rest);
  };
  return () => {
    engine.addTapeNode = original;
  };
}

/** The parts of tfjs-layers' Node (see 5) that camlab reads. */
export interface LayerNode {
  inboundLayers: Layer[];
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
  outboundLayer: Layer;
}

/** The node where this layer is applied in its container's graph (the latest application). */
export function applicationNode(layer: Layer): LayerNode {
  const nodes = layer.inboundNodes as unknown as LayerNode[];
  return nodes[nodes.length - 1];
}

/** The part of the WASM backend its kernels use (see 6). */
export interface WasmBackend {
  readSync(dataId: tf.TensorInfo['dataId']): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.TensorInfo['dataId']): boolean;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}

/** Why the active backend cannot serve camlab's WASM kernels, or undefined when it can. */
export function wasmBackendProblem(): string | undefined {
  const backend = tf.backend() as unknown as Partial<Record<keyof WasmBackend, unknown>>;
  const missing = (['readSync', 'disposeData', 'makeOutput'] as const).filter((name) => typeof backend[name] !== 'function');
  return missing.length
    ? `its backend object lacks ${missing.join(', ')} (camlab supports @tensorflow/tfjs-backend-wasm ${SUPPORTED_TFJS.join(', ')})`
    : undefined;
}
