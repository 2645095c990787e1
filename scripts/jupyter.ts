// Jupyter and the tslab kernel, as `npm start` and the tests use them: find Jupyter, write a kernelspec
// of this checkout's own in a private folder (never the machine's), execute notebooks headless with it.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..');
const TSLAB = join(ROOT, 'node_modules', '.bin', 'tslab');
/** npm's `deno` package (a devDependency) puts Deno's own binary here. */
export const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
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

/**
 * Where the repository's own kernelspecs live: Jupyter finds them through JUPYTER_PATH, which only the
 * processes started here are given. The machine's kernels (and the user's own `tslab`) stay as they are.
 */
export const PRIVATE_JUPYTER_PATH = join(ROOT, 'node_modules', '.cache', 'camlab', 'jupyter');
/** The kernels the repository runs its notebooks with, named for camlab so that none shadows a user's. */
export const PRIVATE_KERNELS = { tslab: 'camlab-tslab', deno: 'camlab-deno' } as const;
export type KernelKind = keyof typeof PRIVATE_KERNELS;

/** Fails with the commands to run when Jupyter's Python or nbconvert is missing. */
export async function checkJupyter(): Promise<void> {
  try {
    await run(JUPYTER_PYTHON, ['-c', 'import nbconvert, nbclient, ipykernel, jupyter_client'], { env: quietPython() });
  } catch {
    throw new Error(
      `Jupyter was not found for ${JUPYTER_PYTHON}. Install it with:\n` +
        `  sudo apt-get install jupyter-nbconvert python3-ipykernel jupyter-client python3-nbclient\n` +
        `or run 'bash scripts/setup-system.sh' (as root on Debian it installs them), or set CAMLAB_JUPYTER_PYTHON to a Python with nbconvert.`,
    );
  }
}

/** The kernel.json of a private kernel: the command line tslab's installer (or `deno jupyter --install`) would write. */
function kernelSpec(kind: KernelKind): { argv: string[]; display_name: string; language: string; env?: Record<string, string> } {
  const binary = kind === 'tslab' ? TSLAB : DENO;
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run 'npm install' first.`);
  if (kind === 'tslab')
    return {
      argv: [TSLAB, 'kernel', '--config-path', '{connection_file}'],
      display_name: "TypeScript (camlab's tslab)",
      language: 'typescript',
    };
  return {
    argv: [DENO, 'jupyter', '--kernel', '--conn', '{connection_file}'],
    display_name: "Deno (camlab's)",
    language: 'typescript',
    env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  };
}

/**
 * Writes this checkout's kernelspec of `kind` into PRIVATE_JUPYTER_PATH (idempotent) and returns its
 * name. Nothing outside this checkout is written: executeNotebooks() hands Jupyter the private path.
 */
export async function registerKernel(kind: KernelKind = 'tslab'): Promise<string> {
  const name = PRIVATE_KERNELS[kind];
  const folder = join(PRIVATE_JUPYTER_PATH, 'kernels', name);
  const json = JSON.stringify(kernelSpec(kind), null, 1);
  const file = join(folder, 'kernel.json');
  if (!existsSync(file) || (await readFile(file, 'utf8')) !== json) {
    await mkdir(folder, { recursive: true });
    await writeFile(file, json);
  }
  return name;
}

/** The kernels Jupyter lists (name → folder) in `env` (default: as this process's environment has it, i.e. the machine's). */
export async function kernelSpecs(env: NodeJS.ProcessEnv = {}): Promise<Record<string, string>> {
  const { stdout } = await run(JUPYTER_PYTHON, ['-m', 'jupyter_client.kernelspecapp', 'list', '--json'], {
    env: { ...quietPython(), ...env },
  });
  const { kernelspecs } = JSON.parse(stdout) as { kernelspecs: Record<string, { resource_dir: string }> };
  return Object.fromEntries(Object.entries(kernelspecs).map(([name, spec]) => [name, spec.resource_dir]));
}

/** Jupyter's environment with the private kernelspecs found first. */
export function privateJupyterEnv(): NodeJS.ProcessEnv {
  return { JUPYTER_PATH: PRIVATE_JUPYTER_PATH };
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
  /** How long its execution (and HTML export) took. */
  seconds: number;
}

export interface ExecuteOptions {
  cellTimeout?: number;
  /** Also export each executed notebook as HTML beside it. */
  html?: boolean;
  /** Where the cells run and the files they write go (default: the notebook's folder). */
  workDir?: string;
  /** The kernel to run (default: camlab's private tslab kernel, written by registerKernel()). */
  kernel?: string;
  /** Variables added to Jupyter's environment (e.g. JUPYTER_PATH to find a kernel elsewhere; the private path by default). */
  env?: NodeJS.ProcessEnv;
  /** How many notebooks run at once (each in its own kernel process); default 1. */
  concurrency?: number;
  /** Notebooks (indices into the list) published with the outputs they have, not executed. */
  publishAsIs?: number[];
  /** The order to start them in, as indices into the list (default: as listed). */
  startOrder?: number[];
}

/** One notebook's outcome: executed (its failed cells listed inside), or not executed at all. */
export type NotebookOutcome = { executed: ExecutedNotebook } | { error: Error };

/** The script's marker before each notebook's JSON report (scripts/execute_notebooks.py). */
const REPORT = 'camlab-notebook-report ';
interface Report {
  index: number;
  failed: number[];
  seconds: number;
  error: string | null;
}

/**
 * Executes notebooks with the tslab kernel, `concurrency` at a time, in one Jupyter client process, and
 * writes each executed copy (and with `html` its page) into `outputFolder`. Cells run in each notebook's
 * folder, or in `workDir` (where files they write go). `onFinished` hears of each as it finishes; the
 * result is in the order of `notebookPaths`.
 */
export async function executeNotebooks(
  notebookPaths: string[],
  outputFolder: string,
  options: ExecuteOptions = {},
  onFinished?: (index: number, outcome: NotebookOutcome) => void,
): Promise<NotebookOutcome[]> {
  const outputDir = resolve(outputFolder);
  const paths = notebookPaths.map((p) => resolve(p));
  const order = options.startOrder ?? paths.map((_, i) => i);
  if (order.length !== paths.length || new Set(order).size !== paths.length || order.some((i) => !(i in paths))) {
    throw new Error(`startOrder must list each of the ${paths.length} notebooks' indices once, got [${order.join(', ')}].`);
  }
  if (options.html) await copyFile(require.resolve('requirejs/require.js'), join(outputDir, 'require.js'));
  const outputOf = (index: number) => join(outputDir, basename(paths[index]));
  const job = {
    kernel: options.kernel ?? (await registerKernel('tslab')),
    timeout: options.cellTimeout ?? 300,
    concurrency: options.concurrency ?? 1,
    // camlab's template (the lab look, no MathJax) and require.js beside the page, as the classic Notebook has it.
    html: options.html ? { template_dir: join(ROOT, 'scripts', 'nbconvert'), require_js_url: 'require.js' } : null,
    notebooks: order.map((index) => ({
      index,
      source: paths[index],
      output: outputOf(index),
      workdir: resolve(options.workDir ?? dirname(paths[index])),
      execute: !options.publishAsIs?.includes(index),
    })),
  };
  const outcomes: (NotebookOutcome | undefined)[] = new Array(paths.length);
  const child = spawn(JUPYTER_PYTHON, [join(ROOT, 'scripts', 'execute_notebooks.py')], {
    env: { ...quietPython(), ...privateJupyterEnv(), ...options.env },
    cwd: job.notebooks[0]?.workdir ?? outputDir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-64 * 1024)));
  const finishing: Promise<void>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    // Only the script's own reports: the kernels it starts write to the same stdout.
    if (!line.startsWith(REPORT)) return;
    const report = JSON.parse(line.slice(REPORT.length)) as Report;
    const finished = outcomeOf(report, outputOf(report.index)).then((outcome) => {
      outcomes[report.index] = outcome;
      onFinished?.(report.index, outcome);
    });
    finished.catch(() => {}); // awaited below, once the client has exited; not unhandled meanwhile
    finishing.push(finished);
  });
  const exit = new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  child.stdin.end(JSON.stringify(job));
  try {
    const code = await exit;
    await Promise.all(finishing);
    const missing = outcomes.flatMap((o, i) => (o ? [] : [i]));
    if (missing.length) {
      const detail = stderr
        .split('\n')
        .filter((l) => !/Debugger|frozen|PYDEVD/.test(l))
        .slice(-30)
        .join('\n');
      const error = new Error(
        `executing ${missing.map((i) => basename(paths[i])).join(', ')} failed (the Jupyter client exited with ${code}):\n${detail}`,
      );
      for (const i of missing) outcomes[i] = { error };
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
  return outcomes as NotebookOutcome[];
}

async function outcomeOf(report: Report, executed: string): Promise<NotebookOutcome> {
  if (report.error !== null) return { error: new Error(`executing ${basename(executed)} failed: ${report.error}`) };
  let notebook: Notebook;
  try {
    notebook = JSON.parse(await readFile(executed, 'utf8')) as Notebook;
  } catch (error) {
    return {
      error: new Error(`executing ${basename(executed)} failed: its executed copy could not be read back (${(error as Error).message})`),
    };
  }
  const errors = [...new Set([...report.failed, ...errorOutputCells(notebook)])]
    .sort((x, y) => x - y)
    .map((i) => `cell ${i + 1}: ${describeFailure(notebook.cells[i])}`);
  return { executed: { notebook, path: executed, errors, seconds: report.seconds } };
}

/** Executes one notebook (see executeNotebooks); a notebook that could not run at all throws. */
export async function executeNotebook(notebookPath: string, outputFolder: string, options: ExecuteOptions = {}): Promise<ExecutedNotebook> {
  const [outcome] = await executeNotebooks([notebookPath], outputFolder, options);
  if ('error' in outcome) throw outcome.error;
  return outcome.executed;
}

function errorOutputCells(notebook: Notebook): number[] {
  return notebook.cells.flatMap((cell, i) => ((cell.outputs ?? []).some((o) => o.output_type === 'error') ? [i] : []));
}

/** The first line of what the cell said about its failure. */
function describeFailure(cell: NotebookCell): string {
  const error = (cell.outputs ?? []).find((o) => o.output_type === 'error');
  if (error) return `${error.ename}: ${error.evalue}`;
  const stderr = (cell.outputs ?? [])
    .filter((o) => o.name === 'stderr')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('');
  // tslab prints the throwing source line before "Name: message"; the message is what says what failed.
  const lines = stderr.split('\n').map((line) => line.trim());
  return (
    lines.find((line) => /^[A-Z]\w*(Error|Exception)\b/.test(line)) ?? lines.find((line) => /error/i.test(line)) ?? lines[0] ?? 'failed'
  );
}

/** The text a cell printed (stdout streams and text/plain results). */
export function cellText(cell: NotebookCell): string {
  const join = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : (t ?? ''));
  return (cell.outputs ?? [])
    .map((o) => (o.output_type === 'stream' && o.name === 'stdout' ? join(o.text) : join(o.data?.['text/plain'])))
    .join('');
}
