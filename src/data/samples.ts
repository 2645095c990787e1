import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Box } from '../localize/box';
import { loadImage } from '../image/load';
import type { tf } from '../tf';

const SAMPLES_DIR = join(__dirname, '..', '..', 'data', 'samples');

export interface LoadedSample {
  file: string;
  image: tf.Tensor3D;
  label: number;
  box: Box;
}

/** The sample canvases shipped in data/samples (held-out test digits) with their labels and true boxes. */
export async function loadSamples(): Promise<LoadedSample[]> {
  const index = JSON.parse(await readFile(join(SAMPLES_DIR, 'samples.json'), 'utf8')) as { samples: { file: string; label: number; box: Box }[] };
  return Promise.all(index.samples.map(async (s) => ({ file: join(SAMPLES_DIR, s.file), image: await loadImage(join(SAMPLES_DIR, s.file)), label: s.label, box: s.box })));
}
