// MobileNet v2 (Teachable Machine's base) on WASM: every gradient method's map equals the CPU backend's
// at an early, a middle and the last layer (the depthwise gradients camlab registers for 'wasm').
import { test, before, after } from 'node:test';
import { tf, ready } from '../src';
import { mobilenetV2Architecture } from '../src/model/architectures/mobilenet';
import { assertSameMapsOnWasm } from './helpers/backend-maps';

let original: string;
before(async () => {
  await ready();
  original = tf.getBackend();
}, { timeout: 60000 });
after(async () => {
  await tf.setBackend(original);
});

// ReLU outputs: Grad-CAM++'s weights g² / (2g² + Σ A·g³) have no ε (as in the paper), and where the
// activations are signed (block_2_add) a denominator near zero turns float rounding into a 1.5 % change
// of its map although the gradients agree to 4e-6 (measured; Grad-CAM and Layer-CAM agree there).
test('MobileNet v2 (alpha 0.35): every gradient method at an early, a middle and the last layer draws the same map on WASM as on the CPU backend', async () => {
  await assertSameMapsOnWasm(() => mobilenetV2Architecture({ alpha: 0.35, size: 64, seed: 4 }), ['block_2_expand_relu', 'block_8_depthwise_relu', 'out_relu'], 309);
});
