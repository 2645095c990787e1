import { CamlabError } from '../errors';
import type { ClassTargets } from './types';

/** The classes to explain for each image, from the options and each image's scores. */
export function resolveTargets(options: ClassTargets, scores: Float32Array | number[][], numClasses: number, numImages: number): number[][] {
  const rows = Array.from({ length: numImages }, (_, i) =>
    Array.isArray(scores) ? scores[i] : Array.from(scores.subarray(i * numClasses, (i + 1) * numClasses)),
  );
  if (options.classIndex !== undefined && options.topK !== undefined) {
    throw new CamlabError('Give either classIndex or topK, not both.');
  }
  if (options.classIndex !== undefined) {
    const classes = [options.classIndex].flat();
    if (classes.length === 0) throw new CamlabError('classIndex is an empty list; give at least one class.');
    for (const c of classes) {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
        throw new CamlabError(`classIndex ${c} is not a class of this model: use an integer from 0 to ${numClasses - 1}.`);
      }
    }
    return rows.map(() => classes);
  }
  const k = options.topK ?? 1;
  if (!Number.isInteger(k) || k <= 0 || k > numClasses) {
    throw new CamlabError(`topK must be an integer from 1 to ${numClasses} (the number of classes), got ${k}.`);
  }
  return rows.map((row) => topIndices(row, k));
}

export function topIndices(values: ArrayLike<number>, k: number): number[] {
  return Array.from(values, (v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}
