// camlab imported by its package name from a tslab notebook cell, as a user's notebook would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkJupyter,
  registerKernel,
  executeNotebook,
  executeNotebooks,
  cellText,
  kernelSpecs,
  privateJupyterEnv,
  type NotebookOutcome,
} from '../scripts/jupyter';
import { code, tslabNotebook } from './helpers/notebooks';
import { longestFirst } from '../scripts/site';

const DIR = join(__dirname, '..', 'test-artifacts', 'notebook-import');

test("a tslab notebook imports camlab by name and computes a CAM with the shared tf, in a private kernel that leaves the machine's kernels as they were", async () => {
  await checkJupyter();
  const machineBefore = await kernelSpecs();
  const kernel = await registerKernel();
  assert.equal(kernel, 'camlab-tslab');
  assert.equal(machineBefore[kernel], undefined, "the private kernel is not one of the machine's");
  assert.ok((await kernelSpecs(privateJupyterEnv()))[kernel], 'Jupyter finds it through the private JUPYTER_PATH');
  await mkdir(DIR, { recursive: true });
  const notebook = tslabNotebook([
    code(
      `import { tf, ready, loadModel, inspectModel, classActivationMap, loadImage, overlayPng, boundingBox, iou } from 'camlab';\nconst backend = await ready();\nconsole.log('backend', backend);`,
    ),
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
        `console.log('heatmap', result.heatmap.width, result.heatmap.height, 'png bytes', png.length > 100);\n` +
        `console.log('box', JSON.stringify(box), 'iou with the whole image', iou(box, { x: 0, y: 0, width: 16, height: 16 }));`,
    ),
  ]);
  const path = join(DIR, 'import.ipynb');
  await writeFile(path, JSON.stringify(notebook));
  const { notebook: executed, errors } = await executeNotebook(path, DIR);
  assert.deepEqual(errors, []);
  assert.match(cellText(executed.cells[0]), /backend (wasm|tensorflow|cpu)/);
  const text = cellText(executed.cells[1]);
  assert.match(text, /feature layer features\nheatmap 16 16 png bytes true\n/);
  // A box inside the 16 × 16 image overlaps the whole image by its own area.
  const [, boxJson, overlap] = /box (\{.*\}) iou with the whole image ([\d.e-]+)/.exec(text) ?? [];
  const box = JSON.parse(boxJson) as { x: number; y: number; width: number; height: number };
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= 16 && box.y + box.height <= 16, `box ${boxJson} inside the image`);
  assert.ok(Math.abs(Number(overlap) - (box.width * box.height) / 256) < 1e-12, `iou ${overlap} for ${boxJson}`);
  assert.deepEqual(await kernelSpecs(), machineBefore, 'jupyter kernelspec list is the same before and after');
});

test('an error in a notebook cell is reported with its cell number', async () => {
  await mkdir(DIR, { recursive: true });
  const path = join(DIR, 'broken.ipynb');
  await writeFile(
    path,
    JSON.stringify(
      tslabNotebook([code(`console.log('fine');`), code(`import { inspectModel } from 'camlab';\ninspectModel(undefined as never);`)]),
    ),
  );
  const { errors } = await executeNotebook(path, DIR);
  assert.deepEqual(errors, [
    `cell 2: CamlabError: The model must be a tf.LayersModel (loadModel() or loadDefaultModel() gives one), got undefined.`,
  ]);
});

test('notebooks run side by side in one client: each reported as it finishes, results in input order, one unreadable file fails alone', async () => {
  const dir = join(DIR, 'batch');
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'out'), { recursive: true });
  const paths = ['first', 'unreadable', 'failing'].map((name) => join(dir, `${name}.ipynb`));
  await writeFile(paths[0], JSON.stringify(tslabNotebook([code(`console.log('one', 1 + 1);`)])));
  await writeFile(paths[1], 'this is not a notebook');
  await writeFile(paths[2], JSON.stringify(tslabNotebook([code(`throw new Error('on purpose');`)])));
  const heard: number[] = [];
  const outcomes = await executeNotebooks(paths, join(dir, 'out'), { html: true, concurrency: 2 }, (index) => heard.push(index));
  assert.deepEqual([...heard].sort(), [0, 1, 2]);
  const [first, unreadable, failing] = outcomes.map((o: NotebookOutcome) => ('executed' in o ? o.executed : o.error));
  assert.ok(!(first instanceof Error) && !(failing instanceof Error) && unreadable instanceof Error);
  assert.equal(cellText(first.notebook.cells[0]), 'one 2\n');
  assert.deepEqual(first.errors, []);
  assert.match(await readFile(join(dir, 'out', 'first.html'), 'utf8'), /<title>first<\/title>[\s\S]*one 2/);
  assert.match(unreadable.message, /^executing unreadable\.ipynb failed: NotJSONError: Notebook does not appear to be JSON/);
  assert.deepEqual(
    failing.errors.map((e) => e.replace(/:.*/, '')),
    ['cell 1'],
  );
  assert.match(failing.errors[0], /on purpose/);

  // One at a time, started in the order asked for; a start order that is not a permutation is refused.
  const started: number[] = [];
  await executeNotebooks([paths[0], paths[2]], join(dir, 'out'), { concurrency: 1, startOrder: [1, 0] }, (index) => started.push(index));
  assert.deepEqual(started, [1, 0]);
  await assert.rejects(
    executeNotebooks([paths[0], paths[2]], join(dir, 'out'), { startOrder: [1, 1] }),
    /startOrder must list each of the 2 notebooks' indices once, got \[1, 1\]/,
  );
});

test('npm start starts the notebooks that took longest last time first, unknown ones before them all', () => {
  const names = ['01-a.ipynb', '02-b.ipynb', '03-c.ipynb', '04-d.ipynb'];
  assert.deepEqual(longestFirst(names, {}), [0, 1, 2, 3]);
  assert.deepEqual(longestFirst(names, { '01-a.ipynb': 5, '02-b.ipynb': 9, '03-c.ipynb': 5, '04-d.ipynb': 12 }), [3, 1, 0, 2]);
  assert.deepEqual(longestFirst(names, { '01-a.ipynb': 5, '04-d.ipynb': 12 }), [1, 2, 3, 0]);
});
