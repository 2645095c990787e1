import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/**
 * Maps and gradients in a fresh process (a process picks its backend and threads once), through the
 * built package as a user's script runs it. The script ends without closing anything: the process
 * must then exit by itself, so a thread left holding it shows as the child's timeout.
 */
const MAPS_SCRIPT = `
const camlab = require('./dist');
const { tf } = camlab;
(async () => {
  const model = await camlab.loadDefaultModel();
  const image = tf.randomUniform([64, 64, 3], 0, 255, 'float32', 7);
  const maps = {};
  for (const [name, options] of [['cam', { method: 'cam' }], ['gradcam', { method: 'gradcam' }], ['gradcam-early', { method: 'gradcam', layer: 'block2_conv1' }]]) {
    const [result] = await camlab.explain(model, image, { ...options, classIndex: 3 });
    maps[name] = { heatmap: Array.from(result.heatmap.data), raw: Array.from(result.raw.data) };
  }
  // The filter gradient runs camlab's Conv2DBackpropFilter, which WASM lacks.
  const x = tf.randomNormal([2, 24, 24, 16], 0, 1, 'float32', 8);
  const w = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 9);
  const filterGradient = Array.from(tf.grad((f) => tf.conv2d(x, f, 1, 'same').square().sum())(w).dataSync());
  console.log(JSON.stringify({ threads: require('./dist/backend').currentThreads(), maps, filterGradient }));
})();`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  killed?: boolean;
}

async function child(script: string, threads: string, timeout = 180_000): Promise<Outcome> {
  const env = { ...process.env, CAMLAB_BACKEND: 'wasm', CAMLAB_THREADS: threads, CAMLAB_QUIET: '' };
  return run(process.execPath, ['-e', script], { cwd: ROOT, env, timeout, maxBuffer: 64e6 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Outcome) => error,
  );
}

function maxDifference(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return a.reduce((worst, value, i) => Math.max(worst, Math.abs(value - b[i])), 0);
}

test('threaded WASM gives the single-thread maps and gradients, and the process exits by itself', { timeout: 400_000 }, async () => {
  const [one, two] = [await child(MAPS_SCRIPT, '1'), await child(MAPS_SCRIPT, '2')];
  for (const outcome of [one, two]) assert.equal(outcome.code, 0, `killed: ${outcome.killed}; ${outcome.stderr}`);
  assert.match(one.stderr, /backend 'wasm' \(asked for\), 1 thread\b/);
  assert.match(two.stderr, /backend 'wasm' \(asked for\), 2 threads\b/);
  const [single, threaded] = [JSON.parse(one.stdout), JSON.parse(two.stdout)];
  assert.equal(single.threads, 1);
  assert.equal(threaded.threads, 2);
  for (const name of ['cam', 'gradcam', 'gradcam-early']) {
    const scale = Math.max(...single.maps[name].raw.map(Math.abs));
    assert.ok(scale > 0, `${name}: the map is not all zero`);
    assert.ok(maxDifference(single.maps[name].heatmap, threaded.maps[name].heatmap) <= 1e-5, `${name}: heatmaps differ`);
    assert.ok(maxDifference(single.maps[name].raw, threaded.maps[name].raw) <= 1e-5 * scale, `${name}: raw maps differ`);
  }
  const scale = Math.max(...single.filterGradient.map(Math.abs));
  assert.ok(maxDifference(single.filterGradient, threaded.filterGradient) <= 1e-5 * scale, 'filter gradients differ');
});

test('CAMLAB_THREADS that is not a whole number ≥ 1 is refused before anything starts', async () => {
  for (const value of ['0', '1.5', 'two', '-2']) {
    const outcome = await child(
      `require('./dist').ready().then(() => console.log('started'), (e) => { console.log(e.name, e.message); process.exit(3); })`,
      value,
      60_000,
    );
    assert.equal(outcome.code, 3, value);
    assert.doesNotMatch(outcome.stdout, /started/);
    assert.match(
      outcome.stdout,
      new RegExp(`CamlabError CAMLAB_THREADS='${value.replace('.', '\\.')}' is not a whole number ≥ 1; use 1 for one thread`),
    );
  }
});
