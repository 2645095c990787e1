// Every figure builder refuses an option it does not take, by name and with the one most likely meant,
// before it draws anything (the explain functions' rule, from src/validate.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  tf,
  ready,
  loadDefaultModel,
  loadSamples,
  classActivationMap,
  inspectModel,
  layerActivations,
  CamlabError,
  heatmapFigure,
  camGridFigure,
  featureMapsFigure,
  probabilitiesFigure,
  curveFigure,
  sanityFigure,
  gapFigure,
  camSumFigure,
  camStagesFigure,
  explorerFigure,
  drawingFigure,
  type CamResult,
  type LoadedSample,
} from '../src';
import type { SanityReport } from '../src/metrics/sanity';

let model: tf.LayersModel;
let sample: LoadedSample;
let result: CamResult;
let features: tf.Tensor4D;

before(
  async () => {
    await ready();
    model = await loadDefaultModel();
    sample = (await loadSamples())[0];
    [result] = await classActivationMap(model, sample.image);
    features = (await layerActivations(model, sample.image, inspectModel(model).featureLayer!.name)) as tf.Tensor4D;
  },
  { timeout: 60_000 },
);

after(() => {
  model.dispose();
  sample.image.dispose();
  features.dispose();
});

const refused = (entry: string, wrong: string, meant: string) => (e: unknown) =>
  e instanceof CamlabError && e.message.startsWith(`${entry} has no option '${wrong}'; did you mean '${meant}'?`);

test('each figure builder refuses an unknown option by name, and says which was meant', async () => {
  const before = tf.memory().numTensors;
  const report: SanityReport = {
    map: 'cam',
    mode: 'cascading',
    classIndex: result.classIndex,
    original: result.heatmap,
    steps: [],
  } as unknown as SanityReport;
  const x = [0, 1];
  assert.throws(() => heatmapFigure(sample.image, result.heatmap, { titel: 'x' } as never), refused('heatmapFigure', 'titel', 'title'));
  assert.throws(
    () => heatmapFigure(sample.image, result.heatmap, { colourmap: 'viridis' } as never),
    refused('heatmapFigure', 'colourmap', 'colormap'),
  );
  assert.throws(() => camGridFigure(sample.image, [result], { lables: ['a'] } as never), refused('camGridFigure', 'lables', 'labels'));
  assert.throws(() => featureMapsFigure(features, { chanels: [0] } as never), refused('featureMapsFigure', 'chanels', 'channels'));
  assert.throws(
    () => probabilitiesFigure([0.5, 0.5], ['a', 'b'], { titel: 'p' } as never),
    refused('probabilitiesFigure', 'titel', 'title'),
  );
  assert.throws(
    () => curveFigure(x, [{ name: 'y', y: [0, 1] }], { title: 't', xTitle: 'x', yTitle: 'y', legnd: 'upper right' } as never),
    refused('curveFigure', 'legnd', 'legend'),
  );
  assert.throws(
    () => sanityFigure(sample.image, [report], { colourmap: 'jet' } as never),
    refused('sanityFigure', 'colourmap', 'colormap'),
  );
  assert.throws(() => gapFigure(features, { cout: 3 } as never), refused('gapFigure', 'cout', 'count'));
  assert.throws(
    () => camSumFigure(features, new Float32Array(features.shape[3]), { titel: 's' } as never),
    refused('camSumFigure', 'titel', 'title'),
  );
  assert.throws(
    () => camStagesFigure(sample.image, result, { colourmap: 'jet' } as never),
    refused('camStagesFigure', 'colourmap', 'colormap'),
  );
  await assert.rejects(explorerFigure(model, sample.image, { layer: 'features' } as never), refused('explorerFigure', 'layer', 'layers'));
  await assert.rejects(explorerFigure(model, sample.image, { method: 'gradcam' } as never), refused('explorerFigure', 'method', 'methods'));
  await assert.rejects(drawingFigure(model, { treshold: 0.3 } as never), refused('drawingFigure', 'treshold', 'threshold'));
  assert.equal(tf.memory().numTensors, before, 'a refusal leaves no tensor behind');
});
