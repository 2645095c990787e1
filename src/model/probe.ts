// Reading a layer's activations, and the gradient of a class score with respect to them, during one
// ordinary forward pass of the whole model. tfjs cannot cut a graph at an arbitrary layer (and nested
// models, residual shortcuts and shared layers make rebuilding one fragile), so the probed layer's
// `call` is wrapped for the duration of the pass: it records its output and adds a zero tensor
// `shift` to it. The gradient with respect to `shift` is then the gradient with respect to the layer's
// output, whatever the model's topology.
//
// With `replicas` r > 1 the layer's output is repeated r times along the batch before the shift, so
// that everything above the layer runs r times (once per rank of classes) in the same pass while
// everything below runs once. Layers above that also read a tensor from below (a shortcut that skips
// the probed layer) get that tensor repeated the same way.
//
// Inside a gradient pass, tfjs records every op on its tape, keeps each op's inputs for the backward
// pass, and runs convolutions with an activation unfused. Nothing computed before the probed layer
// runs can depend on `shift`, so the tape is paused until then: the part below the layer runs as an
// ordinary forward pass, and only the part above is recorded.
//
// Both the patched `call` and the paused tape are TensorFlow.js internals: see src/tf-internals.ts.
import { tf } from '../tf';
import { pauseTape, wrapLayerCall as wrapCall } from '../tf-internals';
import { perClass, type ModelHead, type ScoreSource } from './head';
import { applicationNode, flattenLayers, isContainer, type Layer } from './layers';
import { repeatRows } from '../fast-ops';

type Call = Layer['call'];

export interface Probed {
  /** The probed layer's output [n, …] (once, not repeated); the model's output when no layer is probed. */
  activations: tf.Tensor;
  /** Class scores [n·r, classes] as the score source defines them (one sigmoid unit read as two classes). */
  scores: tf.Tensor2D;
  /** The model's output as class probabilities [n·r, classes]. */
  output: tf.Tensor2D;
}

export interface ProbeOptions {
  /** The layer whose output is recorded (and shifted). */
  layer?: Layer;
  /** Where the class scores are read. */
  scores: ScoreSource;
  /** Added to the layer's (repeated) output, to take gradients with respect to it. */
  shift?: tf.Tensor;
  /** How many times everything above the layer runs (default 1). */
  replicas?: number;
}

/**
 * One forward pass recording the layer's output and the scores. The three tensors returned are the
 * caller's to dispose, even inside a tidy (they are kept so that they outlive the model's own tidy).
 */
export function probedForward(model: tf.LayersModel, head: ModelHead, input: tf.Tensor4D, options: ProbeOptions): Probed {
  const { layer, scores: source, shift } = options;
  const replicas = options.replicas ?? 1;
  let activations: tf.Tensor | undefined;
  let scores: tf.Tensor2D | undefined;
  const restore: (() => void)[] = [];
  const resumeTape = layer && shift ? pauseTape() : () => {}; // below the layer: see the header
  try {
    if (layer) {
      restore.push(
        wrapCall(
          layer,
          (original) =>
            function (this: Layer, inputs, kwargs) {
              let out = original.call(this, inputs, kwargs) as tf.Tensor;
              // tfjs-layers frees intermediate tensors once consumed, and a model's call runs in a tidy:
              // keep our own handle (the caller disposes it).
              activations = tf.keep(tf.clone(out));
              resumeTape();
              if (replicas > 1) out = repeatRows(out, replicas);
              return shift ? tf.add(out, shift) : out;
            },
        ),
      );
    }
    if (replicas > 1)
      for (const merge of mergeLayers(model))
        restore.push(wrapCall(merge, (original) => repeatShortcuts(original, input.shape[0], replicas)));
    restore.push(
      wrapCall(
        source.layer,
        (original) =>
          function (this: Layer, inputs, kwargs) {
            const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
            const out = original.call(this, inputs, kwargs) as tf.Tensor;
            // Scores are [n, classes] even where a head keeps unit axes ([n, 1, 1, classes] in MobileNet).
            const flat = (t: tf.Tensor) => tf.reshape(t, [t.shape[0], -1]) as tf.Tensor2D;
            let raw: tf.Tensor2D;
            if (source.read === 'input') raw = flat(x);
            else if (source.read === 'output') raw = flat(out);
            else {
              const [kernel, bias] = source.layer.getWeights();
              const product = tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D);
              raw = (bias ? tf.add(product, bias) : product) as tf.Tensor2D;
            }
            scores = tf.keep(perClass(head, raw, source.read === 'output' ? 'probability' : 'logit'));
            return out;
          },
      ),
    );
    const output = model.apply(input, { training: false }) as tf.Tensor;
    if ((layer && !activations) || !scores) {
      tf.dispose([output, ...(activations ? [activations] : []), ...(scores ? [scores] : [])]);
      throw new Error('the probed layers were not reached by the forward pass');
    }
    const probabilities = tf.keep(perClass(head, tf.reshape(output, [output.shape[0], -1]) as tf.Tensor2D, 'probability'));
    if (probabilities !== output) output.dispose();
    return { activations: activations ?? probabilities, scores, output: probabilities };
  } finally {
    resumeTape();
    for (const undo of restore.reverse()) undo();
  }
}

/** Layers that take several inputs (Add, Concatenate, …): the only places a shortcut can rejoin. */
function mergeLayers(model: tf.LayersModel): Layer[] {
  return flattenLayers(model)
    .map((e) => e.layer)
    .filter((l) => !isContainer(l) && l.inboundNodes.length > 0 && applicationNode(l).inboundLayers.length > 1);
}

/** A merge layer's call that repeats inputs of the original batch size to match the repeated ones. */
function repeatShortcuts(original: Call, batch: number, replicas: number): Call {
  return function (this: Layer, inputs, kwargs) {
    if (!Array.isArray(inputs)) return original.call(this, inputs, kwargs);
    const repeated = inputs.some((t) => t.shape[0] === batch * replicas);
    const matched = inputs.map((t) => (repeated && t.shape[0] === batch ? repeatRows(t, replicas) : t));
    return original.call(this, matched, kwargs);
  };
}
