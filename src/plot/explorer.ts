// The explorer figure: every map of an image for a few classes × layers × methods, computed once, in one
// Plotly figure whose menus let the reader pick. The figure's own script (explorer-script.ts) follows the
// choice from the data carried in layout.meta; the PNG shows the first choice.
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { colormapAnchors, type ColormapName } from '../image/colormap';
import type { ModelInputOptions } from '../image/model-input';
import { rgbaFromRgb } from '../image/encode';
import { shrinkHeatmap } from '../image/resize';
import { assertImage3D } from '../image/validate';
import { inspectModel, type LayerInfo, type ModelAnatomy } from '../model/inspect';
import { modelLabels } from '../model/metadata';
import { camRefusalAt, defaultLayer } from '../model/explained-layer';
import { boundingBox, defaultBoxThreshold } from '../localize/box';
import { checkExplorerOptions } from '../validate';
import { explain, methods as allMethods } from '../cam/explain';
import type { MethodName } from '../cam/methods/method';
import type { CamResult } from '../cam/types';
import type { Annotation, Color, Figure, HeatmapTrace, Shape, UpdateMenu } from './figure';

export interface ExplorerOptions extends ModelInputOptions {
  /** The classes to offer, the first shown first. Default: every class of a model with at most 10, else the 5 most probable; most probable first. */
  classes?: number[];
  /** Layers with feature maps, by name or path. Default: the layer that feeds GAP (else the last 4-D layer). */
  layers?: string[];
  /** Default: CAM, Grad-CAM and Layer-CAM on a GAP + linear head; Grad-CAM, Grad-CAM++ and Layer-CAM otherwise. */
  methods?: MethodName[];
  /** The box keeps the largest region ≥ threshold × the map's maximum (default: the model's validated threshold, else 0.2). */
  threshold?: number;
  /** Class names, indexed by class (default: the model's labels, else the class numbers). */
  labels?: string[];
  colormap?: ColormapName;
  /** Opacity of the heat map over the image (default 0.5). */
  alpha?: number;
  /** The image panel's longest side in screen pixels (default 360). */
  size?: number;
}

/** What the figure's script reads from layout.meta.camlabExplorer. Texts are escaped for Plotly already. */
export interface ExplorerData {
  /** The menus' names, in the order of a choice [class, layer, method]. */
  menus: ['class', 'layer', 'method'];
  /** The first choice, [class, layer, method] as indices into the menus. */
  choice: [number, number, number];
  counts: [number, number, number];
  /** Index of the heat map in figure.data, and its opacity. */
  heatTrace: number;
  opacity: number;
  /** Per layer: the map's grid and where it sits over the image. */
  grids: { width: number; height: number; x0: number; dx: number; y0: number; dy: number }[];
  /** Per choice (index (class × layers + layer) × methods + method): base64 bytes, percent of the map's range, rows from the top; null where the method is not defined. */
  maps: (string | null)[];
  /** Per choice: the box's edges [x0, y0, x1, y1] in image coordinates, or null. */
  boxes: ([number, number, number, number] | null)[];
  titles: string[];
  /** Per (layer × methods + method): why the method gives no map there, or null. */
  reasons: (string | null)[];
  /** The box's look; the script fills in the edges. */
  boxShape: Shape;
  /** The line under the image in the live figure (the PNG has one for readers without the menus). */
  liveNote: Annotation;
  /** Where a reason is written, over the image. */
  reasonNote: Annotation;
}

const DEFAULT_SIZE = 360;
const BOX_COLOR: Color = [0x00, 0xe6, 0x76];
/** Characters a line of a note under the plot holds: it fits a 360-px phone at 12 px. */
const NOTE_LINE = 44;

/**
 * One figure in which the reader picks the class, the layer and the method (three menus): the heat map,
 * the box found from it, the class probability and the title follow the choice, in the live notebook,
 * in exported HTML and on a plain page. Every map is computed here, once, and travels at its layer's
 * resolution (Plotly smooths it). Where a method is not defined (CAM away from the layer that feeds
 * GAP), the figure says why and which of the chosen methods work there.
 *
 * @example await show(await explorerFigure(model, image, { layers: ['block2_conv2', 'features'], methods: ['cam', 'gradcam'] }));
 */
export async function explorerFigure(model: tf.LayersModel, image: tf.Tensor3D, options: ExplorerOptions = {}): Promise<Figure> {
  assertImage3D(image);
  checkExplorerOptions(options);
  const anatomy = inspectModel(model);
  const layers = chosenLayers(model, anatomy, options.layers);
  const methodNames = options.methods ?? (anatomy.featureLayer ? ['cam', 'gradcam', 'layercam'] : ['gradcam', 'gradcam++', 'layercam']);
  const threshold = options.threshold ?? defaultBoxThreshold(model);
  const alpha = options.alpha ?? 0.5;
  const reasons = layers.flatMap((layer) => methodNames.map((method) => unavailableReason(model, layer, method, methodNames)));
  const available = reasons.map((r, i) => (r === null ? i : -1)).filter((i) => i >= 0);
  if (available.length === 0) throw new CamlabError(`None of the methods ${methodNames.join(', ')} is defined at ${layers.map((l) => l.path).join(', ')}: ${reasons[0]}`);

  const input = { fit: options.fit, preprocess: options.preprocess };
  const [firstLayer, firstMethod] = [Math.floor(available[0] / methodNames.length), available[0] % methodNames.length];
  const first = await explain(model, image, { ...input, method: methodNames[firstMethod], layer: layers[firstLayer].path, ...(options.classes ? { classIndex: options.classes } : { topK: defaultTopK(anatomy) }) });
  const classes = options.classes ?? first.map((r) => r.classIndex);
  const [height, width] = image.shape;
  const labels = options.labels ?? modelLabels(model);
  const firstOf = classes.map((c) => first.find((r) => r.classIndex === c)!);
  const classNames = classes.map((c, i) => labels?.[c] ?? firstOf[i].label ?? `class ${c}`);
  const probability = firstOf.map((r) => r.score);

  const counts: [number, number, number] = [classes.length, layers.length, methodNames.length];
  const choices = counts[0] * counts[1] * counts[2];
  const maps: (string | null)[] = Array(choices).fill(null);
  const boxes: ExplorerData['boxes'] = Array(choices).fill(null);
  // A layer where no chosen method is defined keeps one empty cell over the whole image.
  const grids: ExplorerData['grids'] = layers.map(() => ({ width: 1, height: 1, x0: (width - 1) / 2, dx: width, y0: (height - 1) / 2, dy: height }));
  for (const [l, layer] of layers.entries()) {
    for (const [m, method] of methodNames.entries()) {
      if (reasons[l * counts[2] + m] !== null) continue;
      const results: CamResult[] = l === firstLayer && m === firstMethod ? first : await explain(model, image, { ...input, method, layer: layer.path, classIndex: classes });
      for (const result of results) {
        const c = classes.indexOf(result.classIndex);
        const k = (c * counts[1] + l) * counts[2] + m;
        const { raw } = result;
        grids[l] = { width: raw.width, height: raw.height, x0: (width / raw.width - 1) / 2, dx: width / raw.width, y0: (height / raw.height - 1) / 2, dy: height / raw.height };
        maps[k] = Buffer.from(percentMap(shrinkHeatmap(result.heatmap, raw.width, raw.height))).toString('base64');
        const box = boundingBox(result.heatmap, { threshold });
        boxes[k] = [box.x - 0.5, box.y - 0.5, box.x + box.width - 0.5, box.y + box.height - 0.5];
      }
    }
  }

  const methodTitles = methodNames.map(methodTitle);
  const titles = Array.from({ length: choices }, (_, k) => {
    const [c, l, m] = [Math.floor(k / (counts[1] * counts[2])), Math.floor(k / counts[2]) % counts[1], k % counts[2]];
    const what = `${methodTitles[m]} at ${layers[l].path}`;
    return maps[k] === null ? `${what}: not defined` : `"${classNames[c]}" (p = ${probability[c].toFixed(3)}): ${what}`;
  });

  const size = options.size ?? DEFAULT_SIZE;
  const scale = size / Math.max(width, height);
  const [panelW, panelH] = [Math.round(width * scale), Math.round(height * scale)];
  const margin = { l: 50, r: 110, t: 110, b: 72 };
  const menuLabels = [
    classNames.map((name, i) => `${name} (p = ${probability[i].toFixed(3)})`),
    layers.map((layer, l) => `${layer.path} (${grids[l].height}×${grids[l].width})`),
    methodTitles,
  ];
  const menuWidths = menuLabels.map((labelsOfMenu) => 7 * Math.max(...labelsOfMenu.map((s) => s.length)) + 44);
  const figureWidth = Math.max(panelW + margin.l + margin.r, margin.l + menuWidths.reduce((a, b) => a + b + 8, 0) + 20);
  const plotWidth = figureWidth - margin.l - margin.r;
  const choice: [number, number, number] = [0, firstLayer, firstMethod];
  const k0 = (choice[0] * counts[1] + choice[1]) * counts[2] + choice[2];
  const grid = grids[firstLayer];
  const anchors = colormapAnchors(options.colormap ?? 'jet');
  const heat: HeatmapTrace = {
    type: 'heatmap',
    z: rowsOf(Buffer.from(maps[k0]!, 'base64'), grid.width, grid.height),
    x0: grid.x0,
    dx: grid.dx,
    y0: grid.y0,
    dy: grid.dy,
    zmin: 0,
    zmax: 100,
    zsmooth: 'best',
    colorscale: anchors.map((rgb, i) => [i / (anchors.length - 1), rgb]),
    opacity: alpha,
    showscale: true,
    colorbar: { title: { text: 'activation %' }, thickness: 14, len: 0.9 },
    hovertemplate: 'x %{x:.0f}, y %{y:.0f}<br>activation %{z}%<extra></extra>',
    xaxis: 'x',
    yaxis: 'y',
  };
  const boxShape: Shape = { type: 'rect', xref: 'x', yref: 'y', x0: 0, y0: 0, x1: 0, y1: 0, line: { color: BOX_COLOR, width: 2 }, name: 'box' };
  const [bx0, by0, bx1, by1] = boxes[k0]!;
  // Notes start at the plot's left edge; the live one in lines short enough for a phone (Plotly does not wrap).
  const noteAt = { x: 0, y: 0, xref: 'paper', yref: 'paper', showarrow: false, xanchor: 'left', yanchor: 'top', align: 'left', font: { size: 12, color: [68, 68, 68] as Color } } as const;
  // The PNG is never narrowed (it scales as a picture), so its note stays one line.
  const staticNote: Annotation = { ...noteAt, text: `Interactive version: menus pick one of ${plural(counts[0], 'class', 'classes')}, ${plural(counts[1], 'layer', 'layers')} and ${plural(counts[2], 'method', 'methods')}.` };
  const data: ExplorerData = {
    menus: ['class', 'layer', 'method'],
    choice,
    counts,
    heatTrace: 1,
    opacity: alpha,
    grids,
    maps,
    boxes,
    titles,
    reasons: reasons.map((r) => (r === null ? null : wrap(r, 52).join('\n'))),
    boxShape,
    liveNote: { ...noteAt, text: wrap(`Menus above: class, layer, method. Box: ≥ ${Math.round(threshold * 100)}% of the map's maximum.`, NOTE_LINE).join('\n') },
    reasonNote: { text: '', x: width / 2 - 0.5, y: height / 2 - 0.5, xref: 'x', yref: 'y', showarrow: false, xanchor: 'center', yanchor: 'middle', font: { size: 12, color: [0, 0, 0] }, bgcolor: [255, 255, 255, 0.85] },
  };
  const menu = (i: number, x: number): UpdateMenu => ({
    type: 'dropdown',
    name: data.menus[i],
    buttons: menuLabels[i].map((label) => ({ label, method: 'skip', args: [] })),
    active: choice[i],
    direction: 'down',
    showactive: true,
    x,
    y: 1.03,
    xanchor: 'left',
    yanchor: 'bottom',
    pad: { t: 0, r: 0, b: 0, l: 0 },
    font: { size: 12 },
  });
  const offsets = menuWidths.map((_, i) => menuWidths.slice(0, i).reduce((a, b) => a + b + 8, 0) / plotWidth);
  return {
    data: [{ type: 'image', pixels: { width, height, rgba: rgbaFromRgb(image.dataSync(), width, height) }, x0: 0, y0: 0, dx: 1, dy: 1, hoverinfo: 'skip', xaxis: 'x', yaxis: 'y' }, heat],
    layout: {
      title: { text: titles[k0] },
      width: figureWidth,
      height: panelH + margin.t + margin.b,
      margin,
      xaxis: { range: [-0.5, width - 0.5], showgrid: false, zeroline: false, constrain: 'domain', ticks: 'outside' },
      yaxis: { range: [height - 0.5, -0.5], showgrid: false, zeroline: false, constrain: 'domain', ticks: 'outside', scaleanchor: 'x' },
      shapes: [{ ...boxShape, x0: bx0, y0: by0, x1: bx1, y1: by1 }],
      annotations: [{ ...staticNote, y: -30 / panelH }],
      updatemenus: [0, 1, 2].map((i) => menu(i, offsets[i])),
      meta: { camlabExplorer: { ...data, liveNote: { ...data.liveNote, y: -30 / panelH } } },
      showlegend: false,
      hovermode: 'closest',
    },
  };
}

/** The layers named (their list was checked with the options), else the default layer. */
function chosenLayers(model: tf.LayersModel, anatomy: ModelAnatomy, names: string[] | undefined): LayerInfo[] {
  const byPath = (path: string) => anatomy.layers.filter((l) => l.path === path);
  if (names === undefined) return byPath(defaultLayer(model).path);
  const fourD = anatomy.layers.filter((l) => l.outputShape?.length === 4);
  return names.map((name) => {
    const layer = anatomy.layers.find((l) => l.path === name || l.name === name);
    if (!layer || layer.outputShape?.length !== 4) {
      throw new CamlabError(`${layer ? `Layer '${name}' has no feature maps` : `There is no layer '${name}'`}. Layers with feature maps: ${fourD.map((l) => l.path).join(', ')}.`);
    }
    return layer;
  });
}

/** Only CAM is tied to one layer (model/explained-layer.ts says which); this words why for the reader. */
function unavailableReason(model: tf.LayersModel, layer: LayerInfo, method: MethodName, chosen: MethodName[]): string | null {
  if (method !== 'cam') return null;
  const refusal = camRefusalAt(model, layer.path);
  if (!refusal) return null;
  const others = chosen.filter((m) => m !== 'cam').map(methodTitle);
  const pick = others.length ? `At ${layer.path}, pick ${others.join(' or ')}.` : `At ${layer.path}, a gradient method (Grad-CAM, Layer-CAM, …) works.`;
  if (refusal.reason === 'no-cam-head') return `CAM is not defined for this model: ${refusal.problem} ${pick}`;
  return `CAM is defined only at ${refusal.cam.feature.path}, the layer that feeds global average pooling: its weights are the classifier's, and the classifier sees no other layer. ${pick}`;
}

function defaultTopK(anatomy: ModelAnatomy): number {
  return anatomy.numClasses <= 10 ? Math.max(1, anatomy.numClasses) : 5;
}

/** 'Grad-CAM' from "Grad-CAM: channels weighted by…". */
function methodTitle(name: MethodName): string {
  return (allMethods.find((m) => m.name === name)?.description ?? name).split(':')[0];
}

/** A map as bytes 0..100, its minimum at 0 and maximum at 100 (a constant map is all zeros). */
function percentMap(map: { data: Float32Array }): Uint8Array {
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of map.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const range = hi - lo;
  return Uint8Array.from(map.data, (v) => (range > 0 ? Math.round((100 * (v - lo)) / range) : 0));
}

function rowsOf(bytes: Uint8Array, width: number, height: number): number[][] {
  return Array.from({ length: height }, (_, r) => Array.from(bytes.subarray(r * width, (r + 1) * width)));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Lines of at most `width` characters, broken between words (Plotly does not wrap annotations). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}
