// npm run bench: milliseconds per image for a bare predict, CAM and each gradient method (median of runs),
// with each image's top class, a given class per image (classIndex) and the top 3 classes, and what
// show() costs, on this machine's backend. Prints Markdown tables. RUNS=n sets the repetitions,
// MODELS=resnet (or digits), METHODS=CAM,Grad-CAM and BATCHES=1 (default 1,8) measure only those.
import { tf, ready, classActivationMap, gradCam, gradCamPlusPlus, layerCam, hiResCam, eigenCam, scoreCam, heatmapFigure, figurePng, figureHtml, type Heatmap, type CamResult, type MethodOptions } from '../src';
import { digitsGapCnn } from '../src/model/architectures/digits';
import { resnet50Architecture } from '../src/model/architectures/resnet50';

const RUNS = Number(process.env.RUNS ?? 5);
type Explainer = (model: tf.LayersModel, images: tf.Tensor4D, options?: MethodOptions) => Promise<CamResult[]>;
const CHOICES: [string, MethodOptions][] = [['top-1', {}], ['classIndex', { classIndex: 3 }], ['topK 3', { topK: 3 }]];

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
 * The median time of `body`, and the ratio of its fastest run to the fastest of `baseline`, measured in
 * alternation with it: other processes on the same cores only ever add time, and alternating keeps
 * drift out of the ratio.
 */
async function paired(runs: number, baseline: () => Promise<void>, body: () => Promise<void>): Promise<{ ms: number; ratio: number }> {
  await baseline();
  await body();
  const [base, times]: number[][] = [[], []];
  for (let i = 0; i < runs; i++) {
    base.push(await cpuTime(baseline));
    times.push(await cpuTime(body));
  }
  return { ms: middle(times), ratio: Math.min(...times) / Math.min(...base) };
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
  const backend = await ready();
  const explainers: [string, Explainer][] = [
    ['CAM', classActivationMap],
    ['Grad-CAM', gradCam],
    ['Grad-CAM++', gradCamPlusPlus],
    ['Layer-CAM', layerCam],
    ['HiResCAM', hiResCam],
    ['Eigen-CAM', eigenCam],
  ].filter(([method]) => !process.env.METHODS || process.env.METHODS.split(',').includes(method as string)) as [string, Explainer][];
  const models = ([
    ['digits', 'digits GAP-CNN 64×64', () => digitsGapCnn(), [64, 64, 1], true],
    ['resnet', 'ResNet-50 224×224 (random weights)', () => resnet50Architecture(), [224, 224, 3], false],
  ] as const).filter(([key]) => !process.env.MODELS || process.env.MODELS.split(',').includes(key));
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
      for (const [method, run] of explainers) {
        for (const [choice, options] of CHOICES) {
          if (method === 'Eigen-CAM' && choice !== 'top-1') continue; // class-agnostic: the same work for any class
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
      rows.push([backend, name, '1', `Score-CAM: ${(perBatch / 32).toFixed(1)} ms per channel`, '', `≈ ${((perBatch / 32) * 2048 / 1000).toFixed(0)} s for 2048 channels (estimated)`, '']);
    }
    model.dispose();
  }
  console.log(table(['backend', 'model', 'batch', 'method', 'classes', 'ms per image', 'ratio to predict'], rows));
  console.log(`median of ${RUNS} runs after one warm-up, in CPU time of this process (the WASM backend runs on one thread); each ratio is fastest run to fastest bare predict, run in alternation with the method; every map is upsampled to the input and scaled`);
  console.log();
  console.log(await figureTable());
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
  const heatmap: Heatmap = { width: 224, height: 224, data: new Float32Array(224 * 224).map((_, i) => Math.exp(-(((i % 224) - 150) ** 2 + (Math.floor(i / 224) - 80) ** 2) / 2000)) };
  let bytes = { first: 0, further: 0 };
  const ms = await median(RUNS, async () => {
    const figure = heatmapFigure(image, heatmap, { title: 'benchmark', boxes: [{ box: { x: 100, y: 40, width: 90, height: 80 }, label: 'box' }] });
    const png = await figurePng(figure);
    bytes = { first: figureHtml(figure, png, { includePlotly: true }).length, further: figureHtml(figure, png, { includePlotly: false }).length };
  });
  image.dispose();
  return table(
    ['figure', 'ms per show() (PNG + HTML)', 'first figure', 'each further figure'],
    [['224×224 heat map with a box', ms.toFixed(1), `${(bytes.first / 1e6).toFixed(2)} MB`, `${(bytes.further / 1e3).toFixed(0)} KB`]],
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
