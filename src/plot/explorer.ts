// The explorer figure: every map of an image for a few classes × layers × methods, computed once, in one
// Plotly figure whose menus let the reader pick. The figure's own script (explorer-script.ts) follows the
// choice from the data carried in layout.meta; the PNG shows the first choice.
import { tf } from '../tf';
import { CamlabError, present } from '../errors';
import { displayable } from '../display';
import { colormapAnchors, type ColormapName } from '../image/colormap';
import type { ModelInputOptions } from '../image/model-input';
import { rgbaFromRgb } from '../image/encode';
import { assertImage3D } from '../image/validate';
import { inspectModel, type LayerInfo, type ModelAnatomy } from '../model/inspect';
import { modelLabels } from '../model/metadata';
import { camRefusalAt, defaultLayer } from '../model/explained-layer';
import { boundingBox, defaultBoxThreshold } from '../localize/box';
import { checkExplorerOptions } from '../validate';
import { heatmapOverImage } from '../image/place';
import { explain, methods as allMethods } from '../cam/explain';
import type { MethodName } from '../cam/methods/method';
import type { CamResult } from '../cam/types';
import { DIVERGING_COLORMAP, scaleGroup, scaleMaps, type NegativeEvidence } from './scale';
import { wrapText, type Annotation, type Color, type Figure, type HeatmapTrace, type Shape } from './figure';

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
  /** Values below zero (evidence against the class): 'clip'ped to 0 (default) or shown on a 'diverging' scale. */
  negative?: NegativeEvidence;
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
  /**
   * Per choice (index (class × layers + layer) × methods + method): base64 bytes, rows from the top, each
   * `offset` + the percent of the largest value among the classes' maps at that layer by that method
   * (one scale per image, layer and method: plot/scale.ts); null where the method is not defined.
   */
  maps: (string | null)[];
  /** What a map's bytes hold above its percent: 0, or 100 on the diverging scale (-100..100 %). */
  offset: number;
  /** The entries of each menu, [classes, layers, methods]. */
  labels: [string[], string[], string[]];
  /** Per choice: the box's edges [x0, y0, x1, y1] in image coordinates, or null. */
  boxes: ([number, number, number, number] | null)[];
  titles: string[];
  /** Per (layer × methods + method): why the method gives no map there, or null. */
  reasons: (string | null)[];
  /** The box's look; the script fills in the edges. */
  boxShape: Shape;
  /** The lines under the image in the live figure (the PNG's say that the live figure has menus). */
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
 * GAP), or cannot run (a gradient the backend cannot compute), the figure says why and what works there.
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
  if (available.length === 0)
    throw new CamlabError(
      `None of the methods ${methodNames.join(', ')} is defined at ${layers.map((l) => l.path).join(', ')}: ${reasons[0]}`,
    );

  const input = { fit: options.fit, preprocess: options.preprocess };
  // A combination that is defined may still fail to run (a kernel the backend lacks): it is marked with
  // the error, which says what works instead, and the others are drawn.
  const failed = new Set<number>();
  const attempt = async (k: number, targets: { classIndex: number[] } | { topK: number }): Promise<CamResult[] | undefined> => {
    const [layer, method] = [layers[Math.floor(k / methodNames.length)], methodNames[k % methodNames.length]];
    try {
      return await explain(model, image, { ...input, method, layer: layer.path, ...targets });
    } catch (error) {
      if (!(error instanceof CamlabError) || !/could not be computed/.test(error.message)) throw error;
      reasons[k] = `${methodTitle(method)} could not run at ${layer.path}: ${error.message}`;
      failed.add(k);
      return undefined;
    }
  };
  let firstRun: { k: number; results: CamResult[] } | undefined;
  for (const k of available) {
    const results = await attempt(k, options.classes ? { classIndex: options.classes } : { topK: defaultTopK(anatomy) });
    if (results) {
      firstRun = { k, results };
      break;
    }
  }
  if (!firstRun)
    throw new CamlabError(
      `None of the methods ${methodNames.join(', ')} could run at ${layers.map((l) => l.path).join(', ')}: ${reasons[available[0]]}`,
    );
  const first = firstRun.results;
  const [firstLayer, firstMethod] = [Math.floor(firstRun.k / methodNames.length), firstRun.k % methodNames.length];
  const classes = options.classes ?? first.map((r) => r.classIndex);
  const [height, width] = image.shape;
  const labels = options.labels ?? modelLabels(model);
  const firstOf = classes.map((c) =>
    present(
      first.find((r) => r.classIndex === c),
      `camlab bug: no map of class ${c}.`,
    ),
  );
  const classNames = classes.map((c, i) => labels?.[c] ?? firstOf[i].label ?? `class ${c}`);
  const probability = firstOf.map((r) => r.score);

  const counts: [number, number, number] = [classes.length, layers.length, methodNames.length];
  const choices = counts[0] * counts[1] * counts[2];
  const maps: (string | null)[] = Array(choices).fill(null);
  const boxes: ExplorerData['boxes'] = Array(choices).fill(null);
  // A layer where no chosen method is defined keeps one empty cell over the whole image.
  const grids: ExplorerData['grids'] = layers.map(() => ({
    width: 1,
    height: 1,
    x0: (width - 1) / 2,
    dx: width,
    y0: (height - 1) / 2,
    dy: height,
  }));
  const negative = options.negative ?? 'clip';
  const offset = negative === 'clip' ? 0 : 100;
  for (let l = 0; l < counts[1]; l++) {
    for (let m = 0; m < counts[2]; m++) {
      const at = l * counts[2] + m;
      if (reasons[at] !== null) continue;
      const results = at === firstRun.k ? first : await attempt(at, { classIndex: classes });
      if (!results) continue;
      // The classes' maps at this layer by this method share one scale, so an improbable class's map is faint.
      const scaled = scaleMaps(
        results.map((r) => r.raw),
        results.map(scaleGroup),
        negative,
      );
      for (const [i, result] of results.entries()) {
        const c = classes.indexOf(result.classIndex);
        if (c < 0) continue;
        const k = (c * counts[1] + l) * counts[2] + m;
        const { raw, region } = result;
        const [dx, dy] = [region.width / raw.width, region.height / raw.height];
        grids[l] = { width: raw.width, height: raw.height, x0: region.x + (dx - 1) / 2, dx, y0: region.y + (dy - 1) / 2, dy };
        maps[k] = Buffer.from(Uint8Array.from(scaled[i].percent.data, (v) => Math.round(v) + offset)).toString('base64');
        // The box of the evidence drawn (negative values clipped): none where there is none.
        const clipped = { ...raw, data: raw.data.map((v) => Math.max(0, v)) };
        const box = clipped.data.some((v) => v > 0)
          ? boundingBox(heatmapOverImage(clipped, { width, height }, region), { threshold })
          : null;
        boxes[k] = box && [box.x - 0.5, box.y - 0.5, box.x + box.width - 0.5, box.y + box.height - 0.5];
      }
    }
  }

  const methodTitles = methodNames.map(methodTitle);
  const titles = Array.from({ length: choices }, (_, k) => {
    const [c, l, m] = [Math.floor(k / (counts[1] * counts[2])), Math.floor(k / counts[2]) % counts[1], k % counts[2]];
    const what = `${methodTitles[m]} at ${layers[l].path}`;
    if (maps[k] === null) return `${what}: ${failed.has(l * counts[2] + m) ? 'could not run' : 'not defined'}`;
    return `"${classNames[c]}" (p = ${probability[c].toFixed(3)}): ${what}`;
  });

  const size = options.size ?? DEFAULT_SIZE;
  const scale = size / Math.max(width, height);
  const [panelW, panelH] = [Math.round(width * scale), Math.round(height * scale)];
  const menuLabels = [
    classNames.map((name, i) => `${name} (p = ${probability[i].toFixed(3)})`),
    layers.map((layer, l) => `${layer.path} (${grids[l].height}×${grids[l].width})`),
    methodTitles,
  ];
  const choice: [number, number, number] = [0, firstLayer, firstMethod];
  const k0 = (choice[0] * counts[1] + choice[1]) * counts[2] + choice[2];
  const grid = grids[firstLayer];
  const anchors = colormapAnchors(negative === 'clip' ? (options.colormap ?? 'jet') : DIVERGING_COLORMAP);
  const heat: HeatmapTrace = {
    type: 'heatmap',
    z: rowsOf(Buffer.from(present(maps[k0], 'camlab bug: the first choice has no map.'), 'base64'), grid.width, grid.height, offset),
    x0: grid.x0,
    dx: grid.dx,
    y0: grid.y0,
    dy: grid.dy,
    zmin: negative === 'clip' ? 0 : -100,
    zmax: 100,
    zsmooth: 'best',
    colorscale: anchors.map((rgb, i) => [i / (anchors.length - 1), rgb]),
    opacity: alpha,
    showscale: true,
    colorbar: { title: { text: negative === 'clip' ? '% of max' : '% of max |value|' }, thickness: 14, len: 0.9 },
    hovertemplate: `x %{x:.0f}, y %{y:.0f}<br>%{z}% of the largest ${negative === 'clip' ? 'value' : 'magnitude'}<extra></extra>`,
    xaxis: 'x',
    yaxis: 'y',
  };
  const firstBox = boxes[k0];
  const boxShape: Shape = {
    type: 'rect',
    xref: 'x',
    yref: 'y',
    x0: 0,
    y0: 0,
    x1: 0,
    y1: 0,
    line: { color: BOX_COLOR, width: 2 },
    name: 'box',
  };
  // Notes start at the plot's left edge, in lines short enough for a phone (Plotly does not wrap).
  const noteAt = {
    x: 0,
    y: 0,
    yshift: -26,
    xref: 'paper',
    yref: 'paper',
    showarrow: false,
    xanchor: 'left',
    yanchor: 'top',
    align: 'left',
    font: { size: 12, color: [68, 68, 68] as Color },
  } as const;
  const scaleNote =
    negative === 'clip'
      ? 'One scale for all classes per layer and method: 100% = their largest value; negative evidence clipped to 0.'
      : 'One scale for all classes per layer and method, centred on 0: blue against the class, red for it.';
  const boxNote = `Box: ≥ ${Math.round(threshold * 100)}% of the map's own maximum.`;
  const staticLines = wrapText(
    `${scaleNote} ${boxNote} The interactive version picks one of ${plural(counts[0], 'class', 'classes')}, ${plural(counts[1], 'layer', 'layers')} and ${plural(counts[2], 'method', 'methods')}.`,
    NOTE_LINE,
  );
  const staticNote: Annotation = { ...noteAt, text: staticLines.join('\n') };
  const margin = { l: 50, r: 110, t: 60, b: 40 + 17 * staticLines.length };
  const figureWidth = panelW + margin.l + margin.r;
  const data: ExplorerData = {
    menus: ['class', 'layer', 'method'],
    choice,
    counts,
    heatTrace: 1,
    opacity: alpha,
    grids,
    maps,
    offset,
    labels: menuLabels as [string[], string[], string[]],
    boxes,
    titles,
    reasons: reasons.map((r) => (r === null ? null : wrapText(r, 52).join('\n'))),
    boxShape,
    liveNote: { ...noteAt, text: wrapText(`${scaleNote} ${boxNote}`, NOTE_LINE).join('\n') },
    reasonNote: {
      text: '',
      x: width / 2 - 0.5,
      y: height / 2 - 0.5,
      xref: 'x',
      yref: 'y',
      showarrow: false,
      xanchor: 'center',
      yanchor: 'middle',
      font: { size: 12, color: [0, 0, 0] },
      bgcolor: [255, 255, 255, 0.85],
    },
  };
  return displayable<Figure>(
    {
      data: [
        {
          type: 'image',
          pixels: { width, height, rgba: rgbaFromRgb(image.dataSync(), width, height) },
          x0: 0,
          y0: 0,
          dx: 1,
          dy: 1,
          hoverinfo: 'skip',
          xaxis: 'x',
          yaxis: 'y',
        },
        heat,
      ],
      layout: {
        title: { text: titles[k0] },
        width: figureWidth,
        height: panelH + margin.t + margin.b,
        margin,
        xaxis: { range: [-0.5, width - 0.5], showgrid: false, zeroline: false, constrain: 'domain', ticks: 'outside' },
        yaxis: { range: [height - 0.5, -0.5], showgrid: false, zeroline: false, constrain: 'domain', ticks: 'outside', scaleanchor: 'x' },
        shapes: firstBox ? [{ ...boxShape, x0: firstBox[0], y0: firstBox[1], x1: firstBox[2], y1: firstBox[3] }] : [],
        annotations: [staticNote],
        meta: { camlabExplorer: data },
        showlegend: false,
        hovermode: 'closest',
      },
    },
    'figure',
  );
}

/** The layers named (their list was checked with the options), else the default layer. */
function chosenLayers(model: tf.LayersModel, anatomy: ModelAnatomy, names: string[] | undefined): LayerInfo[] {
  const byPath = (path: string) => anatomy.layers.filter((l) => l.path === path);
  if (names === undefined) return byPath(defaultLayer(model).path);
  const fourD = anatomy.layers.filter((l) => l.outputShape?.length === 4);
  return names.map((name) => {
    const layer = anatomy.layers.find((l) => l.path === name || l.name === name);
    if (!layer || layer.outputShape?.length !== 4) {
      throw new CamlabError(
        `${layer ? `Layer '${name}' has no feature maps` : `There is no layer '${name}'`}. Layers with feature maps: ${fourD.map((l) => l.path).join(', ')}.`,
      );
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
  const pick = others.length
    ? `At ${layer.path}, pick ${others.join(' or ')}.`
    : `At ${layer.path}, a gradient method (Grad-CAM, Layer-CAM, …) works.`;
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

function rowsOf(bytes: Uint8Array, width: number, height: number, offset: number): number[][] {
  return Array.from({ length: height }, (_, r) => Array.from(bytes.subarray(r * width, (r + 1) * width), (v) => v - offset));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
