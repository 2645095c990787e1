// BatchNormalization for the WASM backend as a depthwise convolution. tfjs's own WASM kernel
// (FusedBatchNorm) runs on one thread, so it does not shrink when the backend runs threads: on ResNet-50
// it was 50 of the 290 ms of a CAM on two threads. y = (x − μ)·γ/√(σ² + ε) + β is a scale and a shift per
// channel, that is, a 1×1 depthwise convolution with a bias, which XNNPACK runs on every thread: 2–2.6×
// faster on ResNet-50's shapes here, and still 1.4–2.5× on one thread. The values differ from tfjs's kernel
// only by float rounding (≤ 2e-6 on unit-scale activations, test/wasm-batch-norm.test.ts).
import { tf } from '../tf';
import type { WasmBackend as Backend } from '../tf-internals';
import { releaseData, replaceWasmKernel, runWasmKernel } from './wasm-kernel';

interface BatchNormInputs {
  x: tf.TensorInfo;
  mean: tf.TensorInfo;
  variance: tf.TensorInfo;
  offset?: tf.TensorInfo;
  scale?: tf.TensorInfo;
}

/** Replaces WASM's FusedBatchNorm where the normalisation is per last-axis channel (what Keras's layers ask for). */
export function registerWasmBatchNorm(): void {
  replaceWasmKernel('FusedBatchNorm', (args, native) => {
    const { x, mean, variance, offset, scale } = args.inputs as unknown as BatchNormInputs;
    const epsilon = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
    const channels = x.shape[x.shape.length - 1];
    const perChannel = (t: tf.TensorInfo | undefined) =>
      t === undefined || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === channels);
    if (x.shape.length !== 4 || x.dtype !== 'float32' || ![mean, variance, offset, scale].every(perChannel))
      return native(args) as tf.TensorInfo;
    const backend = args.backend as Backend;
    const [m, v] = [backend.readSync(mean.dataId), backend.readSync(variance.dataId)];
    const [g, b] = [scale && backend.readSync(scale.dataId), offset && backend.readSync(offset.dataId)];
    const factor = new Float32Array(channels);
    const shift = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      factor[c] = (g ? g[c] : 1) / Math.sqrt(v[c] + epsilon);
      shift[c] = (b ? b[c] : 0) - m[c] * factor[c];
    }
    const filter = backend.makeOutput([1, 1, channels, 1], 'float32', undefined, factor);
    const bias = backend.makeOutput([channels], 'float32', undefined, shift);
    try {
      return runWasmKernel(
        'FusedDepthwiseConv2D',
        backend,
        { x, filter, bias },
        {
          strides: [1, 1],
          pad: 'valid',
          dilations: [1, 1],
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          activation: 'linear',
        },
      );
    } finally {
      releaseData(backend, filter, bias);
    }
  });
}
