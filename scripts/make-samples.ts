// Writes a handful of held-out test canvases as PNG files with their labels and boxes (data/samples/).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { renderCanvases, CANVAS_SIZE } from '../src/data/canvas';

const OUT = join(__dirname, '..', 'data', 'samples');
export const SAMPLES = { split: 'test' as const, count: 8, seed: 2016 };

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const index = [];
  for (const [i, canvas] of renderCanvases(SAMPLES).entries()) {
    const rgba = Buffer.alloc(CANVAS_SIZE * CANVAS_SIZE * 4, 255);
    canvas.pixels.forEach((v, p) => rgba.fill(Math.round(v), p * 4, p * 4 + 3));
    const file = `digit-${i}.png`;
    await writeFile(join(OUT, file), await Jimp.fromBitmap({ width: CANVAS_SIZE, height: CANVAS_SIZE, data: rgba }).getBuffer('image/png'));
    index.push({ file, label: canvas.label, box: canvas.box, source: canvas.source });
  }
  await writeFile(
    join(OUT, 'samples.json'),
    JSON.stringify({ generatedBy: 'npm run samples', ...SAMPLES, samples: index }, null, 2) + '\n',
  );
  console.log(`wrote ${index.length} samples to ${OUT}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
