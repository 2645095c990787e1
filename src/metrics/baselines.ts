// Maps that explain nothing, to score methods against: if a method does no better than these on a
// metric, the metric (or the method) says little. pytorch-grad-cam offers the same yardsticks.
import { tf } from '../tf';
import { normalizeHeatmap, type Heatmap } from '../image/heatmap';
import { heatmapOverImage } from '../image/place';
import { layerActivations } from '../model/activations';
import { explainedLayer } from '../model/explained-layer';
import { Random } from '../random';
import type { MapMaker } from './map-maker';

/** Uniform noise: what a map that knows nothing scores. Seeded per image. */
export const randomMapMaker: MapMaker = {
  name: 'random map',
  make: async (_model, image, _c, index) => {
    const [height, width] = image.shape;
    const random = new Random(1000 + index);
    return { width, height, data: Float32Array.from({ length: width * height }, () => random.next()) };
  },
};

/** A Gaussian at the centre (σ a quarter of the side): the prior that objects sit in the middle. */
export const centreGaussianMaker: MapMaker = {
  name: 'centre Gaussian',
  make: async (_model, image) => {
    const [height, width] = image.shape;
    const [sx, sy] = [width / 4, height / 4];
    const data = new Float32Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        data[y * width + x] = Math.exp(-(((x - (width - 1) / 2) / sx) ** 2 + ((y - (height - 1) / 2) / sy) ** 2) / 2);
    return { width, height, data };
  },
};

/**
 * The Sobel edge magnitude of the image's grey values (the mean of its channels), scaled to 0..1: a map
 * made from the input alone, which looks like an explanation and ignores the model entirely. The sanity
 * check must flag it.
 */
export const sobelEdgeMaker: MapMaker = {
  name: 'Sobel edges',
  make: async (_model, image) => sobelEdges(image.shape[0], image.shape[1], image.shape[2], (await image.data()) as Float32Array),
};

export function sobelEdges(height: number, width: number, channels: number, pixels: Float32Array): Heatmap {
  const grey = (y: number, x: number) => {
    const [cy, cx] = [Math.min(height - 1, Math.max(0, y)), Math.min(width - 1, Math.max(0, x))]; // edges repeat
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += pixels[(cy * width + cx) * channels + c];
    return sum / channels;
  };
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx =
        grey(y - 1, x + 1) + 2 * grey(y, x + 1) + grey(y + 1, x + 1) - grey(y - 1, x - 1) - 2 * grey(y, x - 1) - grey(y + 1, x - 1);
      const gy =
        grey(y + 1, x - 1) + 2 * grey(y + 1, x) + grey(y + 1, x + 1) - grey(y - 1, x - 1) - 2 * grey(y - 1, x) - grey(y - 1, x + 1);
      data[y * width + x] = Math.hypot(gx, gy);
    }
  }
  return normalizeHeatmap({ width, height, data });
}

/**
 * Random channel weights, uniform in [−1, 1] (seeded per image), on the activations of the layer the
 * methods explain by default: ReLU(Σ_k w_k A^k), upsampled like a method's map. It uses the model's
 * features but no class: what a method's weighting adds beyond the features themselves.
 */
export const randomCamMaker: MapMaker = {
  name: 'random CAM',
  make: async (model, image, _c, index) => {
    const layer = explainedLayer(model, undefined);
    const activations = (await layerActivations(model, image, layer.path)) as tf.Tensor4D;
    const [, h, w, k] = activations.shape;
    const random = new Random(2000 + index);
    const weights = Float32Array.from({ length: k }, () => random.uniform(-1, 1));
    const map = tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(activations, [h * w, k]), tf.tensor2d(weights, [k, 1])), [h * w]));
    activations.dispose();
    const raw = { width: w, height: h, data: (await map.data()) as Float32Array };
    map.dispose();
    const [height, width] = image.shape;
    return heatmapOverImage({ ...raw, data: raw.data.map((v) => Math.max(0, v)) }, { width, height }, { x: 0, y: 0, width, height });
  },
};
