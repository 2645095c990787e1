// The same non-finite inputs on whichever backend this process runs: the WASM test calls it
// in-process and runs it again in a child with CAMLAB_BACKEND=cpu.
import { tf, ready, classActivationMap, gradCam, layerActivations } from '../../src';
import { sequentialGapCnn } from './models';

export interface NonFiniteReport {
  backend: string;
  /** One message per case, or 'answered' when camlab gave a result. */
  messages: string[];
  /** Tensors left behind by all the calls. */
  leaked: number;
}

export async function nonFiniteReport(): Promise<NonFiniteReport> {
  const backend = await ready();
  const model = sequentialGapCnn();
  const before = tf.memory().numTensors;
  const onePixel = () => {
    const buffer = tf.buffer([32, 32, 3], 'float32');
    buffer.set(NaN, 10, 20, 1);
    return buffer.toTensor() as tf.Tensor3D;
  };
  const inBatch = () =>
    tf.tidy(
      () =>
        tf.concat([
          tf.zeros([1, 32, 32, 3]),
          tf.pad(tf.fill([1, 1, 1, 3], Infinity), [
            [0, 0],
            [4, 27],
            [5, 26],
            [0, 0],
          ]),
        ]) as tf.Tensor4D,
    );
  const cases: [() => tf.Tensor3D | tf.Tensor4D, (x: tf.Tensor3D | tf.Tensor4D) => Promise<unknown>][] = [
    [() => tf.fill([32, 32, 3], NaN) as tf.Tensor3D, (x) => classActivationMap(model, x)],
    [onePixel, (x) => classActivationMap(model, x)],
    [inBatch, (x) => gradCam(model, x)],
    [() => tf.fill([32, 32, 3], -Infinity) as tf.Tensor3D, (x) => layerActivations(model, x, 'features')],
  ];
  const messages: string[] = [];
  for (const [make, call] of cases) {
    const input = make();
    try {
      const result = await call(input);
      if (result instanceof tf.Tensor) result.dispose();
      messages.push('answered');
    } catch (error) {
      messages.push((error as Error).message);
    } finally {
      input.dispose();
    }
  }
  const leaked = tf.memory().numTensors - before;
  model.dispose();
  return { backend, messages, leaked };
}
