import { tf } from '../tf';
import { displayable } from '../display';
import { classActivationMap } from '../cam/class-activation-map';
import type { CamResult, ClassTargets } from '../cam/types';
import { boundingBox, iou, type Box } from '../localize/box';
import type { Heatmap } from '../image/heatmap';

/** What the evaluation needs of a sample: its pixels as a tensor, its class and its true box. */
export interface LabelledImage {
  image: tf.Tensor3D;
  label: number;
  box: Box;
}

export interface ThresholdScore {
  threshold: number;
  /** Class right and box IoU ≥ 0.5. */
  top1Localization: number;
  /** Box from the true class's CAM with IoU ≥ 0.5. */
  gtKnownLocalization: number;
  /** Mean IoU of the true class's CAM box. */
  meanIou: number;
}

export interface LocalizationReport {
  count: number;
  accuracy: number;
  /** Share of images where the true class's CAM peaks inside the true box. */
  pointingGame: number;
  byThreshold: ThresholdScore[];
  /** Per true digit: count, accuracy, the class it is most often mistaken for, GT-known localization per threshold. */
  byClass: {
    label: number;
    count: number;
    accuracy: number;
    confusedWith?: { label: number; count: number };
    gtKnownLocalization: number[];
  }[];
  /** The same rule applied to a fixed box at the image centre. */
  centreBaseline: { box: Box; localization: number; meanIou: number };
}

export const IOU_CORRECT = 0.5;

/** What makes the maps: a model (CAM in this thread) or a function with explain's shape, such as a pool's. */
export type MapSource = tf.LayersModel | ((images: tf.Tensor3D | tf.Tensor4D, targets: ClassTargets) => Promise<CamResult[]>);

/**
 * Localization "for free" (Zhou et al. 2016, section 3): boxes from CAMs at each threshold against the
 * true boxes, with classification accuracy, the pointing game and a centre-box baseline.
 * `baselineBox` is the box the baseline places at the centre (e.g. the mean training box).
 */
export async function evaluateLocalization(
  source: MapSource,
  samples: LabelledImage[],
  options: { thresholds: number[]; baselineBox: { width: number; height: number }; batchSize?: number },
): Promise<LocalizationReport> {
  const { thresholds } = options;
  const batchSize = options.batchSize ?? 100;
  const maps =
    typeof source === 'function'
      ? source
      : (images: tf.Tensor3D | tf.Tensor4D, targets: ClassTargets) => classActivationMap(source, images, targets);
  const records: { label: number; predicted: number; top1Boxes: Box[]; truthBoxes: Box[]; pointed: boolean; box: Box }[] = [];
  for (let start = 0; start < samples.length; start += batchSize) {
    const chunk = samples.slice(start, start + batchSize);
    const batch = tf.stack(chunk.map((s) => s.image)) as tf.Tensor4D;
    const top1 = await maps(batch, {}).finally(() => batch.dispose());
    // The true class's maps of the misclassified samples, asked for together so that a pool runs them side by side.
    const truths = await Promise.all(
      chunk.map(async (sample, i) =>
        top1[i].classIndex === sample.label ? top1[i] : (await maps(sample.image, { classIndex: sample.label }))[0],
      ),
    );
    for (const [i, sample] of chunk.entries()) {
      const predicted = top1[i];
      const truth = truths[i];
      const top1Boxes = thresholds.map((threshold) => boundingBox(predicted.heatmap, { threshold }));
      records.push({
        label: sample.label,
        predicted: predicted.classIndex,
        top1Boxes,
        // A correct prediction's map is the true class's map: its boxes are the same.
        truthBoxes: truth === predicted ? top1Boxes : thresholds.map((threshold) => boundingBox(truth.heatmap, { threshold })),
        pointed: peakInside(truth.heatmap, sample.box),
        box: sample.box,
      });
    }
  }
  const share = (count: number, of: number) => (of ? count / of : 0);
  const n = records.length;
  const byThreshold = thresholds.map((threshold, t) => ({
    threshold,
    top1Localization: share(records.filter((r) => r.predicted === r.label && iou(r.top1Boxes[t], r.box) >= IOU_CORRECT).length, n),
    gtKnownLocalization: share(records.filter((r) => iou(r.truthBoxes[t], r.box) >= IOU_CORRECT).length, n),
    meanIou: share(
      records.reduce((sum, r) => sum + iou(r.truthBoxes[t], r.box), 0),
      n,
    ),
  }));
  const labels = [...new Set(records.map((r) => r.label))].sort((a, b) => a - b);
  const byClass = labels.map((label) => {
    const mine = records.filter((r) => r.label === label);
    const wrong = new Map<number, number>();
    for (const r of mine) if (r.predicted !== label) wrong.set(r.predicted, (wrong.get(r.predicted) ?? 0) + 1);
    const worst = [...wrong.entries()].sort((a, b) => b[1] - a[1])[0];
    return {
      label,
      count: mine.length,
      accuracy: share(mine.filter((r) => r.predicted === label).length, mine.length),
      confusedWith: worst ? { label: worst[0], count: worst[1] } : undefined,
      gtKnownLocalization: thresholds.map((_, t) =>
        share(mine.filter((r) => iou(r.truthBoxes[t], r.box) >= IOU_CORRECT).length, mine.length),
      ),
    };
  });
  const [height, width] = samples[0]?.image.shape ?? [0, 0];
  const centre: Box = {
    x: Math.round((width - options.baselineBox.width) / 2),
    y: Math.round((height - options.baselineBox.height) / 2),
    width: Math.round(options.baselineBox.width),
    height: Math.round(options.baselineBox.height),
  };
  return displayable(
    {
      count: n,
      accuracy: share(records.filter((r) => r.predicted === r.label).length, n),
      pointingGame: share(records.filter((r) => r.pointed).length, n),
      byThreshold,
      byClass,
      centreBaseline: {
        box: centre,
        localization: share(records.filter((r) => iou(centre, r.box) >= IOU_CORRECT).length, n),
        meanIou: share(
          records.reduce((sum, r) => sum + iou(centre, r.box), 0),
          n,
        ),
      },
    },
    'localization-report',
  );
}

/** The pointing game: does the map's maximum fall inside the box? (Zhang et al. 2016) */
export function peakInside(map: Heatmap, box: Box): boolean {
  let best = 0;
  for (let i = 1; i < map.data.length; i++) if (map.data[i] > map.data[best]) best = i;
  const [x, y] = [best % map.width, Math.floor(best / map.width)];
  return x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
}

/** The threshold with the best GT-known localization (ties: the lower threshold). */
export function bestThreshold(report: LocalizationReport): number {
  return report.byThreshold.reduce((best, t) => (t.gtKnownLocalization > best.gtKnownLocalization ? t : best)).threshold;
}
