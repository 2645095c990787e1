// npm run train: trains the embedded GAP-CNN from scratch on digit canvases and writes it with its card.
// Deterministic for the seed (weights, canvases and their order), up to floating-point summation order.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf, ready, saveModel } from '../src';
import { renderCanvases, CANVAS_SIZE, type CanvasPixels } from '../src/data/canvas';
import { digitsGapCnn, DIGIT_LABELS } from '../src/model/architectures/digits';
import { ProgressBar, formatSeconds } from '../src/progress';

const SEED = 1;
const EPOCHS = Number(process.env.EPOCHS ?? 20);
const PER_EPOCH = Number(process.env.PER_EPOCH ?? 8000);
const BATCH = 64;
const BASE_RATE = Number(process.env.LEARNING_RATE ?? 3e-3);
const BUDGET_MINUTES = Number(process.env.BUDGET_MINUTES ?? 40);
const OUT = process.env.OUT ?? join(__dirname, '..', 'data', 'models', 'digits-gap-cnn');
const VALIDATION_COUNT = 1000;

function toTensors(canvases: CanvasPixels[]): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const pixels = new Float32Array(canvases.length * CANVAS_SIZE * CANVAS_SIZE);
  canvases.forEach((c, i) => pixels.set(c.pixels, i * CANVAS_SIZE * CANVAS_SIZE));
  return tf.tidy(() => ({
    xs: tf.tensor4d(pixels, [canvases.length, CANVAS_SIZE, CANVAS_SIZE, 1]),
    ys: tf
      .oneHot(
        tf.tensor1d(
          canvases.map((c) => c.label),
          'int32',
        ),
        10,
      )
      .toFloat() as tf.Tensor2D,
  }));
}

function learningRate(epoch: number): number {
  // Constant, then two steps down for the last fifth and tenth of the epochs.
  if (epoch >= Math.floor(EPOCHS * 0.9)) return BASE_RATE / 10;
  if (epoch >= Math.floor(EPOCHS * 0.8)) return BASE_RATE / 3;
  return BASE_RATE;
}

async function main(): Promise<void> {
  const backend = await ready();
  const model = digitsGapCnn({ seed: SEED, size: CANVAS_SIZE });
  const validation = toTensors(renderCanvases({ split: 'validation', count: VALIDATION_COUNT, seed: 1 }));
  const history: { epoch: number; loss: number; accuracy: number; validationAccuracy: number; seconds: number; learningRate: number }[] =
    [];
  const started = Date.now();
  let rate = NaN;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const epochStart = Date.now();
    const elapsedMinutes = (epochStart - started) / 60000;
    const lastEpochMinutes = history.length ? history[history.length - 1].seconds / 60 : 0;
    if (elapsedMinutes + lastEpochMinutes > BUDGET_MINUTES) {
      console.error(`stopping after ${epoch} epochs: the next would pass the ${BUDGET_MINUTES}-minute budget`);
      break;
    }
    if (learningRate(epoch) !== rate) {
      rate = learningRate(epoch);
      model.compile({ optimizer: tf.train.adam(rate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    }
    const { xs, ys } = toTensors(renderCanvases({ split: 'train', count: PER_EPOCH, seed: 1000 + epoch }));
    const batches = Math.ceil(PER_EPOCH / BATCH);
    const bar = new ProgressBar(batches, `epoch ${epoch + 1}/${EPOCHS}`);
    let [lossSum, accSum, seen] = [0, 0, 0];
    await model.fit(xs, ys, {
      epochs: 1,
      batchSize: BATCH,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onBatchEnd: async (batch, logs) => {
          lossSum += logs?.loss ?? 0;
          accSum += logs?.acc ?? 0;
          seen++;
          bar.update(batch + 1, `batch ${batch + 1}/${batches} loss ${(lossSum / seen).toFixed(3)} acc ${(accSum / seen).toFixed(3)}`);
        },
      },
    });
    tf.dispose([xs, ys]);
    const validationAccuracy = tf.tidy(() => {
      const predicted = tf.argMax(model.predict(validation.xs, { batchSize: 200 }) as tf.Tensor, 1);
      return tf.mean(tf.equal(predicted, tf.argMax(validation.ys, 1))).dataSync()[0];
    });
    const seconds = (Date.now() - epochStart) / 1000;
    history.push({ epoch: epoch + 1, loss: lossSum / seen, accuracy: accSum / seen, validationAccuracy, seconds, learningRate: rate });
    console.error(
      `epoch ${epoch + 1}: loss ${(lossSum / seen).toFixed(4)}, train acc ${(accSum / seen).toFixed(4)}, validation acc ${validationAccuracy.toFixed(4)}, ${formatSeconds(seconds)}`,
    );
  }
  const totalSeconds = (Date.now() - started) / 1000;
  await saveModel(model, OUT);
  const training = {
    seed: SEED,
    backend,
    epochs: history.length,
    canvasesPerEpoch: PER_EPOCH,
    batchSize: BATCH,
    optimizer: `Adam, learning rate ${BASE_RATE}, then a third and a tenth of it for the last 20% and 10% of epochs`,
    parameters: model.countParams(),
    totalSeconds,
    history,
    command: 'npm run train',
  };
  await writeFile(join(OUT, 'training.json'), JSON.stringify(training, null, 2) + '\n');
  await writeFile(join(OUT, 'metadata.json'), JSON.stringify({ labels: DIGIT_LABELS }, null, 2) + '\n');
  console.error(`trained in ${formatSeconds(totalSeconds)}; model written to ${OUT}`);
  const { writeModelCard } = await import('./model-card');
  await writeModelCard(OUT);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
