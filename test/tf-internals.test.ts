import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, ready, CamlabError } from '../src';
import { checkTfInternals, SUPPORTED_TFJS, type TfLike } from '../src/tf-internals';

const refusal = (pattern: RegExp) => (error: unknown) => error instanceof CamlabError && pattern.test(error.message);

test('ready() refuses a TensorFlow.js whose internals are missing, naming them and the supported versions, and starts once they are back', async () => {
  assert.deepEqual([...SUPPORTED_TFJS], ['4.22.0']);
  const state = tf.engine().state as unknown as { gradientDepth?: number };
  const depth = state.gradientDepth;
  delete state.gradientDepth;
  try {
    await assert.rejects(
      ready(),
      refusal(
        /^camlab needs TensorFlow\.js internals that this @tensorflow\/tfjs \(version 4\.22\.0\) does not have: engine\(\)\.state\.gradientDepth \(a number\)\. camlab supports @tensorflow\/tfjs 4\.22\.0: install that version/,
      ),
    );
  } finally {
    state.gradientDepth = depth;
  }
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(await ready()));
});

test('a stand-in tf without the internals is refused by name; the real one passes', () => {
  checkTfInternals(); // the installed @tensorflow/tfjs
  const bare: TfLike = { version: { tfjs: '5.0.0' }, engine: () => ({ state: {} }), layers: { Layer: { prototype: {} } } };
  assert.throws(
    () => checkTfInternals(bare),
    refusal(
      /version 5\.0\.0\) does not have: engine\(\)\.state\.gradientDepth \(a number\); engine\(\)\.startTape\(\) keeping the tape in state\.activeTape; engine\(\)\.addTapeNode\(\) recording into state\.activeTape; layers\.Layer\.prototype\.call; layers\.Layer\.prototype\.apply calling this\.call\(\)\. camlab supports @tensorflow\/tfjs 4\.22\.0/,
    ),
  );
  assert.throws(() => checkTfInternals({}), refusal(/version unknown\) does not have: engine\(\)\.state\.gradientDepth/));
  // The real internals under another major version: refused too (nothing says they still mean the same).
  const real = tf as unknown as TfLike;
  const renamed: TfLike = { version: { tfjs: '3.21.0' }, engine: real.engine, layers: real.layers };
  assert.throws(
    () => checkTfInternals(renamed),
    refusal(/version 3\.21\.0\) may not have \(camlab supports 4\.x\)\. camlab supports @tensorflow\/tfjs 4\.22\.0/),
  );
  // A Layer whose apply no longer calls this.call: the probe would record nothing.
  const layers = {
    Layer: {
      prototype: {
        call: () => undefined,
        apply: function apply() {
          return undefined;
        },
      },
    },
  };
  assert.throws(
    () => checkTfInternals({ version: { tfjs: '4.22.0' }, engine: real.engine, layers }),
    refusal(/does not have: layers\.Layer\.prototype\.apply calling this\.call\(\)\./),
  );
});
