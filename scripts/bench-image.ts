// A child of `npm run bench`: one ResNet-50 image (224×224, random weights) explained with CAM and with
// Grad-CAM of a given class through the built package (dist/, as installed), with the WASM threads that
// CAMLAB_THREADS sets for this process. Prints the median wall time of each as JSON.
import { tf, ready, currentThreads, classActivationMap, gradCam } from '../dist';
import { resnet50Architecture } from '../dist/model/architectures/resnet50';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const backend = await ready();
  const model = resnet50Architecture();
  const image = tf.randomUniform([1, 224, 224, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
  const wall = async (body: () => Promise<unknown>) => {
    await body(); // warm-up: XNNPACK's operators made and the weights packed
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await body();
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  };
  const cam = await wall(() => classActivationMap(model, image, { classIndex: 3 }));
  const gradcam = await wall(() => gradCam(model, image, { classIndex: 3 }));
  console.log(JSON.stringify({ backend, threads: currentThreads() ?? 1, cam, gradcam }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
