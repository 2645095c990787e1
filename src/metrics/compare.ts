import { displayable } from '../display';
import { tf } from '../tf';
import { inputFor } from '../model/metadata';
import type { Heatmap } from '../image/heatmap';
import { checkCompareOptions } from '../validate';
import type { MapMaker } from './map-maker';
import { road, type Road, type RoadOptions } from './road';
import { SANITY_RANK_CORRELATION, withRandomWeights } from './sanity';
import { rankCorrelation } from './similarity';
import { boundingBox, iou } from '../localize/box';
import { averageDropAndIncrease, faithfulness, type Faithfulness } from './faithfulness';
import { IOU_CORRECT, peakInside, type LabelledImage } from './localization';

export interface MethodScore {
  name: string;
  gtKnownLocalization: number;
  pointingGame: number;
  meanIou: number;
  deletion: number;
  insertion: number;
  averageDrop: number;
  increase: number;
  /** ROAD's mean class probability, most relevant pixels removed first (lower is better); NaN when not measured. */
  roadMorf: number;
  /** ROAD, least relevant first (higher is better). */
  roadLerf: number;
  /** ROAD's (LeRF − MoRF) / 2 (higher is better). */
  roadCombined: number;
  /** Mean rank correlation of each map with the same map after every weight is randomised (lower: the map depends on the model); NaN when not measured. */
  randomisedRankCorrelation: number;
  /** The sanity check's flag: the map stays alike on a random model (rank correlation ≥ SANITY_RANK_CORRELATION). */
  flagged: boolean;
  msPerImage: number;
}

export interface CompareOptions {
  /** Box threshold for the localization columns. */
  threshold: number;
  /** Points of the deletion and insertion curves (default 16). */
  steps?: number;
  /** ROAD's options, or false to leave ROAD out (default: its defaults). */
  road?: RoadOptions | false;
  /** Also make every map on the model with all its weights randomised, and compare (default true). */
  sanity?: boolean;
}

/**
 * Methods × metrics in one table: each maker's maps of the true class, scored for localization (at
 * `threshold`), faithfulness (deletion, insertion, Average Drop, Increase in Confidence, ROAD) and the
 * model-randomisation sanity check. Put baselines among the makers (randomMapMaker, centreGaussianMaker,
 * randomCamMaker, sobelEdgeMaker) to see what a map that explains nothing scores.
 */
export async function compareMethods(
  model: tf.LayersModel,
  samples: LabelledImage[],
  makers: MapMaker[],
  options: CompareOptions,
): Promise<MethodScore[]> {
  checkCompareOptions(options);
  const rows: MethodScore[] = [];
  for (const maker of makers) {
    let [located, pointed, iouSum, makeMs] = [0, 0, 0, 0];
    const scores: Faithfulness[] = [];
    const roads: Road[] = [];
    const heatmaps: Heatmap[] = [];
    for (const [index, sample] of samples.entries()) {
      const started = performance.now();
      const heatmap = await maker.make(model, sample.image, sample.label, index);
      makeMs += performance.now() - started;
      heatmaps.push(heatmap);
      const overlap = iou(boundingBox(heatmap, { threshold: options.threshold }), sample.box);
      iouSum += overlap;
      if (overlap >= IOU_CORRECT) located++;
      if (peakInside(heatmap, sample.box)) pointed++;
      const input = inputFor(sample.image, model);
      try {
        scores.push(await faithfulness(model, input, heatmap, sample.label, { steps: options.steps }));
        if (options.road !== false) roads.push(await road(model, input, heatmap, sample.label, { ...options.road, seed: index }));
      } finally {
        input.dispose();
      }
    }
    const correlations =
      options.sanity === false
        ? []
        : await withRandomWeights(model, 0, async () => {
            const values: number[] = [];
            for (const [index, sample] of samples.entries())
              values.push(rankCorrelation(heatmaps[index], await maker.make(model, sample.image, sample.label, index)));
            return values;
          });
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
      roadMorf: mean(roads.map((r) => r.morf)),
      roadLerf: mean(roads.map((r) => r.lerf)),
      roadCombined: mean(roads.map((r) => r.combined)),
      randomisedRankCorrelation: mean(correlations),
      flagged: correlations.length > 0 && !(mean(correlations) < SANITY_RANK_CORRELATION),
      msPerImage: makeMs / n,
    });
  }
  return displayable(rows, 'method-table', { threshold: options.threshold });
}

/** The comparison's cells: one row per map, its scores as text; a flagged map is marked ⚑ (it does not depend on the model's weights). */
export function methodTableRows(rows: MethodScore[], threshold?: number, timing = true): { header: string[]; rows: string[][] } {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const num = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(3));
  return {
    header: [
      'map',
      `GT-known loc${threshold === undefined ? '' : ` @ ${threshold}`}`,
      'pointing game',
      'mean IoU',
      'deletion AUC ↓',
      'insertion AUC ↑',
      'average drop ↓',
      'increase in confidence ↑',
      'ROAD MoRF ↓',
      'ROAD LeRF ↑',
      'ROAD combined ↑',
      'rank corr. with random model ↓',
      ...(timing ? ['ms per map'] : []),
    ],
    rows: rows.map((r) => [
      `${r.name}${r.flagged ? ' ⚑' : ''}`,
      pct(r.gtKnownLocalization),
      pct(r.pointingGame),
      r.meanIou.toFixed(3),
      r.deletion.toFixed(3),
      r.insertion.toFixed(3),
      `${r.averageDrop.toFixed(1)}%`,
      `${r.increase.toFixed(1)}%`,
      num(r.roadMorf),
      num(r.roadLerf),
      num(r.roadCombined),
      num(r.randomisedRankCorrelation),
      ...(timing ? [r.msPerImage.toFixed(1)] : []),
    ]),
  };
}

const mean = (values: number[]) => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : NaN);

/**
 * The comparison as a Markdown table; a flagged map is marked ⚑ (it does not depend on the model's
 * weights). `timing: false` leaves out the milliseconds, which change from run to run (for outputs that
 * must re-run the same, as a notebook's).
 */
export function formatMethodTable(rows: MethodScore[], threshold: number, options: { timing?: boolean } = {}): string {
  const table = methodTableRows(rows, threshold, options.timing ?? true);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(table.header), `|${' --- |'.repeat(table.header.length)}`, ...table.rows.map(line)].join('\n');
}
