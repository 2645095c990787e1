import type { tf } from '../tf';
import { modelLabels } from '../model/metadata';

/** `{ label }` when the model's folder named its classes, else nothing. */
export function labelOf(model: tf.LayersModel, classIndex: number): { label?: string } {
  const label = modelLabels(model)?.[classIndex];
  return label === undefined ? {} : { label };
}
