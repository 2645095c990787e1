// Jupyter and the tslab kernel, as `npm start` and the tests use them: find Jupyter, register the
// kernel so that it starts this checkout's tslab, execute a notebook headless.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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

function quietPython(): NodeJS.ProcessEnv {
  // Debian's Python prints debugger warnings about frozen modules on every start.
  return { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1', PYTHONWARNINGS: 'ignore', CAMLAB_QUIET: '1' };
}

/**
 * Executes a notebook with the tslab kernel (cells run in the notebook's folder) and writes the
 * executed copy into `outputDir`; `html` also exports it as HTML there. Returns the executed notebook.
 */
export async function executeNotebook(path: string, outputDir: string, options: { cellTimeout?: number; html?: boolean } = {}): Promise<Notebook> {
  const args = ['-m', 'nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.timeout=${options.cellTimeout ?? 300}`, '--ExecutePreprocessor.kernel_name=tslab', '--allow-errors', '--output-dir', outputDir, path];
  await run(JUPYTER_PYTHON, args, { env: quietPython(), cwd: dirname(path), maxBuffer: 64 * 1024 * 1024 }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`executing ${basename(path)} failed:\n${(error.stderr ?? error.message).split('\n').filter((l) => !/Debugger|frozen|PYDEVD/.test(l)).slice(-30).join('\n')}`);
  });
  const executed = join(outputDir, basename(path));
  if (options.html) {
    await run(JUPYTER_PYTHON, ['-m', 'nbconvert', '--to', 'html', '--output-dir', outputDir, executed], { env: quietPython() });
  }
  return JSON.parse(await readFile(executed, 'utf8')) as Notebook;
}

/** The error outputs of an executed notebook, as "cell N: name: message". */
export function notebookErrors(notebook: Notebook): string[] {
  return notebook.cells.flatMap((cell, i) =>
    (cell.outputs ?? []).filter((o) => o.output_type === 'error').map((o) => `cell ${i + 1}: ${o.ename}: ${o.evalue}`),
  );
}

/** The text a cell printed (stdout streams and text/plain results). */
export function cellText(cell: NotebookCell): string {
  const join = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : t ?? '');
  return (cell.outputs ?? []).map((o) => (o.output_type === 'stream' && o.name === 'stdout' ? join(o.text) : join(o.data?.['text/plain']))).join('');
}
