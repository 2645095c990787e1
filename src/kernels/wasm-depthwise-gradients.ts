// Depthwise-convolution gradients for the WASM backend, which has none: without them no gradient
// reaches a layer before a depthwise convolution, so Grad-CAM and its kin fail on MobileNet v1/v2 (and
// Teachable Machine's models) at every layer but the last block. As with the ordinary convolution
// (wasm-gradients.ts), the common case is a forward kernel in disguise: at stride 1 the input gradient
// is WASM's own depthwise convolution of dy with the flipped filter. Strided layers and the filter
// gradient (used only in training) are summed directly: a depthwise layer costs k·k multiply-adds per
// output value, so the direct sums stay small beside the pointwise convolutions.
import { tf } from '../tf';
import type { WasmBackend as Backend } from '../tf-internals';
import { releaseData, runWasmKernel, type Attrs } from './wasm-kernel';

type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Registers DepthwiseConv2dNativeBackpropInput and …BackpropFilter for 'wasm' where they are missing. */
export function registerWasmDepthwiseGradients(): void {
  if (!tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')) {
    tf.registerKernel({
      kernelName: 'DepthwiseConv2dNativeBackpropInput',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
        const backend = args.backend as Backend;
        const info = depthwiseInfo((args.attrs as Attrs).inputShape as number[], filter.shape, args.attrs as Attrs);
        return isPlain(info) ? inputGradientByForward(dy, filter, info, backend) : inputGradientDirect(dy, filter, info, backend);
      },
    });
  }
  if (!tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')) {
    tf.registerKernel({
      kernelName: 'DepthwiseConv2dNativeBackpropFilter',
      backendName: 'wasm',
      kernelFunc: (args) => {
        const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
        const info = depthwiseInfo(x.shape, (args.attrs as Attrs).filterShape as number[], args.attrs as Attrs);
        return filterGradientDirect(x, dy, info, args.backend as Backend);
      },
    });
  }
}

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: Attrs): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    true,
  );
}

/** Stride 1, no dilation, one output channel per input channel (every MobileNet's stride-1 layers). */
function isPlain(info: Conv2DInfo): boolean {
  return (
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.outChannels === info.inChannels
  );
}

/** dx = depthwise(dy, w flipped in space), the padding mirrored: each input pixel collects the taps that read it. */
function inputGradientByForward(dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo, backend: Backend): tf.TensorInfo {
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  // Flipped in one JavaScript pass: WASM's Reverse is slow (see wasm-gradients.ts).
  const [fh, fw, channels] = filter.shape;
  const w = backend.readSync(filter.dataId) as Float32Array;
  const values = new Float32Array(w.length);
  for (let p = 0; p < fh; p++)
    for (let q = 0; q < fw; q++)
      values.set(w.subarray(((fh - 1 - p) * fw + (fw - 1 - q)) * channels, ((fh - p) * fw - q) * channels), (p * fw + q) * channels);
  const flipped = backend.makeOutput(filter.shape, 'float32', undefined, values);
  const pad = [
    [0, 0],
    [kh - 1 - top, kh - 1 - bottom],
    [kw - 1 - left, kw - 1 - right],
    [0, 0],
  ];
  const dx = runWasmKernel(
    'DepthwiseConv2dNative',
    backend,
    { x: dy, filter: flipped },
    { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined },
  );
  releaseData(backend, flipped);
  return dx;
}

/**
 * Calls `visit(xIndex, dyIndex, filterIndex)` for every (input pixel, output pixel, tap) that the
 * forward depthwise convolution multiplied together: y[b,i,j,c·m+k] += x[b,i·s+p−top,j·s+q−left,c] · w[p,q,c,k].
 */
function eachTap(info: Conv2DInfo, visit: (xi: number, dyi: number, wi: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const multiplier = outChannels / inChannels;
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < outHeight; i++) {
      for (let p = 0; p < kh; p++) {
        const r = i * sh + p * dh - top;
        if (r < 0 || r >= inHeight) continue;
        for (let j = 0; j < outWidth; j++) {
          const dyRow = ((b * outHeight + i) * outWidth + j) * outChannels;
          for (let q = 0; q < kw; q++) {
            const c0 = j * sw + q * dw - left;
            if (c0 < 0 || c0 >= inWidth) continue;
            const xRow = ((b * inHeight + r) * inWidth + c0) * inChannels;
            const wRow = (p * kw + q) * inChannels * multiplier;
            for (let c = 0; c < inChannels; c++) {
              for (let k = 0; k < multiplier; k++) visit(xRow + c, dyRow + c * multiplier + k, wRow + c * multiplier + k);
            }
          }
        }
      }
    }
  }
}

function inputGradientDirect(dy: tf.TensorInfo, filter: tf.TensorInfo, info: Conv2DInfo, backend: Backend): tf.TensorInfo {
  const dys = backend.readSync(dy.dataId) as Float32Array;
  const w = backend.readSync(filter.dataId) as Float32Array;
  const dx = new Float32Array(info.batchSize * info.inHeight * info.inWidth * info.inChannels);
  eachTap(info, (xi, dyi, wi) => {
    dx[xi] += dys[dyi] * w[wi];
  });
  return backend.makeOutput([info.batchSize, info.inHeight, info.inWidth, info.inChannels], 'float32', undefined, dx);
}

function filterGradientDirect(x: tf.TensorInfo, dy: tf.TensorInfo, info: Conv2DInfo, backend: Backend): tf.TensorInfo {
  const xs = backend.readSync(x.dataId) as Float32Array;
  const dys = backend.readSync(dy.dataId) as Float32Array;
  const multiplier = info.outChannels / info.inChannels;
  const dw = new Float32Array(info.filterHeight * info.filterWidth * info.inChannels * multiplier);
  eachTap(info, (xi, dyi, wi) => {
    dw[wi] += xs[xi] * dys[dyi];
  });
  return backend.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, multiplier], 'float32', undefined, dw);
}
