// He-normal initial weights as tfjs-layers defines them: a normal of σ = √(2 / fan-in), redrawn outside
// ±2σ. tfjs's own seeded sampler took ≈ 1.4 s for ResNet-50's 23.5 M convolution weights (in every
// notebook and test that builds one, and before ImageNet weights overwrite them); camlab's generator
// draws the same distribution several times faster. The same seed still gives the same weights.
import { tf } from '../../tf';
import { Random } from '../../random';
import { CamlabError } from '../../errors';

type Initializer = ReturnType<typeof tf.initializers.heNormal>;

/** tf.initializers.heNormal({ seed }) (same class and config when saved), sampled by camlab. */
export function heNormal(seed: number): Initializer {
  const initializer = tf.initializers.heNormal({ seed });
  initializer.apply = (shape: tf.Shape): tf.Tensor => {
    const dims = shape.map((d) => d ?? 0);
    if (dims.some((d) => d < 1)) throw new CamlabError(`He-normal weights need a complete shape, got [${shape.join(', ')}].`);
    // Fan-in of a dense kernel [in, out] or a channels-last convolution kernel [...window, in, out].
    const fanIn = dims.slice(0, -1).reduce((a, b) => a * b, 1);
    const stddev = Math.sqrt(2 / fanIn);
    const values = new Random(seed).fillTruncatedNormal(new Float32Array(dims.reduce((x, y) => x * y, 1)), stddev, 2);
    return tf.tensor(values, dims, 'float32');
  };
  return initializer;
}
