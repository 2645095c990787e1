// The names users choose among, as plain data with no TensorFlow.js behind them: the CLI checks its
// options against these before it loads the library, and the library's own checks use the same lists.

/** The methods, CAM first (each method file's `name` is one of these; explain.ts lists them in this order). */
export const METHOD_NAMES = [
  'cam',
  'gradcam',
  'gradcam++',
  'scorecam',
  'layercam',
  'hirescam',
  'eigencam',
  'xgradcam',
  'ablationcam',
  'eigengradcam',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/**
 * How a model wants its pixels (images come in as RGB 0..255):
 * - 'none': as they are (models that rescale inside, like camlab's digits model);
 * - 'caffe': RGB → BGR and the ImageNet mean subtracted, no scaling (Keras's ResNet-50, VGG);
 * - 'tf': scaled to [-1, 1] (Keras's MobileNet, Inception);
 * - 'torch': scaled to [0, 1], then ImageNet mean and standard deviation per channel;
 * - 'teachable-machine': x / 127 − 1, as Teachable Machine's image models expect.
 */
export const PREPROCESSINGS = ['none', 'caffe', 'tf', 'torch', 'teachable-machine'] as const;
export type Preprocessing = (typeof PREPROCESSINGS)[number];

/** How an image meets a model's input size: scaled on each side, or first cropped to its aspect ratio. */
export const FITS = ['stretch', 'center-crop'] as const;
export type Fit = (typeof FITS)[number];

/**
 * How the sanity check randomises a model's weights (Adebayo et al. 2018): 'cascading', layer after
 * layer from the top down, each step keeping the layers above random; 'independent', one layer at a time.
 */
export const RANDOMISATIONS = ['cascading', 'independent'] as const;
export type Randomisation = (typeof RANDOMISATIONS)[number];

/** What a figure does with values below zero (evidence against the class): clip them to 0, or draw them on a diverging scale. */
export const NEGATIVE_EVIDENCE = ['clip', 'diverging'] as const;
export type NegativeEvidence = (typeof NEGATIVE_EVIDENCE)[number];
