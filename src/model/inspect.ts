import type { tf } from '../tf';
import { displayable } from '../display';
import { modelHead, type HeadActivation } from './head';
import { flattenLayers, outputShapeOf, type LayerEntry } from './layers';

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

/**
 * Describes a model: every layer (class, output shape, parameters) and, when it has one, its CAM head.
 *
 * @example console.log(formatLayerTable(inspectModel(model)));
 */
export function inspectModel(model: tf.LayersModel): ModelAnatomy {
  const entries = flattenLayers(model);
  const layers = entries.map(describeLayer);
  const head = modelHead(model);
  const anatomy: ModelAnatomy = { numClasses: head.numClasses, inputShape: model.inputs[0].shape, layers };
  if (!head.cam) return displayable({ ...anatomy, problem: head.camProblem }, 'anatomy');
  return displayable(
    {
      ...anatomy,
      featureLayer: describeLayer(head.cam.feature),
      poolingLayer: describeLayer(head.cam.pooling),
      classifierLayer: describeLayer(head.cam.classifier),
      activation: head.cam.activation,
    },
    'anatomy',
  );
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

/** The layer table's cells (nested layers indented, the CAM head marked) and the model's own parameter count. */
export function layerTableRows(anatomy: ModelAnatomy): { header: string[]; rows: string[][]; total: number } {
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
  const total = anatomy.layers.filter((l) => l.depth === 0).reduce((sum, l) => sum + l.params, 0);
  return { header, rows, total };
}

/** The layer table as fixed-width text, one row per layer, nested layers indented. */
export function formatLayerTable(anatomy: ModelAnatomy): string {
  const { header, rows, total } = layerTableRows(anatomy);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line), `total parameters: ${total.toLocaleString('en-US')}`].join('\n');
}
