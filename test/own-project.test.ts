// camlab where its users are: packed and installed into a project outside the repository, run by a
// tslab installed in yet another folder (as tslab's docs install it: not beside the notebooks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { checkJupyter, executeNotebook, cellText, kernelSpecs, type NotebookCell } from '../scripts/jupyter';
import { code, tslabNotebook } from './helpers/notebooks';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const TSLAB_VERSION = (require('../package.json') as { devDependencies: Record<string, string> }).devDependencies.tslab;
const MINUTE = 60_000;

/** npm in `cwd`, quietly; its output is returned for error messages. */
async function npm(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund'], { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 10 * MINUTE });
  return stdout;
}

async function newProject(folder: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'package.json'), JSON.stringify({ name: 'my-experiments', version: '1.0.0', private: true }));
  return folder;
}

/**
 * tslab installed in its own folder, and a kernel that runs it, registered in a folder of the test's
 * own (found through JUPYTER_PATH), so that the machine's kernels stay as they are.
 */
async function separateTslab(work: string): Promise<{ kernel: string; env: NodeJS.ProcessEnv }> {
  const tools = await newProject(join(work, 'tools'));
  await npm(tools, ['install', `tslab@${TSLAB_VERSION}`]);
  const kernel = 'camlab-test-own-tslab';
  const specDir = join(work, 'jupyter', 'kernels', kernel);
  await mkdir(specDir, { recursive: true });
  const argv = [join(tools, 'node_modules', '.bin', 'tslab'), 'kernel', '--config-path', '{connection_file}'];
  await writeFile(
    join(specDir, 'kernel.json'),
    JSON.stringify({ argv, display_name: 'TypeScript (tslab elsewhere)', language: 'typescript' }),
  );
  return { kernel, env: { JUPYTER_PATH: join(work, 'jupyter') } };
}

function htmlOutputs(cell: NotebookCell): string[] {
  return (cell.outputs ?? []).flatMap((o) => {
    const html = o.data?.['text/html'];
    return html === undefined ? [] : [Array.isArray(html) ? html.join('') : html];
  });
}

function assertFigure(cell: NotebookCell, what: string): void {
  const [html, ...more] = htmlOutputs(cell);
  assert.ok(html, `${what}: the cell that drew the figure has no figure output`);
  assert.equal(more.length, 0, `${what}: one figure, one output`);
  assert.match(html, /<img class="camlab-static"[^>]*src="data:image\/png;base64,iVBORw0KGgo/, `${what}: the PNG`);
  assert.match(html, /Plotly\.react\(live, figure\.data/, `${what}: the live plot`);
}

const USER_NOTEBOOK = [
  code(
    `import { loadDefaultModel, loadSamples, classActivationMap, heatmapFigure, show } from 'camlab';\nconst model = await loadDefaultModel();\nconst [sample] = await loadSamples();\nconst [top] = await classActivationMap(model, sample.image);`,
  ),
  code(`await show(heatmapFigure(sample.image, top.heatmap, { title: 'awaited' }));`),
  code(`show(heatmapFigure(sample.image, top.heatmap, { title: 'not awaited' }));`),
  code(`console.log('the cell after the unawaited figure');`),
  code(`Promise.reject(new Error('a rejection nobody handles'));\nconsole.log('rejected');`),
  code(
    `setTimeout(() => { throw new Error('thrown later'); }, 10);\nawait new Promise((done) => setTimeout(done, 200));\nconsole.log('after an uncaught error');`,
  ),
  code(`console.log('the kernel is alive, model has', model.layers.length, 'layers');`),
];

test(
  "installed from a tarball, camlab draws in a notebook of the user's own project, run by a tslab installed elsewhere; the kernel survives",
  { timeout: 25 * MINUTE },
  async () => {
    await checkJupyter();
    const work = await mkdtemp(join(tmpdir(), 'camlab-own-project-'));
    try {
      const specsBefore = await kernelSpecs();
      await npm(ROOT, ['pack', '--pack-destination', work]);
      const [tarball] = (await readdir(work)).filter((n) => n.endsWith('.tgz'));
      assert.ok(tarball, 'npm pack made a tarball');
      const project = await newProject(join(work, 'project'));
      await npm(project, ['install', join(work, tarball)]);
      assert.ok(existsSync(join(project, 'node_modules', 'camlab', 'LICENSE')), 'the package ships its LICENSE');
      const { kernel, env } = await separateTslab(work);
      assert.equal(existsSync(join(project, 'node_modules', 'tslab')), false, 'no tslab in the project');

      for (const backend of ['wasm', 'cpu']) {
        const path = join(project, `experiment-${backend}.ipynb`);
        await writeFile(path, JSON.stringify(tslabNotebook(USER_NOTEBOOK)));
        const { notebook, errors } = await executeNotebook(path, project, {
          kernel,
          env: { ...env, CAMLAB_BACKEND: backend },
          cellTimeout: 600,
        });
        const cells = notebook.cells;
        // The rejection nobody handled is shown as an error output of the next cell (tslab had finished its own).
        assert.equal(errors.length, 1, `${backend}: only the rejection shows as an error: ${errors.join('; ')}`);
        assert.match(errors[0], /^cell [56]: Error: a rejection nobody handles$/);
        assertFigure(cells[1], `${backend}, awaited show()`);
        assert.match(htmlOutputs(cells[1])[0], /__camlabPlotly/, `${backend}: plotly.js travels with the first figure`);
        assertFigure(cells[2], `${backend}, show() without await`);
        assert.doesNotMatch(cellText(cells[2]), /Promise/, `${backend}: no promise printed`);
        assert.deepEqual(htmlOutputs(cells[3]), [], `${backend}: the next cell has no stray figure`);
        assert.match(cellText(cells[3]), /the cell after the unawaited figure/);
        assert.match(cellText(cells[4]), /rejected/);
        assert.match(cellText(cells[5]), /after an uncaught error/);
        assert.match(cellText(cells[6]), /the kernel is alive, model has \d+ layers/, `${backend}: the kernel lived on`);
      }

      // The tutorial, copied into the project by the package's own command, runs there too.
      const { stdout } = await run('npx', ['camlab', 'notebooks', 'tutorial'], { cwd: project, timeout: 2 * MINUTE });
      assert.match(stdout, /copied 01-looking-inside-a-cnn\.ipynb/);
      assert.doesNotMatch(stdout, /cannot be found/, 'the copied notebooks can import camlab');
      const tutorial = join(project, 'tutorial');
      assert.equal(
        (await readdir(tutorial)).filter((n) => n.endsWith('.ipynb')).length,
        (await readdir(join(ROOT, 'notebooks'))).filter((n) => n.endsWith('.ipynb')).length,
      );
      const executed = join(work, 'executed');
      await mkdir(executed);
      const { notebook, errors } = await executeNotebook(join(tutorial, '01-looking-inside-a-cnn.ipynb'), executed, {
        kernel,
        env,
        cellTimeout: 600,
      });
      assert.deepEqual(errors, []);
      assert.ok(
        notebook.cells.some((cell) => htmlOutputs(cell).some((html) => html.includes('camlab-static'))),
        'the tutorial drew its figures',
      );

      const specsAfter = await kernelSpecs();
      assert.deepEqual(specsAfter, specsBefore, "the machine's kernels are as they were");
      assert.equal(specsAfter[kernel], undefined, "the test's kernel is not registered on the machine");
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
);

test('installed from a git URL, camlab has its dist/ and a working command', { timeout: 20 * MINUTE }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'camlab-git-install-'));
  try {
    // A clone of the committed state, as a user's git URL would give.
    const clone = join(work, 'camlab');
    await run('git', ['clone', '--quiet', ROOT, clone], { timeout: 2 * MINUTE });
    const project = await newProject(join(work, 'project'));
    await npm(project, ['install', `git+file://${clone}`]);
    assert.ok(existsSync(join(project, 'node_modules', 'camlab', 'dist', 'index.js')), 'dist/index.js was built by prepare');
    const { stdout } = await run('npx', ['camlab', 'layers'], {
      cwd: project,
      timeout: 2 * MINUTE,
      env: { ...process.env, CAMLAB_QUIET: '1' },
    });
    assert.match(stdout, /features\s+Conv2D.*← CAM features/);
    assert.match(stdout, /total parameters: 70,122/);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
