// Reading a layer's activations, and the gradient of a class score with respect to them, during one
// ordinary forward pass of the whole model. tfjs cannot cut a graph at an arbitrary layer (and nested
// models, residual shortcuts and shared layers make rebuilding one fragile), so the target layer's
// `call` is wrapped for the duration of the pass: it records its output and adds a zero tensor
// `shift` to it. The gradient with respect to `shift` is then the gradient with respect to the layer's
// output, whatever the model's topology.
import { tf } from '../tf';
import { isContainer, type Layer } from './layers';

type Call = Layer['call'];

/** How the class scores before the output activation are read off the model. */
export interface ScoreReader {
  /** The layer whose input (or output) gives the logits. */
  layer: Layer;
  /** 'dense': logits = input · kernel + bias (a Dense layer with softmax or sigmoid folded in); 'input': the layer's input; 'output': its output. */
  read: 'dense' | 'input' | 'output';
  /** A single sigmoid unit, read as two classes: 0 scores −z with probability 1 − σ(z), 1 scores z. */
  binary?: boolean;
}

/** Layers that may follow the softmax without changing the scores (MobileNet ends softmax → Reshape). */
const TRAILING = new Set(['Reshape', 'Flatten', 'Dropout']);

/** Finds where the logits are: before the final softmax or sigmoid, or the output itself. */
export function scoreReader(model: tf.LayersModel, after: 'logit' | 'probability' = 'logit'): ScoreReader {
  let layer = model.outputs[0].sourceLayer as Layer;
  while (isContainer(layer)) layer = layer.outputs[0].sourceLayer as Layer;
  const output = layer;
  while (TRAILING.has(layer.getClassName()) && layer.inboundNodes.length === 1) {
    const previous = (layer.inboundNodes[0] as unknown as { inboundLayers: Layer[] }).inboundLayers[0];
    if (!previous || isContainer(previous)) break;
    layer = previous;
  }
  if (!['Dense', 'Activation', 'Conv2D'].includes(layer.getClassName())) layer = output;
  const activation = (layer.getConfig().activation as string | undefined) ?? 'linear';
  const squashing = activation === 'softmax' || activation === 'sigmoid';
  const binary = activation === 'sigmoid' && model.outputs[0].shape[model.outputs[0].shape.length - 1] === 1;
  if (after === 'probability') return { layer, read: 'output', binary };
  if (layer.getClassName() === 'Dense' && squashing) return { layer, read: 'dense', binary };
  if (layer.getClassName() === 'Conv2D' && squashing) return { layer: output, read: 'output', binary };
  if (layer.getClassName() === 'Activation' && squashing) return { layer, read: 'input', binary };
  return { layer, read: 'output', binary };
}

export interface Probed {
  activations: tf.Tensor;
  /** Class scores [n, classes] as the reader defines them. */
  scores: tf.Tensor2D;
  /** The model's own output [n, classes]. */
  output: tf.Tensor2D;
}

/**
 * One forward pass recording the target's output (plus `shift`) and the scores. The three tensors
 * returned are the caller's to dispose, even inside a tidy (they are kept so that they outlive the
 * model's own tidy).
 */
export function probedForward(model: tf.LayersModel, input: tf.Tensor4D, target: Layer | undefined, reader: ScoreReader, shift?: tf.Tensor): Probed {
  let activations: tf.Tensor | undefined;
  let scores: tf.Tensor2D | undefined;
  const restoreTarget = target
    ? wrapCall(target, (original) => function (this: Layer, inputs, kwargs) {
        const out = original.call(this, inputs, kwargs) as tf.Tensor;
        // tfjs-layers frees intermediate tensors once consumed, and a model's call runs in a tidy:
        // keep our own handle (the caller disposes it).
        activations = tf.keep(tf.clone(out));
        return shift ? tf.add(out, shift) : out;
      })
    : () => undefined;
  const restoreReader = wrapCall(reader.layer, (original) => function (this: Layer, inputs, kwargs) {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
    const out = original.call(this, inputs, kwargs) as tf.Tensor;
    // Scores are [n, classes] even where a head keeps unit axes ([n, 1, 1, classes] in MobileNet).
    const flat = (t: tf.Tensor) => tf.reshape(t, [t.shape[0], -1]) as tf.Tensor2D;
    if (reader.read === 'input') scores = tf.keep(flat(x));
    else if (reader.read === 'output') scores = tf.keep(flat(out));
    else {
      const [kernel, bias] = reader.layer.getWeights();
      const product = tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
      scores = tf.keep(bias ? tf.add(product, bias) : product) as tf.Tensor2D;
    }
    return out;
  });
  try {
    const output = model.apply(input, { training: false }) as tf.Tensor2D;
    if ((target && !activations) || !scores) {
      tf.dispose([output, ...(activations ? [activations] : []), ...(scores ? [scores] : [])]);
      throw new Error('the probed layers were not reached by the forward pass');
    }
    if (reader.binary) {
      // Two columns for one unit: class 0 is the complement. Kept like the tensors they replace.
      const [z, p] = [scores, output];
      scores = tf.keep(tf.concat([reader.read === 'output' ? tf.sub(1, z) : tf.neg(z), z], 1)) as tf.Tensor2D;
      const both = tf.concat([tf.sub(1, p), p], 1) as tf.Tensor2D;
      tf.dispose(z);
      return { activations: activations ?? both, scores, output: both };
    }
    return { activations: activations ?? output, scores, output };
  } finally {
    restoreReader();
    restoreTarget();
  }
}

/** Replaces a layer's `call` on the instance; returns the function that puts the original back. */
function wrapCall(layer: Layer, wrap: (original: Call) => Call): () => void {
  const own = Object.prototype.hasOwnProperty.call(layer, 'call');
  const original = layer.call;
  layer.call = wrap(original);
  return () => {
    if (own) layer.call = original;
    else delete (layer as Partial<Layer>).call;
  };
}
