import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundingBox, iou, type Heatmap } from '../src';

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
