// Jupyter and the tslab kernel, as `npm start` and the tests use them: find Jupyter, register the
// kernel so that it starts this checkout's tslab, execute a notebook headless.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const TSLAB = join(ROOT, 'node_modules', '.bin', 'tslab');
/** Debian's Jupyter; the pyenv python3 that may come first on PATH has none. */
export const JUPYTER_PYTHON = process.env.CAMLAB_JUPYTER_PYTHON ?? '/usr/bin/python3';

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  outputs?: NotebookOutput[];
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
}
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Fails with the commands to run when Jupyter's Python or nbconvert is missing. */
export async function checkJupyter(): Promise<void> {
  try {
    await run(JUPYTER_PYTHON, ['-c', 'import nbconvert, ipykernel, jupyter_client']);
  } catch {
    throw new Error(
      `Jupyter was not found for ${JUPYTER_PYTHON}. Install it with:\n` +
        `  sudo apt-get install jupyter-nbconvert python3-ipykernel jupyter-client python3-nbclient\n` +
        `or run 'bash scripts/setup-system.sh' (as root on Debian it installs them), or set CAMLAB_JUPYTER_PYTHON to a Python with nbconvert.`,
    );
  }
}

/** Registers the tslab kernel with this checkout's tslab binary (idempotent). */
export async function registerKernel(): Promise<void> {
  if (!existsSync(TSLAB)) throw new Error(`${TSLAB} is missing: run 'npm install' first.`);
  const spec = await kernelSpec();
  if (spec?.argv?.[0] === TSLAB) return;
  await run(TSLAB, ['install', `--python=${JUPYTER_PYTHON}`, `--binary=${TSLAB}`], { env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' } });
}

async function kernelSpec(): Promise<{ argv?: string[] } | undefined> {
  try {
    const { stdout } = await run(JUPYTER_PYTHON, ['-m', 'jupyter_client.kernelspecapp', 'list', '--json'], { env: quietPython() });
    const dir = (JSON.parse(stdout) as { kernelspecs: Record<string, { resource_dir: string }> }).kernelspecs.tslab?.resource_dir;
    return dir ? (JSON.parse(await readFile(join(dir, 'kernel.json'), 'utf8')) as { argv?: string[] }) : undefined;
  } catch {
    return undefined;
  }
}

export function quietPython(): NodeJS.ProcessEnv {
  // Debian's Python prints debugger warnings about frozen modules on every start.
  return { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1', PYTHONWARNINGS: 'ignore', CAMLAB_QUIET: '1' };
}

export interface ExecutedNotebook {
  notebook: Notebook;
  /** Where the executed copy was written. */
  path: string;
  /** "cell N: …" for each cell that failed (N counts from 1, markdown cells included). */
  errors: string[];
}

/**
 * Executes a notebook with the tslab kernel and writes the executed copy into `outputDir`; `html` also
 * exports it as HTML there. Cells run in the notebook's folder, or in `workDir` (where files they write go).
 */
export interface ExecuteOptions {
  cellTimeout?: number;
  html?: boolean;
  /** Where the cells run and the files they write go (default: the notebook's folder). */
  workDir?: string;
  /** The kernel to run (default: 'tslab', the one registerKernel() installs). */
  kernel?: string;
  /** Variables added to Jupyter's environment (e.g. JUPYTER_PATH to find a kernel elsewhere). */
  env?: NodeJS.ProcessEnv;
}

export async function executeNotebook(notebookPath: string, outputFolder: string, options: ExecuteOptions = {}): Promise<ExecutedNotebook> {
  const [path, outputDir] = [resolve(notebookPath), resolve(outputFolder)];
  const workDir = resolve(options.workDir ?? dirname(path));
  const executed = join(outputDir, basename(path));
  const script = join(ROOT, 'scripts', 'execute_notebook.py');
  const { stdout } = await run(JUPYTER_PYTHON, [script, path, executed, options.kernel ?? 'tslab', String(options.cellTimeout ?? 300), workDir], {
    env: { ...quietPython(), ...options.env },
    cwd: workDir,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: Error & { stderr?: string }) => {
    const detail = (error.stderr ?? error.message).split('\n').filter((l) => !/Debugger|frozen|PYDEVD/.test(l)).slice(-30).join('\n');
    throw new Error(`executing ${basename(path)} failed:\n${detail}`);
  });
  const failed = JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as number[];
  if (options.html) await exportHtml(executed, outputDir);
  const notebook = JSON.parse(await readFile(executed, 'utf8')) as Notebook;
  const errors = [...new Set([...failed, ...errorOutputCells(notebook)])].sort((x, y) => x - y).map((i) => `cell ${i + 1}: ${describeFailure(notebook.cells[i])}`);
  return { notebook, path: executed, errors };
}

/**
 * Exports an executed notebook as a page that works from any folder or web server: camlab's template
 * (the lab look, no MathJax) and require.js copied beside it, as the classic Notebook has it on its pages.
 */
export async function exportHtml(notebookPath: string, outputDir: string): Promise<string> {
  await copyFile(require.resolve('requirejs/require.js'), join(outputDir, 'require.js'));
  await run(
    JUPYTER_PYTHON,
    ['-m', 'nbconvert', '--to', 'html', '--template', 'camlab', `--TemplateExporter.extra_template_basedirs=${join(ROOT, 'scripts', 'nbconvert')}`, '--HTMLExporter.require_js_url=require.js', '--output-dir', outputDir, notebookPath],
    { env: quietPython() },
  );
  return join(outputDir, basename(notebookPath).replace(/\.ipynb$/, '.html'));
}

function errorOutputCells(notebook: Notebook): number[] {
  return notebook.cells.flatMap((cell, i) => ((cell.outputs ?? []).some((o) => o.output_type === 'error') ? [i] : []));
}

/** The first line of what the cell said about its failure. */
function describeFailure(cell: NotebookCell): string {
  const error = (cell.outputs ?? []).find((o) => o.output_type === 'error');
  if (error) return `${error.ename}: ${error.evalue}`;
  const stderr = (cell.outputs ?? []).filter((o) => o.name === 'stderr').map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? '')).join('');
  return stderr.split('\n').find((line) => /error/i.test(line))?.trim() ?? stderr.split('\n')[0] ?? 'failed';
}

/** The text a cell printed (stdout streams and text/plain results). */
export function cellText(cell: NotebookCell): string {
  const join = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : t ?? '');
  return (cell.outputs ?? []).map((o) => (o.output_type === 'stream' && o.name === 'stdout' ? join(o.text) : join(o.data?.['text/plain']))).join('');
}
