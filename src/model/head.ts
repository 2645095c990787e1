// The only place that analyses how a model ends: the layer that feeds global average pooling, the
// pooling layer, the linear classifier, where the class scores before the output activation are read,
// the number of classes, and the rule that one sigmoid unit is two classes. Everything else asks here.
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { applicationNode, flattenLayers, isContainer, isFourD, type Layer, type LayerEntry } from './layers';
import { assertLayersModel } from '../validate';

export type HeadActivation = 'softmax' | 'sigmoid' | 'linear';

/** The three layers CAM needs: features → global average pooling → a linear classifier. */
export interface CamHead {
  feature: LayerEntry;
  pooling: LayerEntry;
  classifier: LayerEntry;
  /** What turns the classifier's logits into the model's output. */
  activation: HeadActivation;
}

/** Where class scores are read during a forward pass. */
export interface ScoreSource {
  layer: Layer;
  /** 'dense': input · kernel + bias (a Dense layer with its softmax or sigmoid folded in); 'input': the layer's input; 'output': its output. */
  read: 'dense' | 'input' | 'output';
}

/** Either the model has a CAM head, or a sentence that says why it has none and what to use instead. */
export type CamAvailability = { cam: CamHead; camProblem?: undefined } | { cam?: undefined; camProblem: string };

export type ModelHead = HeadFacts & CamAvailability;

interface HeadFacts {
  /** Classes the model tells apart: its output units, or 2 for a single sigmoid unit. */
  numClasses: number;
  /** A single sigmoid unit, read as two classes: 0 scores −z with probability 1 − σ(z), 1 scores z with σ(z). */
  binary: boolean;
  /** Where the scores before the output activation (the logits) are. */
  logits: ScoreSource;
  /** The model's last layer (inside nested models), whose output is the probabilities. */
  output: Layer;
}

const analysed = new WeakMap<tf.LayersModel, ModelHead>();

/** The model's ending, analysed once per model (a built model's graph never changes; its weights are read live). */
export function modelHead(model: tf.LayersModel): ModelHead {
  assertLayersModel(model);
  let head = analysed.get(model);
  if (!head) {
    head = analyse(model);
    analysed.set(model, head);
  }
  return head;
}

/** features → GAP → linear classifier, or a CamlabError that says precisely why the model has none. */
export function camHead(model: tf.LayersModel): CamHead {
  const head = modelHead(model);
  if (!head.cam) throw new CamlabError(head.camProblem);
  return head.cam;
}

/** Where class scores are read: the logits (default, as the papers do) or the probabilities after the activation. */
export function scoreSource(head: ModelHead, score: 'logit' | 'probability' = 'logit'): ScoreSource {
  return score === 'probability' ? { layer: head.output, read: 'output' } : head.logits;
}

/**
 * One column per class: a single sigmoid unit [n, 1] becomes [n, 2], class 0 being −z for logits and
 * 1 − p for probabilities. Other heads pass through. Call inside tf.tidy.
 */
export function perClass(head: ModelHead, values: tf.Tensor2D, kind: 'logit' | 'probability'): tf.Tensor2D {
  if (!head.binary) return values;
  return tf.concat([kind === 'probability' ? tf.sub(1, values) : tf.neg(values), values], 1) as tf.Tensor2D;
}

/**
 * The classifier's kernel as [K, classes]: a 1×1 convolution's [1, 1, K, C] is a dense [K, C], and a
 * single sigmoid unit is two classes, 0 with −w and 1 with w. Read live from the layer. Call inside tf.tidy.
 */
export function classifierKernel(model: tf.LayersModel): tf.Tensor2D {
  const weights = camHead(model).classifier.layer.getWeights()[0];
  const kernel = tf.reshape(weights, [-1, weights.shape[weights.rank - 1]]) as tf.Tensor2D;
  return perClass(modelHead(model), kernel, 'logit');
}

function analyse(model: tf.LayersModel): ModelHead {
  const units = model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 0;
  const { logits, output, activation } = findLogits(model);
  const binary = activation === 'sigmoid' && units === 1;
  const head: HeadFacts = { numClasses: binary ? 2 : units, binary, logits, output };
  try {
    return { ...head, cam: findCamHead(model) };
  } catch (error) {
    if (!(error instanceof CamlabError)) throw error;
    return { ...head, camProblem: error.message };
  }
}

/** Layers that may follow the softmax without changing the scores (MobileNet ends softmax → Reshape). */
const TRAILING = new Set(['Reshape', 'Flatten', 'Dropout']);

/** Finds where the logits are: before the final softmax or sigmoid, or the output itself. */
function findLogits(model: tf.LayersModel): { logits: ScoreSource; output: Layer; activation: string } {
  let layer = model.outputs[0].sourceLayer as Layer;
  while (isContainer(layer)) layer = layer.outputs[0].sourceLayer as Layer;
  const output = layer;
  while (TRAILING.has(layer.getClassName()) && layer.inboundNodes.length === 1) {
    const previous = applicationNode(layer).inboundLayers[0];
    if (!previous || isContainer(previous)) break;
    layer = previous;
  }
  if (!['Dense', 'Activation', 'Conv2D'].includes(layer.getClassName())) layer = output;
  const activation = activationName(layer);
  const squashing = activation === 'softmax' || activation === 'sigmoid';
  const at = (source: Layer, read: ScoreSource['read']) => ({ logits: { layer: source, read }, output, activation });
  if (layer.getClassName() === 'Dense' && squashing) return at(layer, 'dense');
  if (layer.getClassName() === 'Conv2D' && squashing) return at(output, 'output');
  if (layer.getClassName() === 'Activation' && squashing) return at(layer, 'input');
  return at(layer, 'output');
}

// Layers that do nothing at inference time between GAP and the classifier.
// Reshape only moves unit axes here (MobileNet's head reshapes the GAP vector to 1×1×K and back).
const PASS_THROUGH = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'Flatten',
  'Reshape',
]);

/** A dense layer, or a 1×1 convolution over the 1×1 map that GAP leaves (MobileNet's conv_preds). */
function isLinearClassifier(layer: Layer): boolean {
  if (layer.getClassName() === 'Dense') return true;
  if (layer.getClassName() !== 'Conv2D') return false;
  const kernel = layer.getConfig().kernelSize as number[] | number;
  const input = applicationNode(layer).inputTensors[0]?.shape;
  return [kernel].flat().every((k) => k === 1) && input?.[1] === 1 && input?.[2] === 1;
}

/** Finds features → GAP → Dense, or says precisely why the model has no such head. */
function findCamHead(model: tf.LayersModel): CamHead {
  const graph = new LayerGraph(model);
  const pools = graph.entries.filter((e) => e.layer.getClassName() === 'GlobalAveragePooling2D');
  const pooling = pools[pools.length - 1];
  if (!pooling) {
    // Grad-CAM needs feature maps too: recommend it only where there are some.
    const hasFeatureMaps = graph.entries.some((e) => isFourD(e.layer));
    throw new CamlabError(
      `CAM needs a GlobalAveragePooling2D layer followed by a dense classifier, and this model has none ` +
        `(its last layers: ${graph.entries
          .slice(-4)
          .map((e) => `${e.path} (${e.layer.getClassName()})`)
          .join(', ')}). ` +
        (hasFeatureMaps
          ? `Use a gradient method such as Grad-CAM, which works on any convolutional layer.`
          : `It has no layer with feature maps ([n, height, width, channels]) either, so no method of camlab applies: they explain convolutional image models.`),
    );
  }
  const feature = graph.predecessor(pooling);
  if (!feature || !isFourD(feature.layer)) {
    throw new CamlabError(`The GlobalAveragePooling2D layer '${pooling.path}' is not fed by a layer with a 4-D output.`);
  }
  let classifier = graph.successor(pooling);
  while (classifier && PASS_THROUGH.has(classifier.layer.getClassName())) classifier = graph.successor(classifier);
  if (!classifier || !isLinearClassifier(classifier.layer)) {
    throw new CamlabError(
      `CAM needs a Dense classifier right after '${pooling.path}', but ${classifier ? `'${classifier.path}' (${classifier.layer.getClassName()})` : 'nothing'} ` +
        `follows it. Use Grad-CAM at '${feature.path}' instead.`,
    );
  }
  let activation = activationName(classifier.layer);
  let after = graph.successor(classifier);
  while (after && PASS_THROUGH.has(after.layer.getClassName())) after = graph.successor(after);
  if (after && after.layer.getClassName() === 'Activation' && activation === 'linear') {
    activation = activationName(after.layer);
    after = graph.successor(after);
    while (after && PASS_THROUGH.has(after.layer.getClassName())) after = graph.successor(after);
  }
  if (after || (activation !== 'softmax' && activation !== 'sigmoid' && activation !== 'linear')) {
    throw new CamlabError(
      `Classic CAM is exact only when one linear layer follows global average pooling; this head is not linear: ` +
        `${headDescription(graph, pooling)}. Use Grad-CAM at '${feature.path}' (the input of '${pooling.path}'): ` +
        `gradCam(model, image, { layer: '${feature.path}' }), or explain() to choose.`,
    );
  }
  return { feature, pooling, classifier, activation };
}

function activationName(layer: Layer): string {
  return (layer.getConfig().activation as string | undefined) ?? 'linear';
}

/** The layers after global average pooling, e.g. "head/dense (Dense, relu) → head/dense_1 (Dense, softmax)". */
function headDescription(graph: LayerGraph, pooling: LayerEntry): string {
  const parts: string[] = [];
  for (let next = graph.successor(pooling); next && parts.length < 8; next = graph.successor(next)) {
    const activation = next.layer.getConfig().activation as string | undefined;
    parts.push(`${next.path} (${next.layer.getClassName()}${activation ? `, ${activation}` : ''})`);
  }
  return parts.join(' → ');
}

/** Neighbours in the layer graph, across the borders of nested models. */
class LayerGraph {
  readonly entries: LayerEntry[];
  private readonly byLayer: Map<Layer, LayerEntry>;

  constructor(model: tf.LayersModel) {
    this.entries = flattenLayers(model);
    this.byLayer = new Map(this.entries.map((e) => [e.layer, e]));
  }

  /** The layer whose output feeds this one (the first input where there are several). */
  predecessor(entry: LayerEntry): LayerEntry | undefined {
    const inbound = applicationNode(entry.layer).inboundLayers[0];
    if (!inbound || inbound.getClassName() === 'InputLayer') {
      const outer = this.outerEntry(entry);
      return outer && this.predecessor(outer);
    }
    const found = this.byLayer.get(inbound);
    if (found && isContainer(found.layer)) return this.outputOf(found.layer);
    return found;
  }

  /** The first layer that takes this one's output, or undefined at the model's output. */
  successor(entry: LayerEntry): LayerEntry | undefined {
    const container = entry.containers[entry.containers.length - 1];
    const next = entry.layer.outboundNodes.map((node) => node.outboundLayer).find((layer) => this.inContainer(layer, container));
    if (!next) {
      const outer = this.outerEntry(entry);
      return outer && container.outputs[0].sourceLayer === entry.layer ? this.successor(outer) : undefined;
    }
    const found = this.byLayer.get(next);
    if (found && isContainer(found.layer)) return this.firstInside(found.layer);
    return found;
  }

  private inContainer(layer: Layer, container: tf.LayersModel): boolean {
    const entry = this.byLayer.get(layer);
    return entry !== undefined && entry.containers[entry.containers.length - 1] === container;
  }

  /** The nested model holding this entry, as an entry of its own, or undefined at the top. */
  private outerEntry(entry: LayerEntry): LayerEntry | undefined {
    if (entry.containers.length < 2) return undefined;
    return this.byLayer.get(entry.containers[entry.containers.length - 1]);
  }

  private outputOf(container: tf.LayersModel): LayerEntry | undefined {
    const source = container.outputs[0].sourceLayer;
    const found = this.byLayer.get(source);
    return found && isContainer(found.layer) ? this.outputOf(found.layer) : found;
  }

  private firstInside(container: tf.LayersModel): LayerEntry | undefined {
    const input = container.inputs[0].sourceLayer;
    const first = input.outboundNodes.map((node) => node.outboundLayer).find((layer) => this.inContainer(layer, container));
    const found = first && this.byLayer.get(first);
    return found && isContainer(found.layer) ? this.firstInside(found.layer) : found;
  }
}
