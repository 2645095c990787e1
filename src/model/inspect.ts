import { tf } from '../tf';
import { CamlabError } from '../errors';
import { applicationNode, flattenLayers, isContainer, isFourD, outputShapeOf, type Layer, type LayerEntry } from './layers';

/** A row of the layer table. */
export interface LayerInfo {
  name: string;
  /** The name with its nested models' names in front ('backbone/features'). */
  path: string;
  className: string;
  outputShape: (number | null)[] | undefined;
  params: number;
  /** 0 for the model's own layers, 1 inside a nested model, … */
  depth: number;
}

export type HeadActivation = 'softmax' | 'sigmoid' | 'linear';

/** The three layers CAM needs: features → global average pooling → a dense classifier. */
export interface CamHead {
  feature: LayerEntry;
  pooling: LayerEntry;
  classifier: LayerEntry;
  /** What turns the classifier's logits into the model's output. */
  activation: HeadActivation;
}

export interface ModelAnatomy {
  /** The last 4-D layer, the one that feeds global average pooling. */
  featureLayer?: LayerInfo;
  poolingLayer?: LayerInfo;
  classifierLayer?: LayerInfo;
  activation?: HeadActivation;
  numClasses: number;
  inputShape: (number | null)[];
  /** Every layer, nested ones included, in graph order. */
  layers: LayerInfo[];
  /** Why CAM cannot be computed on this model, when it cannot. */
  problem?: string;
}

// Layers that do nothing at inference time between GAP and the classifier.
// Reshape only moves unit axes here (MobileNet's head reshapes the GAP vector to 1×1×K and back).
const PASS_THROUGH = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Flatten', 'Reshape']);

/** A dense layer, or a 1×1 convolution over the 1×1 map that GAP leaves (MobileNet's conv_preds). */
function isLinearClassifier(layer: Layer): boolean {
  if (layer.getClassName() === 'Dense') return true;
  if (layer.getClassName() !== 'Conv2D') return false;
  const kernel = layer.getConfig().kernelSize as number[] | number;
  const input = applicationNode(layer).inputTensors[0]?.shape;
  return [kernel].flat().every((k) => k === 1) && input?.[1] === 1 && input?.[2] === 1;
}

/**
 * Describes a model: every layer (class, output shape, parameters) and, when it has one, its CAM head.
 *
 * @example console.log(formatLayerTable(inspectModel(model)));
 */
export function inspectModel(model: tf.LayersModel): ModelAnatomy {
  const entries = flattenLayers(model);
  const layers = entries.map(describeLayer);
  const outputShape = model.outputs[0].shape;
  const anatomy: ModelAnatomy = {
    numClasses: outputShape[outputShape.length - 1] ?? 0,
    inputShape: model.inputs[0].shape,
    layers,
  };
  try {
    const head = findCamHead(model);
    return {
      ...anatomy,
      featureLayer: describeLayer(head.feature),
      poolingLayer: describeLayer(head.pooling),
      classifierLayer: describeLayer(head.classifier),
      activation: head.activation,
    };
  } catch (error) {
    if (!(error instanceof CamlabError)) throw error;
    return { ...anatomy, problem: error.message };
  }
}

function describeLayer(entry: LayerEntry): LayerInfo {
  return {
    name: entry.layer.name,
    path: entry.path,
    className: entry.layer.getClassName(),
    outputShape: outputShapeOf(entry.layer),
    params: entry.layer.countParams(),
    depth: entry.containers.length - 1,
  };
}

/** Finds features → GAP → Dense, or says precisely why the model has no such head. */
export function findCamHead(model: tf.LayersModel): CamHead {
  const graph = new LayerGraph(model);
  const pools = graph.entries.filter((e) => e.layer.getClassName() === 'GlobalAveragePooling2D');
  const pooling = pools[pools.length - 1];
  if (!pooling) {
    // Grad-CAM needs feature maps too: recommend it only where there are some.
    const hasFeatureMaps = graph.entries.some((e) => isFourD(e.layer));
    throw new CamlabError(
      `CAM needs a GlobalAveragePooling2D layer followed by a dense classifier, and this model has none ` +
        `(its last layers: ${graph.entries.slice(-4).map((e) => `${e.path} (${e.layer.getClassName()})`).join(', ')}). ` +
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

function activationName(layer: Layer): HeadActivation | string {
  const name = (layer.getConfig().activation as string | undefined) ?? 'linear';
  return name;
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
    if (!inbound || inbound.getClassName() === 'InputLayer') return this.outerEntry(entry) && this.predecessor(this.outerEntry(entry)!);
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

/** The layer table as fixed-width text, one row per layer, nested layers indented. */
export function formatLayerTable(anatomy: ModelAnatomy): string {
  const marks = new Map<string, string>();
  if (anatomy.featureLayer) marks.set(anatomy.featureLayer.path, '← CAM features');
  if (anatomy.poolingLayer) marks.set(anatomy.poolingLayer.path, '← global average pooling');
  if (anatomy.classifierLayer) marks.set(anatomy.classifierLayer.path, '← classifier');
  const rows = anatomy.layers.map((l) => [
    `${'  '.repeat(l.depth)}${l.name}`,
    l.className,
    l.outputShape ? `[${l.outputShape.map((d) => d ?? 'n').join(', ')}]` : '(several)',
    l.params.toLocaleString('en-US'),
    marks.get(l.path) ?? '',
  ]);
  const header = ['layer', 'class', 'output shape', 'params', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const total = anatomy.layers.filter((l) => l.depth === 0).reduce((sum, l) => sum + l.params, 0);
  return [line(header), ...rows.map(line), `total parameters: ${total.toLocaleString('en-US')}`].join('\n');
}
