// The interactive path: Debian's classic Notebook server, a notebook run in chromium, a live Plotly heat map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkJupyter, registerKernel, privateJupyterEnv, JUPYTER_PYTHON, type Notebook } from '../scripts/jupyter';
import { NOTEBOOKS_DIR } from '../scripts/site';
import { launchChromium } from './helpers/browser';
import { forwardToSocket } from './helpers/net';
import type { BrowserContext } from 'playwright-core';

const DIR = join(__dirname, '..', 'test-artifacts', 'live');
const NAME = '04-class-activation-maps.ipynb';

async function waitForServer(url: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the Notebook server did not answer at ${url} within ${seconds} s`);
}

test('in the classic Notebook, running all cells of notebook 04 draws a live Plotly heat map', async () => {
  await checkJupyter();
  const kernel = await registerKernel();
  await mkdir(DIR, { recursive: true });
  // A copy without outputs, so that what appears was drawn by this session.
  const notebook = JSON.parse(await readFile(join(NOTEBOOKS_DIR, NAME), 'utf8')) as Notebook;
  for (const cell of notebook.cells) if (cell.cell_type === 'code') [cell.outputs, cell.execution_count] = [[], null];
  // The server finds camlab's private kernel (and only this process's server is told where it is).
  notebook.metadata.kernelspec = { name: kernel, display_name: 'TypeScript', language: 'typescript' };
  await writeFile(join(DIR, NAME), JSON.stringify(notebook));

  // The server listens on a UNIX socket and chromium reaches it through a port bound here (port 0):
  // no free-port guess that another process could take first.
  const socketDir = await mkdtemp(join(tmpdir(), 'camlab-live-'));
  const token = randomBytes(16).toString('hex');
  const server = spawn(
    JUPYTER_PYTHON,
    [
      '-m',
      'notebook',
      '--no-browser',
      '--allow-root',
      `--sock=${join(socketDir, 'notebook.sock')}`,
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${DIR}`,
      '--NotebookApp.open_browser=False',
    ],
    {
      env: { ...process.env, ...privateJupyterEnv(), PYDEVD_DISABLE_FILE_VALIDATION: '1', CAMLAB_QUIET: '1' },
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((done) => server.once('exit', () => done()));
  let forward: Awaited<ReturnType<typeof forwardToSocket>> | undefined;
  let context: BrowserContext | undefined;
  try {
    forward = await forwardToSocket(join(socketDir, 'notebook.sock'));
    context = await launchChromium();
    const base = `http://127.0.0.1:${forward.port}`;
    await waitForServer(`${base}/api/status?token=${token}`, 60);
    const offMachine: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (!url.startsWith(base) && !/^(data|blob):/.test(url)) {
        offMachine.push(url);
        return route.abort();
      }
      return route.continue();
    });
    const page = await context.newPage();
    await page.goto(`${base}/notebooks/${NAME}?token=${token}`);
    await page.waitForFunction(
      () => {
        const jupyter = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } }).Jupyter;
        return jupyter?.notebook?.kernel?.is_connected() === true;
      },
      undefined,
      { timeout: 60000 },
    );
    await page.evaluate(() =>
      (window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }).Jupyter.notebook.execute_all_cells(),
    );
    await page.waitForSelector('.camlab-live.js-plotly-plot .heatmaplayer', { timeout: 180000 });
    await page.waitForFunction(() => document.querySelectorAll('.camlab-live.js-plotly-plot').length >= 2, undefined, { timeout: 120000 });
    await page.screenshot({ path: join(DIR, 'live-notebook.png'), fullPage: true });
    // On a phone's width the live figures are laid out again inside their output areas.
    await page.setViewportSize({ width: 390, height: 844 });
    const fits = () =>
      Array.from(document.querySelectorAll('.camlab-live.js-plotly-plot svg.main-svg')).every((svg) => {
        const area = svg.closest('.output_subarea') ?? svg.closest('.camlab-figure')!.parentElement!;
        return (
          svg.getBoundingClientRect().right <= area.getBoundingClientRect().right + 0.5 &&
          svg.getBoundingClientRect().right <= window.innerWidth
        );
      });
    await page.waitForFunction(fits, undefined, { timeout: 15000 }).catch(() => undefined);
    const widths = await page
      .locator('.camlab-live.js-plotly-plot svg.main-svg')
      .evaluateAll((svgs) => svgs.map((s) => Math.round(s.getBoundingClientRect().right)));
    await page.screenshot({ path: join(DIR, 'live-notebook-390.png'), fullPage: true });
    assert.ok(await page.evaluate(fits), `figures end at ${widths} px on a 390 px screen`);
    const stderr = await page.locator('.output_stderr').allTextContents();
    assert.deepEqual(
      stderr.filter((t) => /error/i.test(t)),
      [],
    );
    assert.deepEqual(offMachine, []);
  } finally {
    await context?.close();
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 10000))]);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await Promise.race([
      new Promise((done) => (forward ? forward.server.close(done) : done(undefined))),
      new Promise((done) => setTimeout(done, 5000)),
    ]);
    await rm(socketDir, { recursive: true, force: true });
  }
});
