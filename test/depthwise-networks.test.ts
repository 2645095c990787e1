// Depthwise networks on WASM, map by map (slow: the CPU backend runs each network too, so `npm test`
// runs this file and `npm run test:unit` leaves it out): every gradient method at an early, a middle and
// the last layer of MobileNet v1 and of a MobileNet v2, topologies built in code with Keras's names,
// equals the CPU backend's map. The kernels themselves are checked in wasm-gradients.test.ts.
import { test, before, after } from 'node:test';
import { tf, ready } from '../src';
import { mobilenetV1Architecture, mobilenetV2Architecture } from '../src/model/architectures/mobilenet';
import { assertSameMapsOnWasm } from './helpers/backend-maps';

let original: string;
before(
  async () => {
    await ready();
    original = tf.getBackend();
  },
  { timeout: 60000 },
);
after(async () => {
  await tf.setBackend(original);
});

test('MobileNet v1 (alpha 0.25): every gradient method at an early, a middle and the last layer draws the same map on WASM as on the CPU backend', async () => {
  await assertSameMapsOnWasm(
    () => mobilenetV1Architecture({ alpha: 0.25, size: 64, seed: 3 }),
    ['conv_pw_2_relu', 'conv_dw_7_relu', 'conv_pw_13_relu'],
    309,
  );
});

// ReLU outputs: Grad-CAM++'s weights g² / (2g² + Σ A·g³) have no ε (as in the paper), and where the
// activations are signed (block_2_add) a denominator near zero turns float rounding into a 1.5 % change
// of its map although the gradients agree to 4e-6 (measured; Grad-CAM and Layer-CAM agree there).
test('MobileNet v2 (alpha 0.35): every gradient method at an early, a middle and the last layer draws the same map on WASM as on the CPU backend', async () => {
  await assertSameMapsOnWasm(
    () => mobilenetV2Architecture({ alpha: 0.35, size: 64, seed: 4 }),
    ['block_2_expand_relu', 'block_8_depthwise_relu', 'out_relu'],
    309,
  );
});
