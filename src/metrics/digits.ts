import { tf } from '../tf';
import { digitsCanvas, renderCanvases } from '../data/canvas';
import type { Split } from '../data/digits';
import { evaluateLocalization, type LocalizationReport, type MapSource } from './localization';

const THRESHOLDS = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

/** The mean size of the true boxes on training canvases: the centre baseline's box. */
function meanTrainingBox(count = 2000): { width: number; height: number } {
  const canvases = renderCanvases({ split: 'train', count, seed: 424242 });
  return {
    width: canvases.reduce((s, c) => s + c.box.width, 0) / count,
    height: canvases.reduce((s, c) => s + c.box.height, 0) / count,
  };
}

/** Localization report of a digits model (or a pool's `explain` on one) on canvases of one split. */
export async function evaluateDigits(
  model: MapSource,
  options: { split: Split; count: number; seed: number },
): Promise<LocalizationReport> {
  const samples = digitsCanvas(options);
  try {
    return await evaluateLocalization(model, samples, { thresholds: THRESHOLDS, baselineBox: meanTrainingBox() });
  } finally {
    tf.dispose(samples.map((s) => s.image));
  }
}
