import { tf } from '../tf';
import { fileSystemSaver } from './files';
import { assertLayersModel } from '../validate';

/** Writes a layers model as model.json + weights.bin into a folder (created if needed). */
export async function saveModel(model: tf.LayersModel, folder: string): Promise<void> {
  assertLayersModel(model);
  await model.save(fileSystemSaver(folder));
}
