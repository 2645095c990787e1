import type { tf } from '../tf';
import { modelLabels } from '../model/metadata';

/** `{ label }` when the model has labels (its folder's, or a recognised ImageNet network's), else nothing. */
export function labelOf(model: tf.LayersModel, classIndex: number): { label?: string } {
  const label = modelLabels(model)?.[classIndex];
  return label === undefined ? {} : { label };
}
