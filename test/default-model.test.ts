// The embedded GAP-CNN keeps the tutorial's promise: trained only to classify, its CAMs find the digit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf, ready, loadDefaultModel, modelMetadata, modelLabels, inspectModel, evaluateDigits, DEFAULT_MODEL_PATH, type LocalizationReport } from '../src';

let model: tf.LayersModel;
let report: LocalizationReport;
let threshold: number;

before(async () => {
  await ready();
  model = await loadDefaultModel();
  threshold = modelMetadata(model).boxThreshold!;
  // Held-out canvases (test digits, a seed of their own), as `npx camlab eval` draws them.
  report = await evaluateDigits(model, { split: 'test', count: 400, seed: 11 });
});

after(() => model.dispose());

test('the shipped model is a small GAP-CNN with named layers, labels and a validated threshold', async () => {
  const anatomy = inspectModel(model);
  assert.equal(anatomy.featureLayer?.name, 'features');
  assert.equal(anatomy.poolingLayer?.name, 'gap');
  assert.equal(anatomy.classifierLayer?.name, 'predictions');
  assert.deepEqual(anatomy.featureLayer?.outputShape, [null, 16, 16, 64]);
  assert.deepEqual(modelLabels(model), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.ok(threshold > 0 && threshold < 1);
  const weights = (await readFile(join(DEFAULT_MODEL_PATH, 'weights.bin'))).length;
  assert.ok(weights < 2e6, `${weights} bytes of weights`);
});

test('classification accuracy on held-out canvases is at least 97%', () => {
  assert.ok(report.accuracy >= 0.97, `accuracy ${(100 * report.accuracy).toFixed(1)}%`);
});

test('the CAM peak falls inside the true box on at least 95% of canvases (pointing game)', () => {
  assert.ok(report.pointingGame >= 0.95, `pointing game ${(100 * report.pointingGame).toFixed(1)}%`);
});

test('GT-known localization at the validated threshold is at least 75%, far above the centre baseline', () => {
  const atThreshold = report.byThreshold.find((t) => Math.abs(t.threshold - threshold) < 1e-9)!;
  assert.ok(atThreshold.gtKnownLocalization >= 0.75, `GT-known ${(100 * atThreshold.gtKnownLocalization).toFixed(1)}% at ${threshold}`);
  assert.ok(atThreshold.gtKnownLocalization >= 3 * report.centreBaseline.localization, `baseline ${(100 * report.centreBaseline.localization).toFixed(1)}%`);
  assert.ok(atThreshold.top1Localization <= atThreshold.gtKnownLocalization);
});

test('on the trained model every method beats a random map, and CAM beats the centre prior, at localization and deletion', async () => {
  const { digitsCanvas, compareMethods, methodMaker, randomMapMaker, centreGaussianMaker } = await import('../src');
  const samples = digitsCanvas({ split: 'test', count: 40, seed: 12 });
  const rows = await compareMethods(model, samples, [methodMaker('cam'), methodMaker('gradcam'), methodMaker('layercam'), randomMapMaker, centreGaussianMaker], { threshold, steps: 8 });
  tf.dispose(samples.map((s) => s.image));
  const row = (name: string) => rows.find((r) => r.name === name)!;
  for (const name of ['cam', 'gradcam', 'layercam']) {
    assert.ok(row(name).pointingGame > row('random map').pointingGame + 0.3, `${name}: pointing game`);
    assert.ok(row(name).deletion < row('random map').deletion, `${name}: deleting its hot pixels first hurts more than random ones`);
    assert.ok(row(name).insertion > row('random map').insertion, `${name}: inserting them first helps more`);
  }
  assert.ok(row('cam').gtKnownLocalization > row('centre Gaussian').gtKnownLocalization + 0.3, 'CAM vs centre prior');
});
