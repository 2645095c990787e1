import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const SCRIPT = `require('./dist').ready().then((b) => { console.log('chose', b); }, (e) => { console.log('error', e.message); process.exit(3); })`;

/**
 * ready() in a fresh process, since a process can pick its backend only once. The children run the
 * built package (dist/, which `pretest` builds) with plain node, as a user's process does: no tsx hook
 * sits between camlab and the process's handlers, and a child starts in a third of the time.
 */
async function readyWith(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['-e', SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, CAMLAB_QUIET: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function tfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

test('without a preference camlab takes tfjs-node when installed, else WASM, and says why', async () => {
  const { code, stdout, stderr } = await readyWith({ CAMLAB_BACKEND: '' });
  assert.equal(code, 0);
  if (tfjsNodeInstalled()) {
    assert.match(stdout, /chose tensorflow/);
  } else {
    assert.match(stdout, /chose wasm/);
    assert.match(stderr, /backend 'wasm' \(tensorflow: @tensorflow\/tfjs-node is not installed\)/);
  }
});

test('CAMLAB_BACKEND forces a backend', async () => {
  const { code, stdout, stderr } = await readyWith({ CAMLAB_BACKEND: 'cpu' });
  assert.equal(code, 0);
  assert.match(stdout, /chose cpu/);
  assert.match(stderr, /backend 'cpu' \(asked for\)/);
});

test('a forced backend that is not installed, or a misspelt one, is a clear error', async () => {
  if (!tfjsNodeInstalled()) {
    const missing = await readyWith({ CAMLAB_BACKEND: 'tensorflow' });
    assert.equal(missing.code, 3);
    assert.match(
      missing.stdout,
      /'tensorflow' backend was asked for but cannot be used: @tensorflow\/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node/,
    );
  }
  const wrong = await readyWith({ CAMLAB_BACKEND: 'gpu' });
  assert.equal(wrong.code, 3);
  assert.match(wrong.stdout, /CAMLAB_BACKEND='gpu' is not a backend; use one of: tensorflow, wasm, cpu/);
});

/** A script that starts a backend, reports the error listeners, then leaves one rejection unhandled. */
const REJECTION_SCRIPT = `
const count = () => process.listenerCount('uncaughtException') + '/' + process.listenerCount('unhandledRejection');
const before = count();
require('./dist').loadDefaultModel().then((model) => {
  console.log('listeners', before, '->', count(), 'layers', model.layers.length);
  Promise.reject(new Error('a rejection nobody handles'));
});`;

for (const [backend, threads] of [
  ['wasm', '1'],
  ['wasm', '2'],
  ['cpu', ''],
]) {
  test(
    `on the ${backend} backend${threads ? ` with ${threads} thread(s)` : ''}, camlab leaves the process's error handlers as they were`,
    { timeout: 120_000 },
    async () => {
      const outcome = await run(process.execPath, ['-e', REJECTION_SCRIPT], {
        cwd: ROOT,
        env: { ...process.env, CAMLAB_QUIET: '1', CAMLAB_BACKEND: backend, CAMLAB_THREADS: threads },
      }).then(
        () => ({ code: 0, stdout: '', stderr: '' }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      assert.match(outcome.stdout, /listeners 0\/0 -> 0\/0 layers \d+/);
      // Node's own answer to an unhandled rejection (exit code 1), not a rethrowing handler's crash (exit code 7).
      assert.equal(outcome.code, 1, outcome.stderr);
      assert.match(outcome.stderr, /a rejection nobody handles/);
    },
  );
}
