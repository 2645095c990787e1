// The networks camlab knows by name: Keras applications' ImageNet models (recognised by the name Keras
// gives the model) and tfjs-models' hosted MobileNets (loadable by a short name). The one place that
// says which preprocessing and which labels a named network takes.
import type { Preprocessing } from '../choices';

export interface KnownNetwork {
  /** The family, as Keras applications names it. */
  family: 'MobileNet' | 'MobileNetV2' | 'ResNet50';
  /** The pixel preprocessing its weights were trained with (keras.applications' preprocess_input). */
  preprocess: Preprocessing;
  /** How many classes its ImageNet top has: the ImageNet labels apply only to an output of this size. */
  imagenetClasses: number;
}

// Keras names its models `mobilenet_<alpha:.2f>_<rows>`, `mobilenetv2_<alpha:.2f>_<rows>` and `resnet50`.
const FAMILIES: { pattern: RegExp; network: KnownNetwork }[] = [
  { pattern: /^mobilenet_\d\.\d\d_\d+$/, network: { family: 'MobileNet', preprocess: 'tf', imagenetClasses: 1000 } },
  { pattern: /^mobilenetv2_\d\.\d\d_\d+$/, network: { family: 'MobileNetV2', preprocess: 'tf', imagenetClasses: 1000 } },
  { pattern: /^resnet50$/, network: { family: 'ResNet50', preprocess: 'caffe', imagenetClasses: 1000 } },
];

/** The network a model's name says it is (Keras applications' naming), or undefined: no guess. */
export function recogniseNetwork(modelName: string): KnownNetwork | undefined {
  return FAMILIES.find((f) => f.pattern.test(modelName))?.network;
}

/** What a network's input should span when 0..255 pixels got its preprocessing (a real photo reaches near both ends). */
const INPUT_RANGES: Partial<Record<Preprocessing, [number, number]>> = { tf: [-1, 1], caffe: [-123.68, 255 - 103.939] };

/**
 * Why a recognised network's input [min, max] looks wrong (images scaled twice, or preprocessed for
 * another family), or undefined when it looks like the network's own preprocessing of pixels 0..255.
 */
export function inputRangeProblem(network: KnownNetwork, min: number, max: number): string | undefined {
  const [low, high] = INPUT_RANGES[network.preprocess] ?? [-Infinity, Infinity];
  const slack = (high - low) * 0.02;
  const outside = min < low - slack || max > high + slack;
  // Pixels 0..1 given where 0..255 are expected end up squeezed at the low end of the range.
  const squeezed = max < low + (high - low) / 50;
  if (!outside && !squeezed) return undefined;
  const span = `[${min.toPrecision(3)}, ${max.toPrecision(3)}]`;
  return (
    `${network.family} expects inputs in [${low}, ${high}] (its '${network.preprocess}' preprocessing of pixels 0..255), but this input spans ${span}: ` +
    (squeezed
      ? 'the images look scaled to 0..1 already; pass pixels 0..255 (as loadImage gives them).'
      : `check the images' values and the preprocess option (leave it out to get '${network.preprocess}').`)
  );
}

/** tfjs-models' hosted MobileNet v1 layers models, by the short name loadModel takes. */
export const HOSTED_MODELS = ['mobilenet_v1_0.25_224', 'mobilenet_v1_0.50_224', 'mobilenet_v1_0.75_224', 'mobilenet_v1_1.0_224'] as const;
export type HostedModelName = (typeof HOSTED_MODELS)[number];

/** Where tfjs-models serves them; CAMLAB_HOSTED_MODELS_URL replaces it (a mirror, or a test's server). */
export const HOSTED_MODELS_URL = 'https://storage.googleapis.com/tfjs-models/tfjs';

export function isHostedModelName(src: string): src is HostedModelName {
  return (HOSTED_MODELS as readonly string[]).includes(src);
}

/** A name that looks like a hosted model's but is none of them (a typo), to refuse with the list. */
export function looksLikeHostedModelName(src: string): boolean {
  return /^mobilenet_v\d/i.test(src) && !/[/\\]|\.json$/i.test(src);
}

/** The model.json URL of a hosted model. */
export function hostedModelUrl(name: HostedModelName): string {
  const base = (process.env.CAMLAB_HOSTED_MODELS_URL ?? HOSTED_MODELS_URL).replace(/\/+$/, '');
  return `${base}/${name}/model.json`;
}
