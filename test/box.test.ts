import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundingBox, iou, defaultBoxThreshold, loadDefaultModel, modelMetadata, ready, PAPER_THRESHOLD, type Heatmap } from '../src';
import { sequentialGapCnn } from './helpers/models';

function map(width: number, height: number, hot: { x: number; y: number; w: number; h: number; v: number }[]): Heatmap {
  const data = new Float32Array(width * height);
  for (const b of hot) for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) data[y * width + x] = b.v;
  return { width, height, data };
}

test('boundingBox keeps the largest connected region above threshold × max', () => {
  const heat = map(20, 10, [
    { x: 1, y: 1, w: 3, h: 3, v: 1 }, // small, hottest
    { x: 8, y: 2, w: 6, h: 5, v: 0.5 }, // large, warm
  ]);
  assert.deepEqual(boundingBox(heat, { threshold: 0.2 }), { x: 8, y: 2, width: 6, height: 5 });
  // Above half the maximum only the small hot region survives.
  assert.deepEqual(boundingBox(heat, { threshold: 0.6 }), { x: 1, y: 1, width: 3, height: 3 });
});

test('diagonal neighbours join one region (8-connectivity)', () => {
  const heat = map(6, 6, [
    { x: 0, y: 0, w: 1, h: 1, v: 1 },
    { x: 1, y: 1, w: 1, h: 1, v: 1 },
    { x: 2, y: 2, w: 1, h: 1, v: 1 },
    { x: 5, y: 0, w: 1, h: 2, v: 1 },
  ]);
  assert.deepEqual(boundingBox(heat, { threshold: 0.5 }), { x: 0, y: 0, width: 3, height: 3 });
});

test('a constant map gives the whole image; bad thresholds are refused', () => {
  assert.deepEqual(boundingBox(map(7, 5, []), { threshold: 0.2 }), { x: 0, y: 0, width: 7, height: 5 });
  assert.throws(() => boundingBox(map(3, 3, []), { threshold: 1.5 }), /between 0 and 1/);
  assert.throws(() => boundingBox({ width: 0, height: 0, data: new Float32Array() }), /empty/);
});

test('iou of boxes', () => {
  const a = { x: 0, y: 0, width: 10, height: 10 };
  assert.equal(iou(a, a), 1);
  assert.equal(iou(a, { x: 5, y: 0, width: 10, height: 10 }), 50 / 150);
  assert.equal(iou(a, { x: 10, y: 10, width: 5, height: 5 }), 0);
});

// ---- Boundaries (each case below was seen to fail with a one-line bug in src/localize/box.ts) ----

test('iou: a gap between boxes, touching edges and corners give 0; overlaps are worked out by hand', () => {
  const a = { x: 0, y: 0, width: 4, height: 4 };
  assert.equal(iou(a, { x: 6, y: 0, width: 4, height: 4 }), 0, 'gap along x (unclamped: −8/40)');
  assert.equal(iou(a, { x: 6, y: 7, width: 4, height: 4 }), 0, 'gap along x and y (unclamped: (−2)·(−3) = +6)');
  assert.equal(iou(a, { x: 4, y: 0, width: 4, height: 4 }), 0, 'touching edges share no pixel');
  assert.equal(iou(a, { x: 4, y: 4, width: 2, height: 2 }), 0, 'touching corners');
  // 4×6 and 4×6 offset by (2, 3): 2×3 = 6 shared, 24 + 24 − 6 = 42 in the union.
  const [p, q] = [
    { x: 0, y: 0, width: 4, height: 6 },
    { x: 2, y: 3, width: 4, height: 6 },
  ];
  assert.equal(iou(p, q), 6 / 42);
  assert.equal(iou(q, p), 6 / 42, 'symmetric');
  // Containment: a 4×5 box inside a 10×10 one.
  assert.equal(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 2, y: 3, width: 4, height: 5 }), 20 / 100);
  // A wide and a tall box crossing: 6×2 ∩ 2×6 = 2×2.
  assert.equal(iou({ x: 0, y: 2, width: 6, height: 2 }, { x: 2, y: 0, width: 2, height: 6 }), 4 / 20);
});

test('boundingBox: a pixel exactly at threshold × max is kept', () => {
  // One row, 7 wide: 0.5 is exactly half of the maximum 1.
  const row: Heatmap = { width: 7, height: 1, data: new Float32Array([0, 0.5, 1, 0.5, 0.25, 0, 0]) };
  assert.deepEqual(boundingBox(row, { threshold: 0.5 }), { x: 1, y: 0, width: 3, height: 1 });
  assert.deepEqual(boundingBox(row, { threshold: 0.25 }), { x: 1, y: 0, width: 4, height: 1 });
  // The same on a map whose maximum is not 1: 0.3 is exactly 0.5 × 0.6 in float32 arithmetic too.
  const scaled: Heatmap = { width: 1, height: 5, data: new Float32Array([0, 0.3, 0.6, 0.1, 0]) };
  assert.equal(Math.fround(0.5 * scaled.data[2]), scaled.data[1]);
  assert.deepEqual(boundingBox(scaled, { threshold: 0.5 }), { x: 0, y: 1, width: 1, height: 2 });
});

test('boundingBox at threshold 1 keeps only the maximum, at threshold 0 the whole map', () => {
  const heat = map(9, 4, [
    { x: 1, y: 1, w: 3, h: 2, v: 0.7 },
    { x: 6, y: 2, w: 1, h: 1, v: 0.9 },
  ]);
  assert.deepEqual(boundingBox(heat, { threshold: 1 }), { x: 6, y: 2, width: 1, height: 1 });
  assert.deepEqual(boundingBox(heat, { threshold: 0 }), { x: 0, y: 0, width: 9, height: 4 }, 'every pixel ≥ 0');
  assert.deepEqual(boundingBox(heat, { threshold: 0.8 }), { x: 6, y: 2, width: 1, height: 1 }, '0.7 < 0.8 × 0.9');
  assert.deepEqual(boundingBox(heat, { threshold: 0.7 }), { x: 1, y: 1, width: 3, height: 2 }, '0.7 ≥ 0.7 × 0.9: the larger region wins');
});

test('boundingBox: of two equal regions the first in reading order wins, whatever the scan meets later', () => {
  // Two 2×2 regions of the same size and value; the top-right one starts on an earlier row.
  const heat = map(10, 6, [
    { x: 0, y: 3, w: 2, h: 2, v: 1 },
    { x: 7, y: 1, w: 2, h: 2, v: 1 },
  ]);
  assert.deepEqual(boundingBox(heat, { threshold: 0.5 }), { x: 7, y: 1, width: 2, height: 2 });
});

test('boundingBox on a wide map returns x along the width and y along the height', () => {
  const heat = map(12, 5, [{ x: 8, y: 1, w: 3, h: 4, v: 1 }]);
  assert.deepEqual(boundingBox(heat, { threshold: 0.5 }), { x: 8, y: 1, width: 3, height: 4 });
  const tall = map(3, 11, [{ x: 0, y: 6, w: 2, h: 5, v: 1 }]);
  assert.deepEqual(boundingBox(tall, { threshold: 0.5 }), { x: 0, y: 6, width: 2, height: 5 });
});

/** The same rule written the slow, obvious way: union-find over 8-neighbours, then the largest set. */
function referenceBox(heat: Heatmap, threshold: number): { x: number; y: number; width: number; height: number } {
  const { width, height, data } = heat;
  const cut = threshold * Math.max(...data);
  const parent = Array.from({ length: data.length }, (_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i])));
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && data[y * width + x] >= cut;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!on(x, y)) continue;
      for (const [dx, dy] of [
        [-1, -1],
        [0, -1],
        [1, -1],
        [-1, 0],
      ]) {
        if (on(x + dx, y + dy)) parent[root(y * width + x)] = root((y + dy) * width + x + dx);
      }
    }
  }
  // Regions in the order their first pixel appears in reading order; the first of equal sizes wins.
  const regions = new Map<number, number[]>();
  for (let i = 0; i < data.length; i++) if (data[i] >= cut) regions.set(root(i), [...(regions.get(root(i)) ?? []), i]);
  let best: number[] = [];
  for (const pixels of regions.values()) if (pixels.length > best.length) best = pixels;
  if (!best.length) return { x: 0, y: 0, width, height };
  const xs = best.map((i) => i % width);
  const ys = best.map((i) => Math.floor(i / width));
  return {
    x: Math.min(...xs),
    y: Math.min(...ys),
    width: Math.max(...xs) - Math.min(...xs) + 1,
    height: Math.max(...ys) - Math.min(...ys) + 1,
  };
}

test('boundingBox agrees with a union-find reference on 200 random speckled maps at every threshold', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let n = 0; n < 200; n++) {
    const [width, height] = [1 + Math.floor(random() * 17), 1 + Math.floor(random() * 13)];
    // Few distinct levels, so that regions touch, tie in size and sit exactly on the cut.
    const data = Float32Array.from({ length: width * height }, () => Math.floor(random() * 5) / 4);
    const heat = { width, height, data };
    for (const threshold of [0, 0.25, 0.3, 0.5, 0.75, 1]) {
      assert.deepEqual(boundingBox(heat, { threshold }), referenceBox(heat, threshold), `map ${n} (${width}×${height}) at ${threshold}`);
    }
  }
});

test("the default threshold: the model's validated one, else the paper's 20 %, which boundingBox uses without a model", async () => {
  await ready();
  assert.equal(PAPER_THRESHOLD, 0.2);
  const validated = await loadDefaultModel();
  const plain = sequentialGapCnn();
  try {
    const threshold = modelMetadata(validated).boxThreshold;
    assert.ok(
      threshold !== undefined && threshold !== PAPER_THRESHOLD,
      `the embedded model carries a validated threshold, got ${threshold}`,
    );
    assert.equal(defaultBoxThreshold(validated), threshold);
    assert.equal(defaultBoxThreshold(plain), PAPER_THRESHOLD);
  } finally {
    validated.dispose();
    plain.dispose();
  }
  const heat = map(20, 10, [
    { x: 1, y: 1, w: 3, h: 3, v: 1 },
    { x: 8, y: 2, w: 6, h: 5, v: 0.3 },
  ]);
  assert.deepEqual(boundingBox(heat), boundingBox(heat, { threshold: PAPER_THRESHOLD }));
  assert.notDeepEqual(boundingBox(heat), boundingBox(heat, { threshold: 0.6 }));
});
