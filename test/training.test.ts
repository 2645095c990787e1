import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../src';
import { renderCanvases, CANVAS_SIZE } from '../src/data/canvas';
import { digitsGapCnn } from '../src/model/architectures/digits';

test('a few training steps from scratch on digit canvases lower the loss', async () => {
  await ready();
  const model = digitsGapCnn({ seed: 3 });
  model.compile({ optimizer: tf.train.adam(2e-3), loss: 'categoricalCrossentropy' });
  const canvases = renderCanvases({ split: 'train', count: 32, seed: 77 });
  const xs = tf.tensor4d(
    canvases.flatMap((c) => Array.from(c.pixels)),
    [32, CANVAS_SIZE, CANVAS_SIZE, 1],
  );
  const ys = tf
    .oneHot(
      tf.tensor1d(
        canvases.map((c) => c.label),
        'int32',
      ),
      10,
    )
    .toFloat();
  const history = await model.fit(xs, ys, { epochs: 8, batchSize: 32, shuffle: false, verbose: 0 });
  const losses = history.history.loss as number[];
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[losses.length - 1] < losses[0] * 0.9, `loss ${losses[0].toFixed(3)} → ${losses[losses.length - 1].toFixed(3)}`);
  tf.dispose([xs, ys]);
  model.dispose();
});
