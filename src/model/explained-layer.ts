// Which layer a map is made at: the one rule for the default layer (the one that feeds GAP, else the
// last layer with feature maps) and the one rule for where CAM is defined (only at the layer whose
// maps GAP averages for a linear classifier). Every caller (the CAM functions, explain, the explorer,
// the CLI's pool) asks here, and words the answer for its reader.
import type { tf } from '../tf';
import { CamlabError } from '../errors';
import { modelHead, type CamHead } from './head';
import { findLayer, flattenLayers, isContainer, isFourD, outputShapeOf, type LayerEntry } from './layers';

/** Every layer with feature maps ([n, h, w, channels]), nested ones included, in graph order. */
export function featureMapLayers(model: tf.LayersModel): LayerEntry[] {
  return flattenLayers(model).filter((e) => !isContainer(e.layer) && isFourD(e.layer));
}

/** The layer a map is made at when none is named: the one that feeds GAP, else the last 4-D layer. */
export function defaultLayer(model: tf.LayersModel): LayerEntry {
  const feature = modelHead(model).cam?.feature;
  if (feature) return feature;
  const fourD = featureMapLayers(model);
  const last = fourD[fourD.length - 1];
  if (!last) throw new CamlabError('The model has no layer with a 4-D output (feature maps) to explain.');
  return last;
}

/** The layer to explain: the one named (4-D output required), else the default layer. */
export function explainedLayer(model: tf.LayersModel, name: string | undefined): LayerEntry {
  if (name === undefined) return defaultLayer(model);
  const entry = findLayer(model, name);
  if (!isFourD(entry.layer)) {
    const shape = outputShapeOf(entry.layer);
    throw new CamlabError(
      `Layer '${entry.path}' outputs [${shape?.map((d) => d ?? 'n').join(', ') ?? 'several tensors'}], not feature maps [n, h, w, channels]. ` +
        `Layers with feature maps: ${featureMapLayers(model)
          .map((e) => e.path)
          .join(', ')}.`,
    );
  }
  return entry;
}

/** Why CAM gives no map at a layer: the model has no CAM head, or the layer is not the one feeding GAP. */
export type CamRefusal = { reason: 'no-cam-head'; problem: string } | { reason: 'other-layer'; cam: CamHead; layer: LayerEntry };

/**
 * Where CAM is defined: only at the layer whose maps GAP averages, on a model with a GAP + linear head
 * (its weights are the classifier's, and the classifier sees no other layer). Asks about the layer
 * named (an unknown or non-4-D name is refused as for every method), else the default layer; gives
 * undefined where CAM is defined.
 */
export function camRefusalAt(model: tf.LayersModel, name: string | undefined): CamRefusal | undefined {
  const head = modelHead(model);
  if (!head.cam) return { reason: 'no-cam-head', problem: head.camProblem };
  if (name === undefined) return undefined;
  const layer = explainedLayer(model, name);
  return layer.layer === head.cam.feature.layer ? undefined : { reason: 'other-layer', cam: head.cam, layer };
}
