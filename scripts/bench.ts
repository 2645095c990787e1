// npm run bench: milliseconds per image for a bare predict, CAM and each gradient method (median of runs),
// with each image's top class, a given class per image (classIndex) and the top 3 classes, and what
// show() costs, on this machine's backend; then one image on 1 and N WASM threads, and `camlab cam` on a
// folder (start-up included) beside PyTorch. Prints Markdown tables. RUNS=n sets the repetitions,
// MODELS=resnet (or digits), METHODS=CAM,Grad-CAM and BATCHES=1 (default 1,8) measure only those (METHODS
// names as in the table, e.g. 'Grad-CAM,XGrad-CAM,EigenGrad-CAM,Ablation-CAM'); BENCH_ONLY=threads,folder,drawing
// runs only those tables (mobilenet: MobileNet v1 1.0), BENCH_ONLY=methods only the methods table; POOL_IMAGES=16,64 and POOL_ROUNDS=2 shape them.
import {
  tf,
  ready,
  classActivationMap,
  gradCam,
  gradCamPlusPlus,
  layerCam,
  hiResCam,
  eigenCam,
  xGradCam,
  eigenGradCam,
  ablationCam,
  scoreCam,
  heatmapFigure,
  figurePng,
  figureHtml,
  explorerFigure,
  drawingFigure,
  loadDefaultModel,
  loadSamples,
  type Heatmap,
  type CamResult,
  type MethodOptions,
} from '../src';
import { digitsGapCnn } from '../src/model/architectures/digits';
import { resnet50Architecture } from '../src/model/architectures/resnet50';
import { mobilenetV1Architecture } from '../src/model/architectures/mobilenet';
import { present } from '../src/errors';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { saveModel } from '../src';
import { tfjsLoaderScript } from '../src/plot/drawing-page';

const RUNS = Number(process.env.RUNS ?? 5);
type Explainer = (model: tf.LayersModel, images: tf.Tensor4D, options?: MethodOptions) => Promise<CamResult[]>;
const CHOICES: [string, MethodOptions][] = [
  ['top-1', {}],
  ['classIndex', { classIndex: 3 }],
  ['topK 3', { topK: 3 }],
];

/** CPU milliseconds of this process (user + system): unlike wall time, not inflated by other processes on shared cores. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function median(runs: number, body: () => Promise<void>): Promise<number> {
  await body(); // warm-up: kernels compiled, sub-models built
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await cpuTime(body));
  return middle(times);
}

/**
 * The median time of `body`, and the median of its ratios to `baseline` run right beside it, in
 * alternating order (AB, BA, …). This machine's speed drifts by ±20 % within a minute (a bare
 * predict of ResNet-50 took 433 ms and 930 ms in one session); a pair shares the moment it ran in,
 * so the drift cancels in each ratio, and the median drops the pairs a burst of other work split.
 */
async function paired(runs: number, baseline: () => Promise<void>, body: () => Promise<void>): Promise<{ ms: number; ratio: number }> {
  await baseline();
  await body();
  const [times, ratios]: number[][] = [[], []];
  for (let i = 0; i < runs; i++) {
    const [first, second] = i % 2 === 0 ? [baseline, body] : [body, baseline];
    const a = await cpuTime(first);
    const b = await cpuTime(second);
    const [base, time] = i % 2 === 0 ? [a, b] : [b, a];
    times.push(time);
    ratios.push(time / base);
  }
  return { ms: middle(times), ratio: middle(ratios) };
}

async function cpuTime(body: () => Promise<void>): Promise<number> {
  const start = cpuMs();
  await body();
  return cpuMs() - start;
}

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${' --- |'.repeat(header.length)}`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  // The per-method tables below time CPU of this process: on one thread, as they always were. The
  // threads and folder tables run their own processes with the threads each setting names.
  process.env.CAMLAB_THREADS ??= '1';
  const backend = await ready();
  const only = process.env.BENCH_ONLY?.split(',');
  if (only && !only.includes('methods')) {
    if (only.includes('mobilenet')) console.log(await mobilenetTable(backend), '\n');
    if (only.includes('threads')) console.log(await threadsTable(), '\n');
    if (only.includes('folder') || only.includes('pool')) console.log(await folderTable());
    if (only.includes('drawing')) console.log(await drawingTable());
    return;
  }
  const explainers: [string, Explainer][] = [
    ['CAM', classActivationMap],
    ['Grad-CAM', gradCam],
    ['Grad-CAM++', gradCamPlusPlus],
    ['Layer-CAM', layerCam],
    ['HiResCAM', hiResCam],
    ['Eigen-CAM', eigenCam],
    ['XGrad-CAM', xGradCam],
    ['EigenGrad-CAM', eigenGradCam],
    ['Ablation-CAM', ablationCam],
    ['Grad-CAM+augSmooth', ((model, images, options) => gradCam(model, images, { ...options, augSmooth: true })) as Explainer],
    ['Grad-CAM+eigenSmooth', ((model, images, options) => gradCam(model, images, { ...options, eigenSmooth: true })) as Explainer],
  ].filter(([method]) => !process.env.METHODS || process.env.METHODS.split(',').includes(method as string)) as [string, Explainer][];
  const models = (
    [
      ['digits', 'digits GAP-CNN 64×64', () => digitsGapCnn(), [64, 64, 1], true],
      ['resnet', 'ResNet-50 224×224 (random weights)', () => resnet50Architecture(), [224, 224, 3], false],
    ] as const
  ).filter(([key]) => !process.env.MODELS || process.env.MODELS.split(',').includes(key));
  const rows: string[][] = [];
  for (const [, name, build, shape, fullScoreCam] of models) {
    const model = build();
    for (const batch of (process.env.BATCHES ?? '1,8').split(',').map(Number)) {
      const images = tf.randomUniform([batch, ...shape], 0, 255, 'float32', 7) as tf.Tensor4D;
      const bare = async () => {
        const out = model.predict(images) as tf.Tensor;
        await out.data();
        out.dispose();
      };
      const predict = (await median(RUNS, bare)) / batch;
      rows.push([backend, name, String(batch), 'bare predict', '', predict.toFixed(1), '1.00']);
      // The same predict paired with itself: how far from 1.00 a ratio strays on this machine by chance.
      const again = await paired(RUNS, bare, bare);
      rows.push([
        backend,
        name,
        String(batch),
        'bare predict again (noise floor)',
        '',
        (again.ms / batch).toFixed(1),
        again.ratio.toFixed(2),
      ]);
      for (const [method, run] of explainers) {
        for (const [choice, options] of CHOICES) {
          if (method === 'Eigen-CAM' && choice !== 'top-1') continue; // class-agnostic: the same work for any class
          if (choice !== 'top-1' && !['CAM', 'Grad-CAM', 'Grad-CAM++', 'Layer-CAM', 'HiResCAM'].includes(method)) continue; // the newer methods: top-1 beside Grad-CAM's
          const { ms, ratio } = await paired(RUNS, bare, async () => void (await run(model, images, options)));
          rows.push([backend, name, String(batch), method, choice, (ms / batch).toFixed(1), ratio.toFixed(2)]);
          console.error(`measured ${name}, batch ${batch}, ${method}, ${choice}: ${ratio.toFixed(2)}× predict`);
        }
      }
      if (fullScoreCam && batch === 1) {
        const ms = await median(Math.min(RUNS, 3), async () => void (await scoreCam(model, images)));
        rows.push([backend, name, '1', 'Score-CAM (64 channels)', 'top-1', ms.toFixed(1), (ms / predict).toFixed(2)]);
      }
      images.dispose();
    }
    if (!fullScoreCam) {
      // Score-CAM runs one forward pass per channel; time one batch of 32 masked inputs and scale to the layer.
      const masked = tf.randomUniform([32, ...shape], 0, 255, 'float32', 9) as tf.Tensor4D;
      const perBatch = await median(Math.min(RUNS, 3), async () => {
        const out = model.predict(masked, { batchSize: 32 }) as tf.Tensor;
        await out.data();
        out.dispose();
      });
      masked.dispose();
      rows.push([
        backend,
        name,
        '1',
        `Score-CAM: ${(perBatch / 32).toFixed(1)} ms per channel`,
        '',
        `≈ ${(((perBatch / 32) * 2048) / 1000).toFixed(0)} s for 2048 channels (estimated)`,
        '',
      ]);
    }
    model.dispose();
  }
  console.log(table(['backend', 'model', 'batch', 'method', 'classes', 'ms per image', 'ratio to predict'], rows));
  console.log(
    `median of ${RUNS} runs after one warm-up, in CPU time of this process (the WASM backend runs on one thread); each ratio is the median of the method's runs each divided by a bare predict run beside it (alternating order); every map is upsampled to the input and scaled`,
  );
  if (only?.includes('methods')) return;
  console.log();
  console.log(await mobilenetTable(backend));
  console.log();
  console.log(await figureTable());
  console.log();
  console.log(await drawingTable());
  console.log();
  console.log(await threadsTable());
  console.log();
  console.log(await folderTable());
}

/**
 * The drawing figure in headless chromium (a plain page from a file): how long from the end of a stroke
 * (the pointerup event) to the updated maps (computed; painted, at the next frame), beside a bare predict
 * of the same model in the same page, and what the page weighs.
 */
async function drawingTable(): Promise<string> {
  const { launchChromium } = await import('../test/helpers/browser');
  const { pathToFileURL } = await import('node:url');
  const model = await loadDefaultModel();
  const figure = await drawingFigure(model);
  model.dispose();
  const html = figureHtml(figure, await figurePng(figure), { includePlotly: false });
  const dir = await mkdtemp(join(tmpdir(), 'camlab-bench-drawing-'));
  const context = await launchChromium();
  try {
    await writeFile(join(dir, 'page.html'), `<!doctype html><meta charset="utf-8"><title>bench</title><body>${html}</body>`);
    const page = await context.newPage();
    const opened = Date.now();
    await page.goto(pathToFileURL(join(dir, 'page.html')).href);
    await page.waitForFunction(
      () => (document.querySelector('.camlab-drawing-figure') as unknown as { camlabDrawing?: { ready: boolean } })?.camlabDrawing?.ready,
      undefined,
      { timeout: 60000 },
    );
    const readyMs = Date.now() - opened;
    const box = present(await page.locator('canvas.cd-draw').boundingBox(), 'the drawing canvas is not laid out');
    const [computed, painted, predicts, during]: number[][] = [[], [], [], []];
    for (let run = 0; run < Math.max(5, RUNS); run++) {
      const x = box.x + box.width * (0.25 + 0.1 * (run % 6));
      const before = await page.evaluate(
        () => (document.querySelector('.camlab-drawing-figure') as unknown as { camlabDrawing: { updates: number } }).camlabDrawing.updates,
      );
      await page.mouse.move(x, box.y + box.height * 0.2);
      await page.mouse.down();
      for (let i = 1; i <= 8; i++) await page.mouse.move(x + i, box.y + box.height * (0.2 + 0.07 * i));
      await page.mouse.up();
      await page.waitForFunction(
        (n) =>
          (document.querySelector('.camlab-drawing-figure') as unknown as { camlabDrawing: { latency: unknown; updates: number } })
            .camlabDrawing.updates > n,
        before,
      );
      await page.waitForTimeout(100);
      const measured = await page.evaluate(async () => {
        const root = document.querySelector('.camlab-drawing-figure') as unknown as {
          camlabDrawing: { latency: { computed: number; painted: number }; updates: number };
        };
        const w = window as unknown as {
          __camlabTf: Promise<{ zeros(shape: number[]): { dispose(): void } }>;
          __camlabModels: Record<
            string,
            { loaded: Promise<{ predict(x: unknown): { dataSync(): unknown; dispose(): void }; inputs: { shape: number[] }[] }> }
          >;
        };
        const tf = await w.__camlabTf;
        const net = await Object.values(w.__camlabModels)[0].loaded;
        const x = tf.zeros([1, ...net.inputs[0].shape.slice(1)]);
        const start = performance.now();
        const y = net.predict(x);
        y.dataSync();
        const predict = performance.now() - start;
        y.dispose();
        x.dispose();
        return { ...root.camlabDrawing.latency, predict, updates: root.camlabDrawing.updates };
      });
      computed.push(measured.computed);
      painted.push(measured.painted);
      predicts.push(measured.predict);
      during.push(measured.updates - before - 1);
    }
    const ms = (values: number[]) => middle(values).toFixed(1);
    return [
      table(
        ['drawing figure in headless chromium (WASM in the page)', 'median ms', 'ratio to a bare predict in the page'],
        [
          ['bare predict of the digits GAP-CNN (64×64), in the page', ms(predicts), '1.00'],
          [
            'end of a stroke → maps computed (probabilities, 2 CAMs, boxes)',
            ms(computed),
            (middle(computed) / middle(predicts)).toFixed(2),
          ],
          ['end of a stroke → maps painted (next frame)', ms(painted), (middle(painted) / middle(predicts)).toFixed(2)],
        ],
      ),
      `median of ${computed.length} strokes (mouse, 9 points each; ${middle(during).toFixed(0)} updates while drawing per stroke); page ready ${readyMs} ms after opening; target: ≤ 100 ms from stroke to map. Page weight: ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB (TensorFlow.js and the WASM backend ${(Buffer.byteLength(tfjsLoaderScript()) / 1e6).toFixed(2)} MB, the model's weights and topology ${((Buffer.byteLength(html) - Buffer.byteLength(tfjsLoaderScript())) / 1e6).toFixed(2)} MB with the widget and PNG).`,
    ].join('\n');
  } finally {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * MobileNet v1 1.0 (random weights, Keras's layers, as tfjs-models hosts it): predict, CAM, and Grad-CAM
 * at the last block and at an inner one (conv_pw_11_relu, 14×14), whose backward pass runs through
 * camlab's depthwise-convolution gradients on WASM. BENCH_ONLY=mobilenet prints only this table.
 */
async function mobilenetTable(backend: string): Promise<string> {
  const model = mobilenetV1Architecture({ alpha: 1, size: 224 });
  const rows: string[][] = [];
  const inner = 'conv_pw_11_relu';
  for (const batch of (process.env.BATCHES ?? '1,8').split(',').map(Number)) {
    const images = tf.randomUniform([batch, 224, 224, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    const input = tf.sub(tf.div(images, 127.5), 1);
    const bare = async () => {
      const out = model.predict(input) as tf.Tensor;
      await out.data();
      out.dispose();
    };
    const predict = (await median(RUNS, bare)) / batch;
    rows.push([backend, String(batch), 'bare predict', '', predict.toFixed(1), '1.00']);
    const runs: [string, string, () => Promise<unknown>][] = [
      ['CAM', 'top-1', () => classActivationMap(model, images)],
      ['Grad-CAM at conv_pw_13_relu (7×7)', 'classIndex', () => gradCam(model, images, { classIndex: 3 })],
      [`Grad-CAM at ${inner} (14×14)`, 'classIndex', () => gradCam(model, images, { layer: inner, classIndex: 3 })],
      [`Grad-CAM at ${inner} (14×14)`, 'top-1', () => gradCam(model, images, { layer: inner })],
    ];
    for (const [method, choice, run] of runs) {
      const { ms, ratio } = await paired(RUNS, bare, async () => void (await run()));
      rows.push([backend, String(batch), method, choice, (ms / batch).toFixed(1), ratio.toFixed(2)]);
      console.error(`measured MobileNet v1 1.0, batch ${batch}, ${method}, ${choice}: ${ratio.toFixed(2)}× predict`);
    }
    tf.dispose([images, input]);
  }
  model.dispose();
  return [
    table(['backend', 'batch', 'MobileNet v1 1.0 224×224 (random weights)', 'classes', 'ms per image', 'ratio to predict'], rows),
    `median of ${RUNS} runs, CPU time, ratios paired with a bare predict beside them; inputs get MobileNet's own 'tf' preprocessing (the predict is given preprocessed inputs)`,
  ].join('\n');
}

/**
 * One ResNet-50 image on 1 thread and on every core's thread (the default), each setting in its own
 * process (a process picks its threads once), alternating; wall time, since threads are the point.
 */
async function threadsTable(): Promise<string> {
  const cores = availableParallelism();
  const settings = [...new Set([1, Math.min(cores, 8)])];
  const rounds = Number(process.env.POOL_ROUNDS ?? 2);
  const times = new Map<number, { cam: number[]; gradcam: number[] }>(settings.map((t) => [t, { cam: [], gradcam: [] }]));
  const timesOf = (threads: number) => present(times.get(threads), `no times for ${threads} thread(s)`);
  for (let round = 0; round < rounds; round++) {
    for (const threads of round % 2 === 0 ? settings : [...settings].reverse()) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, 'bench-image.ts'), String(RUNS)], {
        env: { ...process.env, CAMLAB_QUIET: '1', CAMLAB_THREADS: String(threads) },
        maxBuffer: 1e6,
      });
      const measured = JSON.parse(stdout) as { threads: number; cam: number; gradcam: number };
      if (measured.threads !== threads) throw new Error(`asked for ${threads} threads, the backend runs ${measured.threads}`);
      timesOf(threads).cam.push(measured.cam);
      timesOf(threads).gradcam.push(measured.gradcam);
      console.error(`measured one image on ${threads} thread(s)`);
    }
  }
  const one = timesOf(1);
  const rows = settings.map((threads) => {
    const t = timesOf(threads);
    // Each round's ratio to that round's one-thread run, then their median: load that came and went weighs on both.
    const ratio = (key: 'cam' | 'gradcam') => middle(t[key].map((ms, i) => ms / one[key][i])).toFixed(2);
    return [String(threads), middle(t.cam).toFixed(0), ratio('cam'), middle(t.gradcam).toFixed(0), ratio('gradcam')];
  });
  return [
    table(['WASM threads', 'CAM ms', 'CAM ÷ 1 thread', 'Grad-CAM ms (given class)', 'Grad-CAM ÷ 1 thread'], rows),
    `One ResNet-50 224×224 image (random weights), wall time, median of ${RUNS} runs after a warm-up in each of ${rounds} alternating processes per setting, through dist/; ${cores} cores. Target: CAM on every core ≤ 0.60 × one thread.`,
  ].join('\n');
}

/**
 * `camlab cam FOLDER --model M --json` on 16 and 64 photograph-like PNGs (ResNet-50, random weights),
 * timed as a user waits for it: the whole command, start-up included. Settings, alternating in each
 * round with PyTorch's Grad-CAM: one worker on one thread (what camlab did before threads), one worker
 * on every core's threads (`--workers 1`), and the default (in-process on threads below WORKERS_FROM_JOBS images, else one worker per core).
 */
async function folderTable(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'camlab-bench-folder-'));
  try {
    const model = resnet50Architecture();
    await saveModel(model, join(dir, 'model'));
    model.dispose();
    const counts = (process.env.POOL_IMAGES ?? '16,64').split(',').map(Number);
    for (const count of counts) {
      await mkdir(join(dir, `images-${count}`));
      for (let n = 0; n < count; n++) {
        const data = Buffer.alloc(224 * 224 * 4, 255);
        for (let i = 0; i < 224 * 224; i++) {
          const [x, y] = [i % 224, Math.floor(i / 224)];
          for (let c = 0; c < 3; c++)
            data[i * 4 + c] = (x * (c + 1) + y * (n + 2) + ((x - 100 - n * 5) ** 2 + (y - 112) ** 2 < 1600 ? 90 : 0)) % 256;
        }
        await writeFile(
          join(dir, `images-${count}`, `photo-${String(n).padStart(3, '0')}.png`),
          await Jimp.fromBitmap({ width: 224, height: 224, data }).getBuffer('image/png'),
        );
      }
    }
    const settings = [
      { name: '--workers 1, 1 thread', threads: '1', args: ['--workers', '1'] },
      { name: '--workers 1 (threads)', threads: '', args: ['--workers', '1'] },
      { name: 'default', threads: '', args: [] },
    ];
    type Run = { wallMs: number; steadyMs: number; workers: string };
    const runs = new Map<string, Run[]>();
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    const measure = async (count: number, setting: (typeof settings)[number]): Promise<Run> => {
      const start = performance.now();
      const { stderr } = await promisify(execFile)(
        process.execPath,
        [cli, 'cam', join(dir, `images-${count}`), '--model', join(dir, 'model'), '--json', ...setting.args],
        { env: { ...process.env, CAMLAB_THREADS: setting.threads }, maxBuffer: 16e6 },
      );
      const wallMs = performance.now() - start;
      const summary = /explained \d+ of \d+ images \(\d+ maps\) in ([\d.]+) s/.exec(stderr);
      const pool = /(\d+ workers? \([^)]*\))/.exec(stderr);
      if (!summary || !pool) throw new Error(`camlab cam printed no summary: ${stderr.slice(-300)}`);
      console.error(`measured ${count} images, ${setting.name}: ${(wallMs / 1000).toFixed(1)} s`);
      return { wallMs, steadyMs: (Number(summary[1]) * 1000) / count, workers: pool[1] };
    };
    let torch: TorchTimes | string | undefined;
    const torchPerImage: number[] = [];
    const rounds = Number(process.env.POOL_ROUNDS ?? 2);
    for (let round = 0; round < rounds; round++) {
      for (const count of counts) {
        for (const setting of round % 2 === 0 ? settings : [...settings].reverse()) {
          const key = `${count} ${setting.name}`;
          runs.set(key, [...(runs.get(key) ?? []), await measure(count, setting)]);
        }
      }
      const next = await torchTimes();
      if (typeof next === 'string') torch ??= next;
      else {
        torchPerImage.push(next.gradcam_8);
        if (typeof torch !== 'object' || next.gradcam_8 < torch.gradcam_8) torch = next;
      }
    }
    const rows: string[][] = [];
    let steadyRatio = '';
    for (const count of counts) {
      const runsOf = (name: string) => present(runs.get(`${count} ${name}`), `no runs of ${count} images with ${name}`);
      const [single, threaded] = [runsOf(settings[0].name), runsOf(settings[1].name)];
      for (const setting of settings) {
        const r = runsOf(setting.name);
        const over = (base: Run[]) => middle(r.map((run, i) => base[i].wallMs / run.wallMs)).toFixed(2);
        rows.push([
          String(count),
          setting.name,
          r[0].workers,
          (middle(r.map((run) => run.wallMs)) / 1000).toFixed(1),
          middle(r.map((run) => run.steadyMs)).toFixed(0),
          over(single),
          over(threaded),
        ]);
        if (setting.name === 'default' && count === Math.max(...counts) && torchPerImage.length === r.length) {
          steadyRatio = middle(r.map((run, i) => run.steadyMs / torchPerImage[i])).toFixed(2);
        }
      }
    }
    const reference =
      typeof torch === 'object'
        ? `PyTorch ${torch.torch} on ${torch.threads} threads, in the same rounds (scripts/bench_torch.py): Grad-CAM ${torch.gradcam_8.toFixed(0)} ms per image at batch 8 (${torch.gradcam_1.toFixed(0)} at batch 1), forward ${torch.forward_8.toFixed(0)} ms (${torch.forward_1.toFixed(0)}) (fastest round). The default's steady state per image on ${Math.max(...counts)} images ÷ PyTorch's Grad-CAM per image at batch 8, median of the rounds' ratios: ${steadyRatio} (target ≤ 1.2).`
        : `PyTorch reference not measured: ${torch}.`;
    return [
      table(
        [
          'images',
          'setting',
          'workers (backend, threads)',
          'command s (start-up included)',
          'steady ms per image',
          'speed-up over 1 worker, 1 thread',
          'speed-up over --workers 1',
        ],
        rows,
      ),
      `\`camlab cam FOLDER --model M --json\`, ResNet-50 224×224 (random weights, CAM where exact), PNGs, through dist/ (as installed); the command's wall time, median of ${rounds} alternating rounds; each speed-up is the median of the rounds' ratios. "Steady" is the command's own summary (after the model is open) per image. ${availableParallelism()} cores. Targets: the default ≥ 1.6× one worker on one thread at 16 images, ≥ 1.8× at 64.`,
      reference,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface TorchTimes {
  torch: string;
  threads: number;
  forward_1: number;
  gradcam_1: number;
  forward_8: number;
  gradcam_8: number;
}

/** PyTorch's Grad-CAM on the same machine (scripts/bench_torch.py), or why it could not run. */
async function torchTimes(): Promise<TorchTimes | string> {
  const python = process.env.CAMLAB_BENCH_PYTHON ?? '/usr/bin/python3';
  try {
    const { stdout } = await promisify(execFile)(python, [join(__dirname, 'bench_torch.py'), String(Math.max(3, RUNS))], {
      maxBuffer: 1e6,
    });
    console.error('measured PyTorch Grad-CAM');
    return JSON.parse(stdout) as TorchTimes;
  } catch (error) {
    const message = (error as { stderr?: string; message: string }).stderr || (error as Error).message;
    return /No module named '(torch|torchvision)'/.test(message)
      ? `${python} has no PyTorch (bash scripts/setup-system.sh bench installs Debian's python3-torch and python3-torchvision; CAMLAB_BENCH_PYTHON names another Python)`
      : `${python} scripts/bench_torch.py failed: ${message.trim().split('\n').pop()}`;
  }
}

/** What show() does for a 224×224 heat map (the PNG fallback and the HTML), without the notebook around it. */
async function figureTable(): Promise<string> {
  // A photograph-like picture: smooth shading, a few shapes, mild noise (pure noise would be the worst case for any codec).
  const image = tf.tidy(() => {
    const [y, x] = [tf.reshape(tf.range(0, 224), [224, 1, 1]), tf.reshape(tf.range(0, 224), [1, 224, 1])];
    const shade = tf.add(tf.mul(x, 0.5), tf.mul(y, 0.3));
    const disc = tf.mul(tf.cast(tf.less(tf.add(tf.square(tf.sub(x, 140)), tf.square(tf.sub(y, 90))), 1600), 'float32'), 90);
    const rgb = tf.concat([tf.add(shade, disc), tf.add(tf.mul(shade, 0.8), 40), tf.sub(200, tf.mul(shade, 0.5))], 2);
    return tf.clipByValue(tf.add(rgb, tf.randomNormal([224, 224, 3], 0, 6, 'float32', 3)), 0, 255) as tf.Tensor3D;
  });
  const heatmap: Heatmap = {
    width: 224,
    height: 224,
    data: new Float32Array(224 * 224).map((_, i) => Math.exp(-(((i % 224) - 150) ** 2 + (Math.floor(i / 224) - 80) ** 2) / 2000)),
  };
  let bytes = { first: 0, further: 0 };
  const ms = await median(RUNS, async () => {
    const figure = heatmapFigure(image, heatmap, {
      title: 'benchmark',
      boxes: [{ box: { x: 100, y: 40, width: 90, height: 80 }, label: 'box' }],
    });
    const png = await figurePng(figure);
    bytes = {
      first: figureHtml(figure, png, { includePlotly: true }).length,
      further: figureHtml(figure, png, { includePlotly: false }).length,
    };
  });
  image.dispose();
  return table(
    ['figure', 'ms per show() (PNG + HTML)', 'first figure', 'each further figure'],
    [
      ['224×224 heat map with a box', ms.toFixed(1), `${(bytes.first / 1e6).toFixed(2)} MB`, `${(bytes.further / 1e3).toFixed(0)} KB`],
      await explorerRow(),
    ],
  );
}

/** The explorer of the tutorial's notebook 06: 10 classes × 4 layers × 3 methods of the embedded model (maps computed once). */
async function explorerRow(): Promise<string[]> {
  const model = await loadDefaultModel();
  const samples = await loadSamples();
  const options = {
    layers: ['features', 'block3_conv1', 'block2_conv2', 'block1_conv1'],
    methods: ['cam', 'gradcam', 'layercam'] as const,
  };
  let bytes = { first: 0, further: 0 };
  const ms = await median(Math.min(RUNS, 3), async () => {
    const figure = await explorerFigure(model, samples[0].image, { ...options, methods: [...options.methods] });
    const png = await figurePng(figure);
    bytes = {
      first: figureHtml(figure, png, { includePlotly: true }).length,
      further: figureHtml(figure, png, { includePlotly: false }).length,
    };
  });
  model.dispose();
  tf.dispose(samples.map((s) => s.image));
  return [
    'explorer, digits GAP-CNN: 10 classes × 4 layers × 3 methods (90 maps)',
    `${ms.toFixed(0)} (maps computed + PNG + HTML)`,
    `${(bytes.first / 1e6).toFixed(2)} MB`,
    `${(bytes.further / 1e3).toFixed(0)} KB`,
  ];
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
