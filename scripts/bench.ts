// npm run bench: milliseconds per bare predict and per CAM, median of runs, on this machine's backend.
import { tf, ready, classActivationMap, heatmapFigure, figurePng, figureHtml, type Heatmap } from '../src';
import { digitsGapCnn } from '../src/model/architectures/digits';
import { resnet50Architecture } from '../src/model/architectures/resnet50';

const RUNS = Number(process.env.RUNS ?? 7);

async function median(runs: number, body: () => Promise<void>): Promise<number> {
  await body(); // warm-up: kernels compiled, sub-models built
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await body();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function main(): Promise<void> {
  const backend = await ready();
  const rows: string[][] = [];
  const models: [string, () => tf.LayersModel, [number, number, number]][] = [
    ['digits GAP-CNN 64×64', () => digitsGapCnn(), [64, 64, 1]],
    ['ResNet-50 224×224 (random weights)', () => resnet50Architecture(), [224, 224, 3]],
  ];
  for (const [name, build, shape] of models) {
    const model = build();
    for (const batch of [1, 8]) {
      const images = tf.randomUniform([batch, ...shape], 0, 255, 'float32', 7) as tf.Tensor4D;
      const predict = await median(RUNS, async () => {
        const out = model.predict(images) as tf.Tensor;
        await out.data();
        out.dispose();
      });
      const cam = await median(RUNS, async () => {
        await classActivationMap(model, images);
      });
      rows.push([backend, name, String(batch), predict.toFixed(1), cam.toFixed(1), (cam / predict).toFixed(2)]);
      console.error(`measured ${name}, batch ${batch}`);
      images.dispose();
    }
    model.dispose();
  }
  const header = ['backend', 'model', 'batch', 'predict ms', 'CAM ms', 'CAM / predict'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log(`median of ${RUNS} runs after one warm-up; CAM includes upsampling to the input size and min–max scaling`);
  console.log();
  console.log(await figureTable());
}

/** What show() does for a 224×224 heat map (the PNG fallback and the HTML), without the notebook around it. */
async function figureTable(): Promise<string> {
  const image = tf.randomUniform([224, 224, 3], 0, 255, 'float32', 3) as tf.Tensor3D;
  const heatmap: Heatmap = { width: 224, height: 224, data: new Float32Array(224 * 224).map((_, i) => Math.exp(-(((i % 224) - 150) ** 2 + (Math.floor(i / 224) - 80) ** 2) / 2000)) };
  let bytes = { first: 0, further: 0 };
  const ms = await median(RUNS, async () => {
    const figure = heatmapFigure(image, heatmap, { title: 'benchmark', boxes: [{ box: { x: 100, y: 40, width: 90, height: 80 }, label: 'box' }] });
    const png = await figurePng(figure);
    bytes = { first: figureHtml(figure, png, { includePlotly: true }).length, further: figureHtml(figure, png, { includePlotly: false }).length };
  });
  image.dispose();
  return [
    '| figure | ms per show() (PNG + HTML) | first figure | each further figure |',
    '| --- | --- | --- | --- |',
    `| 224×224 heat map with a box | ${ms.toFixed(1)} | ${(bytes.first / 1e6).toFixed(2)} MB | ${(bytes.further / 1e3).toFixed(0)} KB |`,
  ].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
