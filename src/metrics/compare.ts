import { tf } from '../tf';
import { explain } from '../cam/explain';
import type { MethodName } from '../cam/methods/method';
import { toModelInput } from '../image/model-input';
import type { Heatmap } from '../image/heatmap';
import { boundingBox, iou } from '../localize/box';
import { Random } from '../random';
import { averageDropAndIncrease, faithfulness, type Faithfulness } from './faithfulness';
import { IOU_CORRECT, peakInside, type LabelledImage } from './localization';

/** A way to make a heat map of one image for one class: a method of the family or a baseline. */
export interface MapMaker {
  name: string;
  make(model: tf.LayersModel, image: tf.Tensor3D, classIndex: number, index: number): Promise<Heatmap>;
}

export function methodMaker(method: MethodName): MapMaker {
  return { name: method, make: async (model, image, classIndex) => (await explain(model, image, { method, classIndex }))[0].heatmap };
}

/** Uniform noise: what a map that knows nothing scores. Seeded per image. */
export const randomMapMaker: MapMaker = {
  name: 'random map',
  make: async (_model, image, _c, index) => {
    const [height, width] = image.shape;
    const random = new Random(1000 + index);
    return { width, height, data: Float32Array.from({ length: width * height }, () => random.next()) };
  },
};

/** A Gaussian at the centre (σ a quarter of the side): the prior that objects sit in the middle. */
export const centreGaussianMaker: MapMaker = {
  name: 'centre Gaussian',
  make: async (_model, image) => {
    const [height, width] = image.shape;
    const [sx, sy] = [width / 4, height / 4];
    const data = new Float32Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.exp(-(((x - (width - 1) / 2) / sx) ** 2 + ((y - (height - 1) / 2) / sy) ** 2) / 2);
    return { width, height, data };
  },
};

export interface MethodScore {
  name: string;
  gtKnownLocalization: number;
  pointingGame: number;
  meanIou: number;
  deletion: number;
  insertion: number;
  averageDrop: number;
  increase: number;
  msPerImage: number;
}

/** Each maker's maps of the true class, scored for localization (at `threshold`) and faithfulness. */
export async function compareMethods(model: tf.LayersModel, samples: LabelledImage[], makers: MapMaker[], options: { threshold: number; steps?: number }): Promise<MethodScore[]> {
  const rows: MethodScore[] = [];
  for (const maker of makers) {
    let [located, pointed, iouSum, makeMs] = [0, 0, 0, 0];
    const scores: Faithfulness[] = [];
    for (const [index, sample] of samples.entries()) {
      const started = performance.now();
      const heatmap = await maker.make(model, sample.image, sample.label, index);
      makeMs += performance.now() - started;
      const overlap = iou(boundingBox(heatmap, { threshold: options.threshold }), sample.box);
      iouSum += overlap;
      if (overlap >= IOU_CORRECT) located++;
      if (peakInside(heatmap, sample.box)) pointed++;
      const input = toModelInput(sample.image, model);
      scores.push(await faithfulness(model, input, heatmap, sample.label, { steps: options.steps }));
      input.dispose();
    }
    const n = samples.length || 1;
    const { averageDrop, increase } = averageDropAndIncrease(scores);
    rows.push({
      name: maker.name,
      gtKnownLocalization: located / n,
      pointingGame: pointed / n,
      meanIou: iouSum / n,
      deletion: scores.reduce((s, f) => s + f.deletion, 0) / n,
      insertion: scores.reduce((s, f) => s + f.insertion, 0) / n,
      averageDrop,
      increase,
      msPerImage: makeMs / n,
    });
  }
  return rows;
}

/** The comparison as a Markdown table. */
export function formatMethodTable(rows: MethodScore[], threshold: number): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const header = `| map | GT-known loc @ ${threshold} | pointing game | mean IoU | deletion AUC ↓ | insertion AUC ↑ | average drop ↓ | increase in confidence ↑ | ms per map |`;
  const lines = rows.map((r) => `| ${r.name} | ${pct(r.gtKnownLocalization)} | ${pct(r.pointingGame)} | ${r.meanIou.toFixed(3)} | ${r.deletion.toFixed(3)} | ${r.insertion.toFixed(3)} | ${r.averageDrop.toFixed(1)}% | ${r.increase.toFixed(1)}% | ${r.msPerImage.toFixed(1)} |`);
  return [header, `|${' --- |'.repeat(9)}`, ...lines].join('\n');
}
