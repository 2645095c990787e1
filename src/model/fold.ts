// Inference-time folding of BatchNormalization into the convolution before it: y = γ(Wx + b − μ)/σ + β
// is the convolution with W' = W·γ/σ and b' = (b − μ)·γ/σ + β (σ = √(variance + ε)), so the
// normalisation's own pass over every activation goes. On ResNet-50 under WASM that pass is ≈ 15 %
// of a forward pass. The model is changed in place: only for a model camlab loaded for itself (each
// pool worker's private copy), never a model a user handed in.
import { tf } from '../tf';
import { present } from '../errors';
import { wrapLayerCall } from '../tf-internals';
import { applicationNode, flattenLayers, isContainer, type Layer } from './layers';

interface BatchNormConfig {
  axis: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
}

interface ConvConfig {
  activation: string;
  useBias: boolean;
  dataFormat: string;
}

/**
 * Folds every BatchNormalization whose only input is a channels-last Conv2D with a bias, no activation
 * and no other consumer. The convolution in `keep` is left alone (its own output is what an
 * explanation there reads, and folding would change it). Returns how many were folded.
 */
export function foldBatchNorms(model: tf.LayersModel, keep: Layer | undefined): number {
  let folded = 0;
  for (const { layer: norm } of flattenLayers(model)) {
    const foldable = foldableConv(norm);
    if (!foldable || foldable.conv === keep) continue;
    const { conv, config } = foldable;
    tf.tidy(() => {
      const weights = norm.getWeights();
      const next = () => present(weights.shift(), `'${norm.name}' has fewer weights than its settings say.`);
      const [gamma, beta] = [config.scale ? next() : tf.scalar(1), config.center ? next() : tf.scalar(0)];
      const [mean, variance] = weights;
      const factor = tf.div(gamma, tf.sqrt(tf.add(variance, config.epsilon)));
      const [kernel, bias] = conv.getWeights();
      conv.setWeights([tf.mul(kernel, factor), tf.add(tf.mul(tf.sub(bias, mean), factor), beta)]);
    });
    // The layer stays in the graph (names, paths and explanations at it are unchanged) and passes its input on.
    wrapLayerCall(norm, () => (inputs: tf.Tensor | tf.Tensor[]) => tf.clone(Array.isArray(inputs) ? inputs[0] : inputs));
    folded++;
  }
  return folded;
}

/** The convolution a BatchNormalization can be folded into, with the normalisation's settings, if there is one. */
function foldableConv(norm: Layer): { conv: Layer; config: BatchNormConfig } | undefined {
  if (norm.getClassName() !== 'BatchNormalization' || norm.inboundNodes.length !== 1) return undefined;
  const config = norm.getConfig() as unknown as BatchNormConfig;
  const node = applicationNode(norm);
  if (node.inputTensors[0]?.shape.length !== 4 || !(config.axis === -1 || config.axis === 3)) return undefined;
  const conv = node.inboundLayers.length === 1 ? node.inboundLayers[0] : undefined;
  if (!conv || isContainer(conv) || conv.getClassName() !== 'Conv2D') return undefined;
  const convConfig = conv.getConfig() as unknown as ConvConfig;
  if (!convConfig.useBias || convConfig.activation !== 'linear' || convConfig.dataFormat !== 'channelsLast') return undefined;
  if (conv.inboundNodes.length !== 1 || conv.outboundNodes.length !== 1) return undefined;
  return { conv, config };
}
