// camlab: image → model → maps → localization → plots.
export { tf } from './tf';
export { ready, currentBackend, currentThreads, type BackendName } from './backend';
export { CamlabError } from './errors';

export { loadImage, type LoadImageOptions } from './image/load';
export { toModelInput, modelInputSize, type Fit, type InputSize, type ModelInputOptions } from './image/model-input';
export { preprocess, PREPROCESSINGS, type Preprocessing } from './image/preprocess';
export { colorAt, colormapAnchors, COLORMAPS, type ColormapName, type Rgb } from './image/colormap';
export { overlayPng, type OverlayOptions } from './image/overlay';
export { normalizeHeatmap, type Heatmap } from './image/heatmap';
export { resizeHeatmap } from './image/resize';

export { loadModel, loadDefaultModel, DEFAULT_MODEL_PATH } from './model/load';
export { modelLabels, modelMetadata, type ModelMetadata } from './model/metadata';
export { saveModel } from './model/save';
export { loadKerasWeights, loadKerasModel, saveKerasWeights } from './model/keras-h5';
export { layerActivations } from './model/activations';
export { resnet50, RESNET50_IMAGENET_URL } from './model/resnet50';
export { cachePath } from './model/cache';
export { decodePredictions, imagenetClasses, type Prediction } from './model/imagenet';
export type { ResNet50Options } from './model/architectures/resnet50';
export { inspectModel, formatLayerTable, type ModelAnatomy, type LayerInfo } from './model/inspect';
export type { HeadActivation } from './model/head';

export { classActivationMap, type CamOptions } from './cam/class-activation-map';
export type { CamResult, ClassTargets } from './cam/types';
export {
  explain,
  methods,
  gradCam,
  gradCamPlusPlus,
  scoreCam,
  layerCam,
  hiResCam,
  eigenCam,
  xGradCam,
  ablationCam,
  eigenGradCam,
} from './cam/explain';
export type { MethodOptions } from './cam/options';
export type { MethodName } from './cam/methods/method';

export { boundingBox, iou, defaultBoxThreshold, PAPER_THRESHOLD, type Box } from './localize/box';

export { digitsCanvas, CANVAS_SIZE, type Sample, type CanvasOptions } from './data/canvas';
export type { Split } from './data/digits';
export { loadSamples, type LoadedSample } from './data/samples';
export { loadPhoto, photoUrl, PHOTOS, type Photo, type PhotoName } from './data/photo';
export { evaluateDigits } from './metrics/digits';
export {
  evaluateLocalization,
  bestThreshold,
  type LocalizationReport,
  type ThresholdScore,
  type LabelledImage,
} from './metrics/localization';
export { formatLocalizationReport } from './metrics/report';
export { faithfulness, averageDropAndIncrease, type Faithfulness } from './metrics/faithfulness';
export { compareMethods, formatMethodTable, type MethodScore, type CompareOptions } from './metrics/compare';
export { methodMaker, type MapMaker } from './metrics/map-maker';
export { randomMapMaker, centreGaussianMaker, sobelEdgeMaker, randomCamMaker } from './metrics/baselines';
export { road, ROAD_PERCENTILES, type Road, type RoadOptions } from './metrics/road';
export { noisyLinearImputation, type ImputationOptions } from './metrics/imputation';
export {
  sanityCheck,
  formatSanityReport,
  SANITY_RANK_CORRELATION,
  type SanityOptions,
  type SanityReport,
  type SanityStep,
} from './metrics/sanity';
export { rankCorrelation, ssim } from './metrics/similarity';
export { RANDOMISATIONS, type Randomisation } from './choices';

export { findImageFiles, IMAGE_EXTENSIONS, type ImageFile } from './image/find';
export { explainFiles, openExplainPool, type ExplainPool, type FileExplanation, type ExplainFilesOptions } from './pool/explain-files';
export { defaultWorkerCount, type PoolOptions } from './pool/pool';
export type { ExplainSettings, ExplainerInfo, MapResult } from './pool/task';
export type { MapSource } from './metrics/localization';

export type { Figure, Trace, Layout, UpdateMenu, Color, Pixels } from './plot/figure';
export { explorerFigure, type ExplorerOptions } from './plot/explorer';
export { drawingFigure, type DrawingOptions } from './plot/drawing';
export {
  heatmapFigure,
  camGridFigure,
  sanityFigure,
  featureMapsFigure,
  probabilitiesFigure,
  curveFigure,
  type Series,
  type HeatmapFigureOptions,
  type CamGridOptions,
  type FeatureMapsOptions,
  type LabelledBox,
} from './plot/figures';
export {
  gapFigure,
  camSumFigure,
  camStagesFigure,
  type GapFigureOptions,
  type CamSumFigureOptions,
  type CamStagesFigureOptions,
} from './plot/diagrams';
export { NEGATIVE_EVIDENCE, type NegativeEvidence } from './plot/scale';
export { figurePng } from './plot/png';
export { figureHtml, plotlyFigure, type PlotlyFigure } from './plot/html';
export { show } from './plot/show';
