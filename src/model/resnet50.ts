import { tf } from '../tf';
import { ready } from '../backend';
import { CamlabError } from '../errors';
import { resnet50Architecture, type ResNet50Options } from './architectures/resnet50';

/**
 * ResNet-50 as keras.applications builds it (same layer names, 25,636,712 parameters with the top), with
 * seeded random weights: its anatomy is real, its predictions are not. No weights are downloaded.
 *
 * @example const net = await resnet50(); inspectModel(net).featureLayer?.name; // 'conv5_block3_out'
 */
export async function resnet50(options: ResNet50Options & { weights?: null } = {}): Promise<tf.LayersModel> {
  await ready();
  if (options.weights != null) {
    throw new CamlabError(`resnet50() builds the network with random weights only; load trained weights with loadModel() from a converted model.`);
  }
  return resnet50Architecture(options);
}
