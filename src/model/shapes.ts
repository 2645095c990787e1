// Layer output shapes at a given input size, inferred without running anything. A model built for any
// size ([null, null, 3]) declares open sides; at a size it was not built for, a layer's output can be
// empty (a 3×3 'valid' convolution of a 1×1 image), and WASM then reads out of bounds and aborts for
// the rest of the process.
import { tf } from '../tf';
import { CamlabError } from '../errors';
import type { InputSize } from '../image/model-input';
import type { Layer } from './layers';

/** Every layer's output shape (nested models' layers included) for a batch of one at this size. */
export function layerShapesAt(model: tf.LayersModel, size: InputSize): Map<Layer, (number | null)[]> {
  const shapes = new Map<Layer, (number | null)[]>();
  const restore: (() => void)[] = [];
  const record = (container: tf.LayersModel) => {
    for (const layer of container.layers) {
      if (layer instanceof tf.LayersModel) record(layer);
      const own = Object.prototype.hasOwnProperty.call(layer, 'computeOutputShape');
      const original = layer.computeOutputShape;
      layer.computeOutputShape = function (this: Layer, shape) {
        const out = original.call(this, shape);
        if (!Array.isArray(out[0])) shapes.set(layer, out as (number | null)[]);
        return out;
      };
      restore.push(() => (own ? (layer.computeOutputShape = original) : delete (layer as Partial<Layer>).computeOutputShape));
    }
  };
  try {
    record(model);
    const input = [1, size.height, size.width, size.channels];
    // A Sequential model that has not run yet has no input layer to start from: walk its layers in order.
    if (model.inputLayers.length === 0)
      model.layers.reduce<tf.Shape | tf.Shape[]>((shape, layer) => layer.computeOutputShape(shape), input);
    else model.computeOutputShape(input);
  } catch (error) {
    throw new CamlabError(
      `The model cannot run at ${size.height}×${size.width}: its shapes do not work out (${(error as Error).message}).`,
      { cause: error },
    );
  } finally {
    restore.forEach((undo) => undo());
  }
  return shapes;
}

/** Refuses a size at which a layer's output would be empty, naming the layer and the smallest square that works. */
export function assertLayersFit(model: tf.LayersModel, size: InputSize): void {
  const emptyAt = (s: InputSize) => [...layerShapesAt(model, s)].find(([, shape]) => shape.some((d) => d !== null && d <= 0));
  const found = emptyAt(size);
  if (!found) return;
  const square = (side: number) => emptyAt({ ...size, height: side, width: side }) !== undefined;
  let high = 1; // then the smallest square side that works, by doubling and bisection
  while (high <= 8192 && square(high)) high *= 2;
  let low = high / 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (square(mid)) low = mid;
    else high = mid;
  }
  const [layer, shape] = found;
  throw new CamlabError(
    `The model cannot run at ${size.height}×${size.width} (height × width): its layer '${layer.name}' would output [${shape.join(', ')}]. ` +
      (high <= 8192
        ? `Give larger images, or pass { inputSize: [${high}, ${high}] } (the smallest square it takes) or more to stretch them.`
        : 'Give larger images.'),
  );
}

/** True when the model leaves its input's height or width open. */
export function hasOpenInputSize(model: tf.LayersModel): boolean {
  const shape = model.inputs[0]?.shape ?? [];
  return shape[1] === null || shape[2] === null;
}
