import type { tf } from '../tf';
import { explain } from '../cam/explain';
import type { MethodName } from '../cam/methods/method';
import type { Heatmap } from '../image/heatmap';

/** A way to make a heat map of one image for one class: a method of the family or a baseline. */
export interface MapMaker {
  name: string;
  /** The map at the image's size, 0..1; `index` is the image's place in the sample (seeds baselines). */
  make(model: tf.LayersModel, image: tf.Tensor3D, classIndex: number, index: number): Promise<Heatmap>;
}

/** A method of the family at its default layer, as a map maker. */
export function methodMaker(method: MethodName): MapMaker {
  return { name: method, make: async (model, image, classIndex) => (await explain(model, image, { method, classIndex }))[0].heatmap };
}
