// Metrics and orientation on models whose weights are set by hand, so that every answer can be worked
// out on paper: the CAM of class c is channel c of the image, and the logit of class c is its mean.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Jimp } from 'jimp';
import {
  tf,
  ready,
  classActivationMap,
  boundingBox,
  overlayPng,
  resizeHeatmap,
  evaluateLocalization,
  bestThreshold,
  faithfulness,
  averageDropAndIncrease,
  type Box,
  type Heatmap,
  type LabelledImage,
  type LocalizationReport,
} from '../src';

before(
  async () => {
    await ready();
  },
  { timeout: 60000 },
);

/**
 * input [height, width, 3] → 'features': a conv that averages each channel over `cell` × `cell` blocks
 * (stride `cell`) → GAP → Dense with the identity kernel and no bias → softmax. So CAM_c = the block
 * means of channel c, and logit_c = the mean of channel c.
 */
function channelModel(height: number, width: number, cell = 1): tf.LayersModel {
  const kernel = tf.buffer([cell, cell, 3, 3]);
  for (let y = 0; y < cell; y++) for (let x = 0; x < cell; x++) for (let c = 0; c < 3; c++) kernel.set(1 / (cell * cell), y, x, c, c);
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [height, width, 3],
        filters: 3,
        kernelSize: cell,
        strides: cell,
        useBias: false,
        name: 'features',
        weights: [kernel.toTensor()],
      }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ units: 3, activation: 'softmax', name: 'predictions', weights: [tf.eye(3), tf.zeros([3])] }),
    ],
  });
  return model;
}

/** An image [height, width, 3] with rectangles of a value painted into chosen channels. */
function paint(
  height: number,
  width: number,
  rects: { channel: number; x: number; y: number; w: number; h: number; v: number }[],
): tf.Tensor3D {
  const data = new Float32Array(height * width * 3);
  for (const r of rects)
    for (let y = r.y; y < r.y + r.h; y++) for (let x = r.x; x < r.x + r.w; x++) data[(y * width + x) * 3 + r.channel] = r.v;
  return tf.tensor3d(data, [height, width, 3]);
}

const argmax = (m: Heatmap) => Array.from(m.data).reduce((best, v, i) => (v > m.data[best] ? i : best), 0);

test('orientation: a hot cell on a 3 × 5 feature map of a 6 × 10 picture is hot at its place in the heat map, the box and the overlay', async () => {
  const model = channelModel(6, 10, 2);
  // Channel 0 is 1 over pixels x 8–9, y 4–5: the feature cell in column 4, row 2.
  const image = paint(6, 10, [{ channel: 0, x: 8, y: 4, w: 2, h: 2, v: 1 }]);
  try {
    const [result] = await classActivationMap(model, image, { classIndex: 0 });
    assert.deepEqual([result.raw.width, result.raw.height], [5, 3]);
    assert.deepEqual(Array.from(result.raw.data), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    // Half-pixel bilinear: pixel 9 sits at map column 4.25 (clamped to 4), pixel 8 at 3.75; rows alike.
    assert.equal(argmax(result.heatmap), 5 * 10 + 9, 'the maximum at (9, 5)');
    assert.equal(result.heatmap.data[4 * 10 + 8], 0.75 * 0.75, '(8, 4) weighs 3/4 × 3/4 of the cell');
    assert.equal(result.heatmap.data[0], 0, 'the far corner is cold');
    assert.deepEqual(boundingBox(result.heatmap, { threshold: 0.5 }), { x: 8, y: 4, width: 2, height: 2 });
    assert.deepEqual(
      boundingBox(result.heatmap, { threshold: 0.2 }),
      { x: 7, y: 3, width: 3, height: 3 },
      '0.25 ≥ 0.2 one pixel further out',
    );
    // The overlay at full opacity in grey is the heat map itself: white at (9, 5), black at (0, 0).
    const png = await Jimp.read(Buffer.from(await overlayPng(image, result.heatmap, { colormap: 'gray', alpha: 1 })));
    assert.deepEqual([png.bitmap.width, png.bitmap.height], [10, 6]);
    const pixel = (x: number, y: number) => Array.from(png.bitmap.data.subarray((y * 10 + x) * 4, (y * 10 + x) * 4 + 3));
    assert.deepEqual(pixel(9, 5), [255, 255, 255]);
    assert.deepEqual(pixel(8, 4), [143, 143, 143], 'round(255 × 0.5625)');
    assert.deepEqual(pixel(0, 0), [0, 0, 0]);
  } finally {
    image.dispose();
    model.dispose();
  }
});

test('orientation: a map resized to a picture with other proportions keeps its hot corner (each side scaled by its own factor)', async () => {
  // A 5 wide × 3 high map, hot at its right end of the middle row, onto a 20 wide × 6 high picture.
  const map: Heatmap = { width: 5, height: 3, data: new Float32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]) };
  const resized = resizeHeatmap(map, 20, 6);
  // Columns scale by 5/20: pixels 18 and 19 sit at 4.125 and 4.375 (clamped to 4); rows by 3/6: 2 and 3 at 0.75 and 1.25.
  for (const y of [2, 3]) for (const x of [18, 19]) assert.equal(resized.data[y * 20 + x], 0.75, `(${x}, ${y})`);
  assert.equal(resized.data[2 * 20 + 17], 0.75 * 0.875, '(17, 2): column 3.875');
  assert.equal(resized.data[1 * 20 + 19], 0.25, '(19, 1): row 0.25');
  assert.equal(resized.data[0 * 20 + 19], 0, '(19, 0): row −0.25, clamped to row 0, which is cold');
  const image = tf.zeros([6, 20, 3]) as tf.Tensor3D;
  try {
    const png = await Jimp.read(Buffer.from(await overlayPng(image, map, { colormap: 'gray', alpha: 1 })));
    assert.deepEqual([png.bitmap.width, png.bitmap.height], [20, 6]);
    const grey = (x: number, y: number) => png.bitmap.data[(y * 20 + x) * 4];
    assert.equal(grey(19, 2), Math.round(255 * 0.75));
    assert.equal(grey(0, 2), 0);
    assert.equal(grey(10, 5), 0);
  } finally {
    image.dispose();
  }
});

// ---- Localization, worked out by hand ----
// Four 8 × 12 canvases; `thresholds` 0.3 and 0.5. The CAM of class c is channel c of the canvas.
//  A: label 0. Channel 0: a 3×3 block of 1 on the true box; channel 1: a 4×4 block of 1 elsewhere, so
//     the model predicts 1 (wrong). Its true-class box is exact at both thresholds; its top-1 box misses.
//  B: label 1. Channel 1: a 2×2 core of 1 inside a 4×4 halo of 0.4 = the true box. Right class. At 0.3
//     the box is the halo (IoU 1); at 0.5 only the core (IoU 4/16 = 0.25).
//  C: label 2. Channel 2: a 2×2 block in the bottom-left corner; the true box is at the top right. Right class, box wrong.
//  D: label 2. Channel 0: a 4×4 block of 1 that is the true box, so the model predicts 0 (wrong) with a perfect
//     top-1 box; channel 2: a 3×3 block inside it (IoU 9/16): GT-known right, top-1 wrong (the class is wrong).
const SAMPLES: { label: number; box: Box; rects: Parameters<typeof paint>[2] }[] = [
  {
    label: 0,
    box: { x: 2, y: 1, width: 3, height: 3 },
    rects: [
      { channel: 0, x: 2, y: 1, w: 3, h: 3, v: 1 },
      { channel: 1, x: 8, y: 4, w: 4, h: 4, v: 1 },
    ],
  },
  {
    label: 1,
    box: { x: 5, y: 1, width: 4, height: 4 },
    rects: [
      { channel: 1, x: 5, y: 1, w: 4, h: 4, v: 0.4 },
      { channel: 1, x: 6, y: 2, w: 2, h: 2, v: 1 },
    ],
  },
  { label: 2, box: { x: 9, y: 0, width: 3, height: 3 }, rects: [{ channel: 2, x: 0, y: 6, w: 2, h: 2, v: 1 }] },
  {
    label: 2,
    box: { x: 0, y: 4, width: 4, height: 4 },
    rects: [
      { channel: 0, x: 0, y: 4, w: 4, h: 4, v: 1 },
      { channel: 2, x: 0, y: 5, w: 3, h: 3, v: 1 },
    ],
  },
];

test('evaluateLocalization on four hand-made canvases: accuracy, top-1 vs GT-known, mean IoU, pointing game, per class, centre baseline', async () => {
  const model = channelModel(8, 12);
  const samples: LabelledImage[] = SAMPLES.map((s) => ({ image: paint(8, 12, s.rects), label: s.label, box: s.box }));
  try {
    const before = tf.memory().numTensors;
    // Batches of two: C and D go through a second batch.
    const report = await evaluateLocalization(model, samples, {
      thresholds: [0.3, 0.5],
      baselineBox: { width: 4, height: 4 },
      batchSize: 2,
    });
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    assert.equal(report.count, 4);
    assert.equal(report.accuracy, 2 / 4, 'A is mistaken for 1, D for 0');
    assert.equal(report.pointingGame, 3 / 4, 'the true-class peaks of A, B and D are inside their boxes, C’s is not');
    const [at3, at5] = report.byThreshold;
    assert.deepEqual([at3.threshold, at5.threshold], [0.3, 0.5]);
    assert.equal(at3.gtKnownLocalization, 3 / 4, 'GT-known at 0.3: A and D (from their true classes) and B');
    assert.equal(at3.top1Localization, 1 / 4, 'top-1 at 0.3: only B (A’s box misses, D’s box hits but its class is wrong)');
    assert.ok(Math.abs(at3.meanIou - (1 + 1 + 0 + 9 / 16) / 4) < 1e-12);
    assert.equal(at5.gtKnownLocalization, 2 / 4, 'GT-known at 0.5: A and D');
    assert.equal(at5.top1Localization, 0);
    assert.ok(Math.abs(at5.meanIou - (1 + 0.25 + 0 + 9 / 16) / 4) < 1e-12);
    assert.deepEqual(report.byClass, [
      { label: 0, count: 1, accuracy: 0, confusedWith: { label: 1, count: 1 }, gtKnownLocalization: [1, 1] },
      { label: 1, count: 1, accuracy: 1, confusedWith: undefined, gtKnownLocalization: [1, 0] },
      { label: 2, count: 2, accuracy: 0.5, confusedWith: { label: 0, count: 1 }, gtKnownLocalization: [0.5, 0.5] },
    ]);
    // The 4 × 4 centre box of a 12 × 8 canvas is at (4, 2): it meets A's box in 1 × 2 (IoU 2/23), B's in 3 × 3 (9/23), C's and D's not at all.
    assert.deepEqual(report.centreBaseline.box, { x: 4, y: 2, width: 4, height: 4 });
    assert.equal(report.centreBaseline.localization, 0);
    assert.ok(Math.abs(report.centreBaseline.meanIou - 11 / 92) < 1e-12);
    assert.equal(bestThreshold(report), 0.3);
  } finally {
    tf.dispose(samples.map((s) => s.image));
    model.dispose();
  }
});

test('bestThreshold takes the best GT-known localization, and the lower threshold of a tie', () => {
  const report = (scores: [number, number][]): LocalizationReport => ({
    count: 10,
    accuracy: 1,
    pointingGame: 1,
    byClass: [],
    centreBaseline: { box: { x: 0, y: 0, width: 1, height: 1 }, localization: 0, meanIou: 0 },
    byThreshold: scores.map(([threshold, gtKnownLocalization]) => ({ threshold, gtKnownLocalization, top1Localization: 0, meanIou: 0 })),
  });
  assert.equal(
    bestThreshold(
      report([
        [0.2, 0.5],
        [0.4, 0.7],
        [0.6, 0.7],
        [0.8, 0.1],
      ]),
    ),
    0.4,
  );
  assert.equal(
    bestThreshold(
      report([
        [0.2, 0.9],
        [0.4, 0.7],
      ]),
    ),
    0.2,
  );
  assert.equal(
    bestThreshold(
      report([
        [0.2, 0.1],
        [0.4, 0.2],
        [0.6, 0.3],
      ]),
    ),
    0.6,
  );
});

// ---- Faithfulness, worked out by hand ----

test('deletion, insertion and the masked score on a 2 × 4 input, by hand', async () => {
  const model = channelModel(2, 4);
  // Channel 0 is [8, 4, 0, 0 | 0, 0, 0, 0] (mean 1.5), channel 1 is 0.5 everywhere, channel 2 is 0.
  const values = new Float32Array(8 * 3);
  values[0] = 8;
  values[3] = 4;
  for (let p = 0; p < 8; p++) values[p * 3 + 1] = 0.5;
  const input = tf.tensor4d(values, [1, 2, 4, 3]);
  // The map ranks pixel 0, then 1, then the rest in reading order (ties keep reading order).
  const heatmap: Heatmap = { width: 4, height: 2, data: new Float32Array([1, 0.5, 0, 0, 0, 0, 0, 0]) };
  const p0 = (m0: number, m1: number) => Math.exp(m0) / (Math.exp(m0) + Math.exp(m1) + 1); // softmax of the channel means, class 0
  try {
    const result = await faithfulness(model, input, heatmap, 0, { steps: 4 });
    assert.ok(Math.abs(result.original - p0(1.5, 0.5)) < 1e-6, 'original');
    // The map multiplies the input: channel 0 → [8, 2, 0…] (mean 1.25), channel 1 → [0.5, 0.25, 0…] (mean 0.09375).
    assert.ok(Math.abs(result.masked - p0(1.25, 0.09375)) < 1e-6, 'masked');
    // Deletion zeroes the top 0, 2, 4, 6, 8 pixels: channel 0 loses everything at the first step; channel 1 keeps (8 − k) × 0.5.
    const deletion = [p0(1.5, 0.5), p0(0, 0.375), p0(0, 0.25), p0(0, 0.125), p0(0, 0)];
    // Insertion starts from the blur (an 11-pixel box blur of a 2 × 4 image is each channel's mean) and puts the top pixels back.
    const revealedSum = (k: number) => (k === 0 ? 0 : 12); // pixels 0 and 1 hold all of channel 0
    const insertion = [0, 2, 4, 6, 8].map((k) => p0((revealedSum(k) + (8 - k) * 1.5) / 8, 0.5));
    const trapezoid = (curve: number[]) => curve.slice(1).reduce((s, v, i) => s + (v + curve[i]) / 2, 0) / (curve.length - 1);
    assert.ok(Math.abs(result.deletion - trapezoid(deletion)) < 1e-6, `deletion ${result.deletion} vs ${trapezoid(deletion)}`);
    assert.ok(Math.abs(result.insertion - trapezoid(insertion)) < 1e-6, `insertion ${result.insertion} vs ${trapezoid(insertion)}`);
  } finally {
    input.dispose();
    model.dispose();
  }
});

test('Average Drop and Increase in Confidence (Chattopadhay et al. eq. 20–21), by hand', () => {
  const scores = [
    { original: 0.8, masked: 0.4, deletion: 0, insertion: 0 }, // drops by half: 50 %
    { original: 0.5, masked: 0.6, deletion: 0, insertion: 0 }, // rises: no drop, counts as an increase
    { original: 0.2, masked: 0.2, deletion: 0, insertion: 0 }, // unchanged: neither
    { original: 0.4, masked: 0.1, deletion: 0, insertion: 0 }, // drops by 3/4: 75 %
  ];
  const { averageDrop, increase } = averageDropAndIncrease(scores);
  assert.ok(Math.abs(averageDrop - (50 + 0 + 0 + 75) / 4) < 1e-9, `average drop ${averageDrop}`);
  assert.equal(increase, 25);
});
