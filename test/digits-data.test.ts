import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf, ready, loadImage, digitsCanvas } from '../src';
import { renderCanvases, CANVAS_SIZE, INK_LEVEL, DIGIT_SCALE } from '../src/data/canvas';
import { sourceDigits, SPLITS } from '../src/data/digits';

test('the split is fixed and disjoint, with every class in every split', () => {
  const key = (d: { label: number; index: number }) => `${d.label}:${d.index}`;
  const sets = SPLITS.map((s) => new Set(sourceDigits(s).map(key)));
  assert.equal(
    sets.reduce((n, s) => n + s.size, 0),
    10000,
    'all 10,000 digits of the package are used once',
  );
  for (let i = 0; i < 3; i++)
    for (let j = i + 1; j < 3; j++)
      assert.ok(
        [...sets[i]].every((k) => !sets[j].has(k)),
        `${SPLITS[i]} and ${SPLITS[j]} overlap`,
      );
  for (const split of SPLITS)
    assert.deepEqual([...new Set(sourceDigits(split).map((d) => d.label))].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // 80 / 10 / 10 per class, rounded class by class.
  [8000, 1000, 1000].forEach((expected, i) => assert.ok(Math.abs(sets[i].size - expected) <= 5, `${SPLITS[i]}: ${sets[i].size}`));
});

test('test canvases draw only test digits, and the generator is deterministic for a seed', () => {
  const testDigits = new Set(sourceDigits('test').map((d) => `${d.label}:${d.index}`));
  const canvases = renderCanvases({ split: 'test', count: 200, seed: 9 });
  assert.ok(canvases.every((c) => testDigits.has(`${c.source.label}:${c.source.index}`)));
  const again = renderCanvases({ split: 'test', count: 200, seed: 9 });
  assert.deepEqual(
    again.map((c) => c.box),
    canvases.map((c) => c.box),
  );
  assert.ok(again.every((c, i) => c.pixels.every((v, p) => v === canvases[i].pixels[p])));
  const other = renderCanvases({ split: 'test', count: 200, seed: 10 });
  assert.notDeepEqual(
    other.map((c) => c.box),
    canvases.map((c) => c.box),
  );
});

test('each box is the tight box of the digit’s ink: no ink outside, ink on all four sides', () => {
  for (const c of renderCanvases({ split: 'validation', count: 100, seed: 4 }, { keepInk: true })) {
    const { x, y, width, height } = c.box;
    const inked = (px: number, py: number) => c.ink![py * CANVAS_SIZE + px] >= INK_LEVEL;
    for (let py = 0; py < CANVAS_SIZE; py++) {
      for (let px = 0; px < CANVAS_SIZE; px++) {
        const inside = px >= x && px < x + width && py >= y && py < y + height;
        if (!inside) assert.ok(!inked(px, py), `ink outside the box at (${px}, ${py})`);
      }
    }
    const rowHasInk = (py: number) => Array.from({ length: width }, (_, i) => inked(x + i, py)).some(Boolean);
    const columnHasInk = (px: number) => Array.from({ length: height }, (_, i) => inked(px, y + i)).some(Boolean);
    assert.ok(
      rowHasInk(y) && rowHasInk(y + height - 1) && columnHasInk(x) && columnHasInk(x + width - 1),
      'the box is tight on every side',
    );
    assert.ok(Math.max(width, height) <= DIGIT_SCALE.max);
  }
});

test('digitsCanvas gives RGB tensors of the canvases, and the shipped samples decode to their canvases', async () => {
  await ready();
  const [sample] = digitsCanvas({ split: 'test', count: 1, seed: 3 });
  assert.deepEqual(sample.image.shape, [CANVAS_SIZE, CANVAS_SIZE, 3]);
  const [canvas] = renderCanvases({ split: 'test', count: 1, seed: 3 });
  assert.deepEqual(sample.box, canvas.box);
  assert.equal(sample.image.dataSync()[3 * 100 + 1], canvas.pixels[100]);
  sample.image.dispose();

  const index = JSON.parse(await readFile(join(__dirname, '..', 'data', 'samples', 'samples.json'), 'utf8')) as {
    split: 'test';
    count: number;
    seed: number;
    samples: { file: string; label: number; box: object }[];
  };
  const canvases = renderCanvases({ split: index.split, count: index.count, seed: index.seed });
  assert.ok(index.samples.length >= 5);
  for (const [i, entry] of index.samples.entries()) {
    const image = await loadImage(join(__dirname, '..', 'data', 'samples', entry.file));
    assert.deepEqual(image.shape, [CANVAS_SIZE, CANVAS_SIZE, 3]);
    assert.equal(entry.label, canvases[i].label);
    assert.deepEqual(entry.box, canvases[i].box);
    const grey = Array.from(tf.tidy(() => tf.mean(image, 2).dataSync()));
    const worst = grey.reduce((m, v, p) => Math.max(m, Math.abs(v - Math.round(canvases[i].pixels[p]))), 0);
    assert.equal(worst, 0, `${entry.file} holds the canvas exactly`);
    image.dispose();
  }
});
