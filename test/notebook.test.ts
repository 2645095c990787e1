// camlab imported by its package name from a tslab notebook cell, as a user's notebook would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkJupyter, registerKernel, executeNotebook, cellText } from '../scripts/jupyter';
import { code, tslabNotebook } from './helpers/notebooks';

const DIR = join(__dirname, '..', 'test-artifacts', 'notebook-import');

test('a tslab notebook imports camlab by name and computes a CAM with the shared tf', async () => {
  await checkJupyter();
  await registerKernel();
  await mkdir(DIR, { recursive: true });
  const notebook = tslabNotebook([
      code(`import { tf, ready, loadModel, inspectModel, classActivationMap, loadImage, overlayPng, boundingBox, iou } from 'camlab';\nconst backend = await ready();\nconsole.log('backend', backend);`),
      code(
        `const model = tf.sequential({ layers: [\n` +
          `  tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), name: 'features' }),\n` +
          `  tf.layers.globalAveragePooling2d({ name: 'gap' }),\n` +
          `  tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }), name: 'predictions' })] });\n` +
          `const image = tf.randomUniform([16, 16, 3], 0, 255, 'float32', 3) as tf.Tensor3D;\n` +
          `const [result] = await classActivationMap(model, image);\n` +
          `const png = await overlayPng(image, result.heatmap);\n` +
          `const box = boundingBox(result.heatmap);\n` +
          `console.log('feature layer', inspectModel(model).featureLayer?.name);\n` +
          `console.log('heatmap', result.heatmap.width, result.heatmap.height, 'png bytes', png.length > 100, 'iou', iou(box, box));`,
      ),
  ]);
  const path = join(DIR, 'import.ipynb');
  await writeFile(path, JSON.stringify(notebook));
  const { notebook: executed, errors } = await executeNotebook(path, DIR);
  assert.deepEqual(errors, []);
  assert.match(cellText(executed.cells[0]), /backend (wasm|tensorflow|cpu)/);
  assert.match(cellText(executed.cells[1]), /feature layer features\nheatmap 16 16 png bytes true iou 1/);
});

test('an error in a notebook cell is reported with its cell number', async () => {
  await mkdir(DIR, { recursive: true });
  const path = join(DIR, 'broken.ipynb');
  await writeFile(path, JSON.stringify(tslabNotebook([code(`console.log('fine');`), code(`import { inspectModel } from 'camlab';\ninspectModel(undefined as never);`)])));
  const { errors } = await executeNotebook(path, DIR);
  assert.deepEqual(errors, [`cell 2: TypeError: Cannot read properties of undefined (reading 'layers')`]);
});
