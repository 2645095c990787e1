import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready } from '../src';
import { repeatRows, repeatChannels, bgrMinusMean } from '../src/fast-ops';

test('the fast replacements give exactly the values of tf.tile and tf.reverse, and leave no tensor behind', async () => {
  await ready();
  const x = tf.randomUniform([2, 5, 4, 3], -50, 300, 'float32', 11) as tf.Tensor4D;
  const grey = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]);
  const before = tf.memory().numTensors;
  const pairs: [string, tf.Tensor, tf.Tensor][] = [
    ['rows ×1', repeatRows(x, 1), tf.tile(x, [1, 1, 1, 1])],
    ['rows ×3', repeatRows(x, 3), tf.tile(x, [3, 1, 1, 1])],
    ['channels ×3', repeatChannels(grey, 3), tf.tile(grey, [1, 1, 1, 3])],
    ['BGR − mean', bgrMinusMean(x, [103.939, 116.779, 123.68]), tf.tidy(() => tf.sub(tf.reverse(x, 3), [103.939, 116.779, 123.68]))],
  ];
  for (const [name, fast, reference] of pairs) {
    assert.deepEqual(fast.shape, reference.shape, name);
    assert.deepEqual(await fast.data(), await reference.data(), `${name}: the same values, bit for bit`);
  }
  tf.dispose(pairs.flatMap(([, a, b]) => [a, b]));
  assert.equal(tf.memory().numTensors, before, 'the kernels and biases made inside are disposed');
  tf.dispose([x, grey]);
});
