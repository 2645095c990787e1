// The live drawing figure: the reader draws a digit and the network, run in the page by TensorFlow.js's
// browser build, answers with its class probabilities, the CAM of the top class and of a class the reader
// picks, and the box. Here: the figure (its PNG shows a starting digit with its map) and the data the page
// needs (the model's topology and weights, the names of its feature layer and classifier, the starting
// digits). The page itself is drawing-page.ts.
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { colormapAnchors, type Rgb } from '../image/colormap';
import { encodePng, pngDataUri, rgbaFromRgb } from '../image/encode';
import { assertImage3D } from '../image/validate';
import { camHead, modelHead } from '../model/head';
import { defaultPreprocessing, modelLabels } from '../model/metadata';
import { modelInputSize } from '../image/model-input';
import { boundingBox, defaultBoxThreshold } from '../localize/box';
import { classActivationMap } from '../cam/class-activation-map';
import { loadSamples } from '../data/samples';
import { checkDrawingOptions } from '../validate';
import { heatmapFigure } from './figures';
import type { Figure } from './figure';
import type { ColormapName } from '../image/colormap';

export interface DrawingOptions {
  /** Digits the reader can start from (default: the first four of camlab's held-out samples). The first is drawn first, and is the PNG's. */
  starts?: { image: tf.Tensor3D; label?: number }[];
  /** Class names, indexed by class (default: the model's labels, else the class numbers). */
  labels?: string[];
  /** The box keeps the largest region ≥ threshold × the map's maximum (default: the model's validated threshold, else 0.2). */
  threshold?: number;
  colormap?: ColormapName;
  /** Opacity of the map over the drawing (default 0.5). */
  alpha?: number;
  /** The drawing canvas's largest width in screen pixels (default 280; the maps are 220). */
  size?: number;
  title?: string;
}

/** What the page reads from layout.meta.camlabDrawing. Texts are plain (the page escapes nothing: it sets textContent). */
export interface DrawingData {
  /** The model as tf.io.fromMemory takes it, weights base64; `key` names it once per page. */
  model: { key: string; topology: unknown; weightSpecs: tf.io.WeightsManifestEntry[]; weights: string };
  featureLayer: string;
  classifierLayer: string;
  /** The model's input [height, width, channels]; the canvas [height, width] (a multiple of it, for smooth strokes). */
  input: [number, number, number];
  canvas: [number, number];
  /** Stroke width in canvas pixels. */
  lineWidth: number;
  labels: string[];
  threshold: number;
  alpha: number;
  /** The colour map's anchors, interpolated linearly as camlab's colorAt does. */
  anchors: Rgb[];
  /** Starting digits as PNG data: URIs, with their true label when known. */
  starts: { png: string; label: number | null }[];
  title: string;
  size: number;
}

const DEFAULT_SIZE = 280;
/** The canvas is the model's input scaled up to about this many pixels a side, so strokes stay smooth. */
const CANVAS_PIXELS = 256;
/** Strokes about as wide as the held-out digits' (3–4 of 64 pixels). */
const STROKE_FRACTION = 4 / 64;

/**
 * A live figure in which the reader draws (mouse, pen or finger) and the network answers in the page:
 * its class probabilities, the CAM of the top class and of a class the reader picks (tap a probability),
 * and the box from the map, after every stroke and while drawing. TensorFlow.js's browser build and the
 * model's weights travel with the page (once per page); it works in the live notebook, in exported HTML
 * and from a file with no network. The page computes the maps as camlab does (the same resizing and
 * channels, the classifier's weights on the feature layer's maps, the same upsampling, scaling and box),
 * so mean(M_c) + b_c = logit_c holds there too. Its PNG shows the first starting digit with its map.
 * Needs a model with a CAM head (features → GAP → dense softmax) at its top level.
 *
 * @example await show(await drawingFigure(model, { starts: samples.slice(0, 4) }));
 */
export async function drawingFigure(model: tf.LayersModel, options: DrawingOptions = {}): Promise<Figure> {
  checkDrawingOptions(options);
  const head = camHead(model);
  if (modelHead(model).binary || head.activation !== 'softmax') {
    throw new CamlabError(
      `drawingFigure needs a classifier with a softmax over its classes; '${head.classifier.path}' ends in ${head.activation}${modelHead(model).binary ? ' with one unit' : ''}.`,
    );
  }
  if (head.feature.containers.length > 1 || head.classifier.containers.length > 1) {
    throw new CamlabError(
      `drawingFigure runs the model in the page and needs its feature layer and classifier at the top level; '${head.feature.path}' is inside a nested model.`,
    );
  }
  if (defaultPreprocessing(model) !== 'none') {
    throw new CamlabError(
      `drawingFigure gives the model the canvas's pixels as they are (0..255), and this model expects '${defaultPreprocessing(model)}' preprocessing: it reads photographs, not drawings.`,
    );
  }
  const { height, width, channels } = modelInputSize(model);
  const starts = options.starts ?? (await defaultStarts());
  if (starts.length === 0) throw new CamlabError('starts is empty: give at least one digit to start from, or leave it out.');
  starts.forEach((s) => assertImage3D(s.image));
  const numClasses = modelHead(model).numClasses;
  const labels = options.labels ?? modelLabels(model) ?? Array.from({ length: numClasses }, (_, i) => String(i));
  if (labels.length !== numClasses) throw new CamlabError(`${labels.length} labels for ${numClasses} classes: give one label per class.`);
  const threshold = options.threshold ?? defaultBoxThreshold(model);
  const alpha = options.alpha ?? 0.5;
  const size = options.size ?? DEFAULT_SIZE;
  const scale = Math.max(1, Math.round(CANVAS_PIXELS / Math.max(height, width)));
  const title = options.title ?? 'Draw a digit: the network in this page answers';

  const first = starts[0].image;
  const results = await classActivationMap(model, first, { classIndex: [...Array(numClasses).keys()] });
  const top = results.reduce((a, b) => (b.score > a.score ? b : a));
  const box = boundingBox(top.heatmap, { threshold });
  const figure = heatmapFigure(first, top.heatmap, {
    title: `CAM of "${labels[top.classIndex]}" (p = ${top.score.toFixed(3)}) on a held-out digit`,
    boxes: [{ box, label: `box (≥ ${Math.round(threshold * 100)}% of max)` }],
    colormap: options.colormap,
    alpha,
    size: Math.min(size, 320),
  });
  // The PNG says what the live figure does (static viewers run no script).
  figure.layout.margin.b += 54;
  figure.layout.height += 54;
  const panel = figure.layout.height - figure.layout.margin.t - figure.layout.margin.b;
  figure.layout.annotations = [
    ...(figure.layout.annotations ?? []),
    {
      text: 'Live version: draw a digit with mouse, pen or finger;\nthe network runs in the page and answers with its class\nprobabilities, the CAM of the top class and of your pick.',
      x: 0,
      y: -50 / panel,
      xref: 'paper',
      yref: 'paper',
      showarrow: false,
      xanchor: 'left',
      yanchor: 'top',
      align: 'left',
      font: { size: 12, color: [68, 68, 68] },
    },
  ];
  const data: DrawingData = {
    model: await serializedModel(model),
    featureLayer: head.feature.layer.name,
    classifierLayer: head.classifier.layer.name,
    input: [height, width, channels],
    canvas: [height * scale, width * scale],
    lineWidth: Math.max(1, Math.round(STROKE_FRACTION * Math.max(height, width) * scale)),
    labels,
    threshold,
    alpha,
    anchors: colormapAnchors(options.colormap ?? 'jet'),
    starts: starts.map((s) => ({ png: imagePng(s.image), label: s.label ?? null })),
    title,
    size,
  };
  figure.layout.meta = { camlabDrawing: data };
  return figure;
}

async function defaultStarts(): Promise<{ image: tf.Tensor3D; label: number }[]> {
  const samples = await loadSamples();
  for (const s of samples.slice(4)) s.image.dispose();
  return samples.slice(0, 4);
}

/** The model's topology and weights, as model.save gives them; keyed by a hash so a page holds them once. */
async function serializedModel(model: tf.LayersModel): Promise<DrawingData['model']> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.weightData || !saved.weightSpecs) throw new CamlabError('The model could not be saved for the page: it gave no weights.');
  const bytes = Buffer.from(tf.io.CompositeArrayBuffer.join(saved.weightData));
  const { createHash } = await import('node:crypto');
  const topology = saved.modelTopology;
  const key = createHash('sha256').update(JSON.stringify(topology)).update(bytes).digest('hex').slice(0, 16);
  return { key, topology, weightSpecs: saved.weightSpecs, weights: bytes.toString('base64') };
}

function imagePng(image: tf.Tensor3D): string {
  const [height, width] = image.shape;
  return pngDataUri(encodePng(rgbaFromRgb(image.dataSync(), width, height), width, height));
}
