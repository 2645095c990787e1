// One pool explainer: a model, its settings, and the work for one job. The same code runs inside each
// worker thread and in-process (one worker), which is why pooled results equal in-process ones.
import { tf } from '../tf';
import { currentThreads, ready, type BackendName } from '../backend';
import type { Fit, MethodName, Preprocessing } from '../choices';
import { ImageTooLargeError, loadImage } from '../image/load';
import { overlayPng, type OverlayOptions } from '../image/overlay';
import { modelInputSize } from '../image/model-input';
import { loadDefaultModel, loadModel, loadSharedModel, type SharedModelFiles } from '../model/load';
import { modelMetadata } from '../model/metadata';
import { checkExplainSettings } from '../validate';
import { explain } from '../cam/explain';
import { explainedLayer } from '../model/explained-layer';
import { foldBatchNorms } from '../model/fold';
import type { CamResult, ClassTargets } from '../cam/types';
import { boundingBox, defaultBoxThreshold, type Box } from '../localize/box';

/** What every job of a pool shares: the model and how to explain with it. Plain data (it crosses to workers). */
export interface ExplainSettings extends ClassTargets {
  /** A model.json, its folder, an http(s) URL or a Keras .h5 file; default: camlab's embedded digits model. */
  model?: string;
  /** Default: CAM where it is exact, else Grad-CAM (as `explain`). */
  method?: MethodName;
  layer?: string;
  preprocess?: Preprocessing;
  fit?: Fit;
  score?: 'logit' | 'probability';
  /** Box threshold; default: the model's metadata.json `boxThreshold`, else the paper's 0.2. */
  threshold?: number;
  /** Also encode each map as an overlay PNG (bytes in `png`). */
  overlay?: OverlayOptions;
  /** Images larger than this are refused (loadImage's limit, default 40). */
  maxMegapixels?: number;
  /** The caller's flag that raises the limit, named in the refusal (default: the API's option). */
  megapixelsFlag?: string;
}

/** What a pool learnt when its first explainer opened: the settings as they resolved on this model. */
export interface ExplainerInfo {
  backend: BackendName;
  /** The WASM backend's threads in each explainer (absent on other backends). */
  threads?: number;
  /** The method used when none was named (CAM where exact, else Grad-CAM). */
  method: MethodName;
  layer: string;
  threshold: number;
  labels?: string[];
  /** Bytes of the model's weights: what each worker holds in its own copy. */
  weightBytes: number;
  /** BatchNormalization layers folded into the convolution before them (model/fold.ts). */
  foldedBatchNorms: number;
  /** The model's input [height, width]: what a larger image is shrunk to. */
  inputSize: [number, number];
}

/** One map with its box, and its overlay PNG when the settings asked for one. */
export interface MapResult extends CamResult {
  box: Box;
  png?: Uint8Array;
}

/** An image file, or pixels [h, w, c] / [n, h, w, c] (0..255) with optional per-job class targets. */
export type JobInput = { path: string } | ({ pixels: Float32Array; shape: number[] } & ClassTargets);

export interface JobOutput {
  width: number;
  height: number;
  /** The image has colour (its channels differ somewhere), rather than grey in RGB. */
  colour: boolean;
  results: MapResult[];
}

/** How an explainer starts: from files another thread read, and whether it probes (see openExplainer). */
export interface ExplainerStart {
  /** The model's files read by another thread (undefined inside: load `settings.model` here). */
  files?: Promise<SharedModelFiles | undefined>;
  /** Explain one mid-grey image first (default true); a pool's first worker does, for the pool. */
  probe?: boolean;
}

/** A model opened for a pool's jobs (not cam's pipeline, which explains one call's images). */
export interface PoolExplainer {
  /** What the probe learnt; undefined when the explainer opened without one. */
  info?: ExplainerInfo;
  run(input: JobInput): Promise<JobOutput>;
  close(): void;
}

/**
 * Loads the model and explains one mid-grey image, which checks the layer, method and classes and warms
 * the kernels. A pool's other workers skip that image: their first file warms them as well, and one
 * check is enough.
 */
export async function openExplainer(settings: ExplainSettings, { files, probe = true }: ExplainerStart = {}): Promise<PoolExplainer> {
  checkExplainSettings(settings);
  const backend = await ready();
  const read = await files;
  const model = read
    ? await loadSharedModel(read)
    : settings.model === undefined
      ? await loadDefaultModel()
      : await loadModel(settings.model);
  try {
    // The model is this explainer's own copy, loaded above, so it may be folded for speed; the
    // explained layer's output stays as it is.
    const foldedBatchNorms = foldBatchNorms(model, explainedLayer(model, settings.layer).layer);
    const metadata = modelMetadata(model);
    const threshold = settings.threshold ?? defaultBoxThreshold(model);
    const options = {
      ...(settings.classIndex !== undefined ? { classIndex: settings.classIndex } : { topK: settings.topK }),
      method: settings.method,
      layer: settings.layer,
      preprocess: settings.preprocess,
      fit: settings.fit,
      score: settings.score,
      // Bars from several threads would interleave with the pool's own.
      progress: false,
    };
    const size = modelInputSize(model);
    let info: ExplainerInfo | undefined;
    if (probe) {
      const grey = tf.fill([size.height, size.width, 3], 128, 'float32') as tf.Tensor3D;
      let first: CamResult;
      try {
        [first] = await explain(model, grey, options);
      } finally {
        grey.dispose();
      }
      const threads = currentThreads();
      info = {
        backend,
        ...(threads !== undefined ? { threads } : {}),
        method: first.method ?? settings.method ?? 'cam',
        layer: first.layer,
        threshold,
        ...(metadata.labels ? { labels: metadata.labels } : {}),
        weightBytes: model.getWeights().reduce((sum, w) => sum + w.size * 4, 0),
        foldedBatchNorms,
        inputSize: [size.height, size.width],
      };
    }
    const run = async (input: JobInput): Promise<JobOutput> => {
      const image = 'path' in input ? await loadFile(input.path, settings) : tf.tensor(input.pixels, input.shape, 'float32');
      try {
        const targets =
          'path' in input || (input.classIndex === undefined && input.topK === undefined)
            ? {}
            : { classIndex: input.classIndex, topK: input.topK };
        const maps = await explain(model, image as tf.Tensor3D | tf.Tensor4D, { ...options, ...targets });
        const [height, width] = image.shape.slice(image.rank - 3);
        const results: MapResult[] = [];
        for (const map of maps) {
          const box = boundingBox(map.heatmap, { threshold });
          const png =
            settings.overlay && image.rank === 3 ? await overlayPng(image as tf.Tensor3D, map.heatmap, settings.overlay) : undefined;
          results.push({ ...map, box, ...(png ? { png } : {}) });
        }
        return { width, height, colour: await hasColour(image), results };
      } finally {
        image.dispose();
      }
    };
    return { info, run, close: () => model.dispose() };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Whether any pixel's channels differ by more than a few levels (JPEG noise in a grey image stays below). */
async function hasColour(image: tf.Tensor): Promise<boolean> {
  if (image.shape[image.rank - 1] < 3) return false;
  // The largest difference between a pixel's channels: reductions over the channel axis, no strided slices.
  const spread = tf.tidy(() => {
    const rgb = image.shape[image.rank - 1] === 3 ? image : tf.slice(image, Array(image.rank).fill(0), [...image.shape.slice(0, -1), 3]);
    return tf.max(tf.sub(tf.max(rgb, -1), tf.min(rgb, -1)));
  });
  const [value] = await spread.data();
  spread.dispose();
  return value > 8;
}

function loadFile(path: string, { maxMegapixels, megapixelsFlag }: ExplainSettings): Promise<tf.Tensor3D> {
  return loadImage(path, { maxMegapixels }).catch((error: Error) => {
    throw error instanceof ImageTooLargeError && megapixelsFlag
      ? error.withAdvice((needed) => `run with ${megapixelsFlag} ${needed}`)
      : error;
  });
}

/** The buffers of a job's output, to move to another thread rather than copy. */
export function transferables(output: JobOutput): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const r of output.results)
    for (const array of [r.heatmap.data, r.raw.data, r.png]) if (array) buffers.add(array.buffer as ArrayBuffer);
  return [...buffers];
}
