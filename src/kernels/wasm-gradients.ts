// Convolution gradients for the WASM backend, expressed through WASM's fast forward Conv2D kernel.
// WASM has no Conv2DBackpropFilter at all (so training and Grad-CAM through conv + BatchNorm fail),
// and its Conv2DBackpropInput is slow; both are convolutions in disguise: expressed through the forward
// Conv2D they matched the CPU backend to 4e-5 and made a training batch ≈ 6× faster (test/wasm-gradients.test.ts).
import { tf } from '../tf';
import type { WasmBackend as Backend } from '../tf-internals';
import { registerWasmDepthwiseGradients } from './wasm-depthwise-gradients';
import { registerWasmBatchNorm } from './wasm-batch-norm';
import { releaseData, replaceWasmKernel, runWasmKernel, type Attrs } from './wasm-kernel';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

let registered = false;

/** Registers camlab's WASM kernels once (the gradients, and batch normalisation on every thread); safe to call again. */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  // WASM ships a Conv2DBackpropInput; ours takes over where it is a plain convolution (stride 1, NHWC).
  replaceWasmKernel('Conv2DBackpropInput', (args, native) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as Attrs;
    const info = convInfo(attrs.inputShape as number[], filter.shape, attrs);
    if (!isStrideOneNhwc(info, attrs)) return native(args) as tf.TensorInfo;
    return isPointwise(info)
      ? pointwiseInputGradient(dy, filter, info, args.backend as Backend)
      : inputGradient(dy, filter, info, args.backend as Backend);
  });
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
        const attrs = args.attrs as Attrs;
        const info = convInfo(x.shape, attrs.filterShape as number[], attrs);
        if (!isStrideOneNhwc(info, attrs)) return filterGradientDirect(x, dy, info, args.backend as Backend);
        return isPointwise(info)
          ? pointwiseFilterGradient(x, dy, info, args.backend as Backend)
          : filterGradient(x, dy, info, args.backend as Backend);
      },
    });
  }
  registerWasmDepthwiseGradients();
  registerWasmBatchNorm();
  registered = true;
}

function convInfo(xShape: number[], filterShape: number[], attrs: Attrs): Conv2DInfo {
  const dataFormat = (attrs.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC';
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
}

function isStrideOneNhwc(info: Conv2DInfo, attrs: Attrs): boolean {
  const nhwc = ((attrs.dataFormat as string | undefined) ?? 'NHWC') === 'NHWC';
  return nhwc && info.strideHeight === 1 && info.strideWidth === 1;
}

/** A 1×1 convolution without padding (MobileNet's pointwise layers, ResNet's bottlenecks): a matrix product per pixel. */
function isPointwise(info: Conv2DInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return info.filterHeight === 1 && info.filterWidth === 1 && top + bottom + left + right === 0;
}

// WASM's BatchMatMul is fast only untransposed: on [49, 1024] × [1024, 1024] it took 5.6 ms plain, 56 ms
// with transposeB and 250 ms with transposeA (measured); the operand is transposed in JavaScript instead.

/** dx[n, c] = Σ_o dy[n, o] · w[c, o] over the b·h·w pixels n: one matrix product with the filter transposed. */
function pointwiseInputGradient(dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo, backend: Backend): tf.TensorInfo {
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const a = runWasmKernel('Reshape', backend, { x: dy }, { shape: [1, pixels, info.outChannels] });
  const b = transposed(filter, info.inChannels, info.outChannels, backend);
  const product = runWasmKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
  const dx = runWasmKernel('Reshape', backend, { x: product }, { shape: [info.batchSize, info.inHeight, info.inWidth, info.inChannels] });
  releaseData(backend, a, b, product);
  return dx;
}

/** dw[c, o] = Σ_n x[n, c] · dy[n, o]: one matrix product with x transposed (the general path convolves with a b·h·w filter). */
function pointwiseFilterGradient(x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo, backend: Backend): tf.TensorInfo {
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const a = transposed(x, pixels, info.inChannels, backend);
  const b = runWasmKernel('Reshape', backend, { x: dy }, { shape: [1, pixels, info.outChannels] });
  const product = runWasmKernel('BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false });
  const dw = runWasmKernel('Reshape', backend, { x: product }, { shape: [1, 1, info.inChannels, info.outChannels] });
  releaseData(backend, a, b, product);
  return dw;
}

/** A tensor read as a [rows, cols] matrix, transposed into a new [1, cols, rows] one. */
function transposed(matrix: tf.TensorInfo, rows: number, cols: number, backend: Backend): tf.TensorInfo {
  const values = backend.readSync(matrix.dataId) as Float32Array;
  const out = new Float32Array(rows * cols);
  // In 32×32 tiles, so that neither side is walked with a stride of a whole row (cache misses).
  for (let r0 = 0; r0 < rows; r0 += 32) {
    for (let c0 = 0; c0 < cols; c0 += 32) {
      const [r1, c1] = [Math.min(r0 + 32, rows), Math.min(c0 + 32, cols)];
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = values[r * cols + c];
    }
  }
  return backend.makeOutput([1, cols, rows], 'float32', undefined, out);
}

/**
 * dx = conv(dy, w'), with w'[p, q, o, c] = w[kh-1-p, kw-1-q, c, o] and the padding mirrored:
 * each output pixel's gradient collects the filter taps that touched it.
 */
function inputGradient(dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo, backend: Backend): tf.TensorInfo {
  const { top, bottom, left, right } = info.padInfo;
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  const swapped = flippedTransposed(filter, backend);
  const pad: ExplicitPadding = [
    [0, 0],
    [kh - 1 - top, kh - 1 - bottom],
    [kw - 1 - left, kw - 1 - right],
    [0, 0],
  ];
  const dx = runWasmKernel('Conv2D', backend, { x: dy, filter: swapped }, convAttrs(pad));
  releaseData(backend, swapped);
  return dx;
}

/**
 * w'[p, q, o, c] = w[kh-1-p, kw-1-q, c, o] in one pass over the filter. WASM's Reverse took 44 ms on a
 * 1×1×1024×1024 filter (a no-op there), and with the Transpose after it 56 ms, 9× the convolution itself.
 */
function flippedTransposed(filter: tf.TensorInfo, backend: Backend): tf.TensorInfo {
  const [kh, kw, inC, outC] = filter.shape;
  const w = backend.readSync(filter.dataId) as Float32Array;
  const out = new Float32Array(w.length);
  for (let p = 0; p < kh; p++) {
    for (let q = 0; q < kw; q++) {
      const from = ((kh - 1 - p) * kw + (kw - 1 - q)) * inC * outC;
      const to = (p * kw + q) * outC * inC;
      for (let c = 0; c < inC; c++) for (let o = 0; o < outC; o++) out[to + o * inC + c] = w[from + c * outC + o];
    }
  }
  return backend.makeOutput([kh, kw, outC, inC], 'float32', undefined, out);
}

/**
 * dw[p, q, c, o] = Σ_b,i,j x[b, i+p, j+q, c] · dy[b, i, j, o]: a convolution of x (channels as batch,
 * batch as channels) with dy (batch as input channels), then the axes put back.
 */
function filterGradient(x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo, backend: Backend): tf.TensorInfo {
  const { top, bottom, left, right } = info.padInfo;
  const xByChannel = runWasmKernel('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
  const dyAsFilter = runWasmKernel('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const pad: ExplicitPadding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  const byChannel = runWasmKernel('Conv2D', backend, { x: xByChannel, filter: dyAsFilter }, convAttrs(pad));
  const dw = runWasmKernel('Transpose', backend, { x: byChannel }, { perm: [1, 2, 0, 3] });
  releaseData(backend, xByChannel, dyAsFilter, byChannel);
  return dw;
}

function convAttrs(pad: ExplicitPadding): Attrs {
  return { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
}

/** Strided or NCHW convolutions: the definition, summed directly (rare in camlab's models). */
function filterGradientDirect(x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo, backend: Backend): tf.TensorInfo {
  const xs = backend.readSync(x.dataId) as Float32Array;
  const dys = backend.readSync(dy.dataId) as Float32Array;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const channelsLast = info.dataFormat === 'channelsLast';
  const xIndex = (b: number, r: number, c: number, ch: number) =>
    channelsLast ? ((b * inHeight + r) * inWidth + c) * inChannels + ch : ((b * inChannels + ch) * inHeight + r) * inWidth + c;
  const dyIndex = (b: number, r: number, c: number, o: number) =>
    channelsLast ? ((b * outHeight + r) * outWidth + c) * outChannels + o : ((b * outChannels + o) * outHeight + r) * outWidth + c;
  const dw = new Float32Array(kh * kw * inChannels * outChannels);
  for (let p = 0; p < kh; p++) {
    for (let q = 0; q < kw; q++) {
      for (let b = 0; b < batchSize; b++) {
        for (let i = 0; i < outHeight; i++) {
          const r = i * sh + p - top;
          if (r < 0 || r >= inHeight) continue;
          for (let j = 0; j < outWidth; j++) {
            const c = j * sw + q - left;
            if (c < 0 || c >= inWidth) continue;
            for (let ch = 0; ch < inChannels; ch++) {
              const xv = xs[xIndex(b, r, c, ch)];
              if (xv === 0) continue;
              const base = ((p * kw + q) * inChannels + ch) * outChannels;
              for (let o = 0; o < outChannels; o++) dw[base + o] += xv * dys[dyIndex(b, i, j, o)];
            }
          }
        }
      }
    }
  }
  return backend.makeOutput([kh, kw, inChannels, outChannels], 'float32', undefined, dw);
}
