// One pass through the model per batch: one forward pass, and for gradient methods one backward pass
// from the chosen class scores to the explained layer, whatever classes were asked for.
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { releaseAbandonedTape } from '../tf-internals';
import type { ModelHead, ScoreSource } from '../model/head';
import type { Layer } from '../model/layers';
import { probedForward, type Probed } from '../model/probe';
import { layerShapesAt } from '../model/shapes';
import { classColumns } from './core';
import type { ClassChoice } from './options';
import { repeatRows } from '../fast-ops';

/**
 * What one pass yields. Maps come in rows, rank first: row r·n + i is image i's class of rank r
 * (its r-th given class, or its r-th most probable one).
 */
export interface Evidence {
  /** The layer's output [n, h, w, K], once per image. */
  activations: tf.Tensor4D;
  /** The class of each row [m] (int32). */
  classes: tf.Tensor1D;
  /** The class score of each row, as the score option reads it [m]. */
  scores: tf.Tensor1D;
  /** The model's output (a probability) for each row's class [m]. */
  probabilities: tf.Tensor1D;
}

/** The evidence of a pass with a backward pass. */
export interface GradientEvidence extends Evidence {
  /** ∂(class score) / ∂(activations) for each row [m, h, w, K]. */
  gradients: tf.Tensor4D;
}

export interface Pass {
  model: tf.LayersModel;
  head: ModelHead;
  layer: Layer;
  scores: ScoreSource;
  classes: ClassChoice;
  ranks: number;
}

/**
 * The forward pass on a batch of model inputs [n, H, W, C]. Nothing above the layer needs to run
 * again: the rows repeat the images. Call inside tf.tidy.
 */
export function forwardEvidence(pass: Pass, input: tf.Tensor4D): Evidence {
  const n = input.shape[0];
  const probed = probedForward(pass.model, pass.head, input, { layer: pass.layer, scores: pass.scores });
  try {
    const classes = chooseClasses(pass, probed.scores, n);
    const repeat = (t: tf.Tensor2D) => repeatRows(t, pass.ranks);
    return {
      activations: tf.clone(probed.activations) as tf.Tensor4D,
      classes,
      ...picked(repeat(probed.scores), repeat(probed.output), classes),
    };
  } finally {
    release(probed);
  }
}

/**
 * The forward pass and one backward pass: the part of the model above the layer runs once per rank
 * inside the same pass (see model/probe.ts), so the gradient of every row's class comes out of one
 * tape. Call inside tf.tidy.
 */
export function gradientEvidence(pass: Pass, input: tf.Tensor4D): GradientEvidence {
  const n = input.shape[0];
  const shift = tf.zeros([n * pass.ranks, ...layerShape(pass, input)]);
  // Set inside the taped function; read after it.
  let forward: { probed: Probed; classes?: tf.Tensor1D } | undefined;
  let score: tf.Tensor | undefined;
  try {
    const [gradients] = tf.grads((s: tf.Tensor) => {
      const probed = probedForward(pass.model, pass.head, input, {
        layer: pass.layer,
        scores: pass.scores,
        shift: s,
        replicas: pass.ranks,
      });
      forward = { probed };
      const classes = tf.keep(chooseClasses(pass, probed.scores, n));
      forward.classes = classes;
      score = tf.sum(tf.mul(probed.scores, oneHot(classes, probed.scores.shape[1])));
      return score;
    })([shift]);
    if (!forward?.classes) throw new Error('the forward pass did not run');
    const { probed, classes } = forward;
    return {
      activations: tf.clone(probed.activations) as tf.Tensor4D,
      gradients: gradients as tf.Tensor4D,
      classes: tf.clone(classes),
      ...picked(probed.scores, probed.output, classes),
    };
  } catch (error) {
    tf.dispose(score ?? []);
    releaseAbandonedTape();
    if (error instanceof CamlabError) throw error;
    throw new CamlabError(
      `The gradient of the class score with respect to '${pass.layer.name}' could not be computed on the '${tf.getBackend()}' backend ` +
        `(${(error as Error).message}). ${whatWorksInstead(pass, error as Error)}`,
      { cause: error },
    );
  } finally {
    if (forward) release(forward.probed);
    tf.dispose([shift, ...(forward?.classes ? [forward.classes] : [])]);
  }
}

/** Only what would work: the methods without gradients defined at this layer, and the CPU backend if it has the missing kernel. */
function whatWorksInstead(pass: Pass, error: Error): string {
  const camHere = pass.head.cam?.feature.layer === pass.layer;
  const advice = [`a method without gradients (${camHere ? 'CAM, ' : ''}Score-CAM, Eigen-CAM)`];
  const kernel = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(error.message)?.[1];
  if (kernel && tf.getBackend() !== 'cpu' && tf.getKernel(kernel, 'cpu')) {
    advice.push(`the CPU backend, which has '${kernel}' (slower: set CAMLAB_BACKEND=cpu before camlab starts)`);
  }
  return `Use ${advice.join(', or ')}.`;
}

/** The layer's output [h, w, K] for this input; sides a variable-size model leaves open are inferred at the input's size. */
function layerShape(pass: Pass, input: tf.Tensor4D): number[] {
  let declared = pass.layer.outputShape as (number | null)[];
  if (declared.slice(1).includes(null)) {
    const [, height, width, channels] = input.shape;
    declared = layerShapesAt(pass.model, { height, width, channels }).get(pass.layer) ?? declared;
  }
  return declared.slice(1).map((d) => d ?? 1);
}

/**
 * Each row's class [n·ranks], from the scores of the first n rows: the given classes, or each image's
 * best by repeated argMax (ties go to the lower index; tfjs's TopK has no gradient to pass through a tape).
 */
function chooseClasses(pass: Pass, scores: tf.Tensor2D, n: number): tf.Tensor1D {
  if ('given' in pass.classes)
    return tf.tensor1d(
      pass.classes.given.flatMap((c) => Array<number>(n).fill(c)),
      'int32',
    );
  if ('rows' in pass.classes) return tf.tensor1d(pass.classes.rows, 'int32');
  let remaining = tf.slice(scores, [0, 0], [n, -1]);
  const ranks: tf.Tensor1D[] = [];
  for (let r = 0; r < pass.classes.top; r++) {
    const best = tf.cast(tf.argMax(remaining, 1), 'int32') as tf.Tensor1D;
    ranks.push(best);
    remaining = tf.where(tf.cast(tf.oneHot(best, scores.shape[1]), 'bool'), tf.fill(remaining.shape, -Infinity), remaining);
  }
  return tf.concat(ranks);
}

function oneHot(classes: tf.Tensor1D, numClasses: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(classes, numClasses), 'float32') as tf.Tensor2D;
}

/** Each row's value of its own class: [m, C] and [m] → [m]. */
function picked(scores: tf.Tensor2D, output: tf.Tensor2D, classes: tf.Tensor1D): Pick<Evidence, 'scores' | 'probabilities'> {
  return { scores: classColumns(scores, classes) as tf.Tensor1D, probabilities: classColumns(output, classes) as tf.Tensor1D };
}

/** The probe keeps its tensors beyond any tidy; what the evidence needs has been cloned into the caller's. */
function release(probed: Probed): void {
  tf.dispose([probed.activations, probed.scores, probed.output]);
}
