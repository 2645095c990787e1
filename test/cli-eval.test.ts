// `camlab eval` on the embedded, trained model (slower: not part of npm run test:unit).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ready, loadDefaultModel, evaluateDigits } from '../src';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const camlab = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, CAMLAB_QUIET: '1' } });

before(
  async () => {
    await ready();
  },
  { timeout: 60000 },
);

test('camlab eval prints the report of evaluateDigits on the same canvases (the embedded model by default)', async () => {
  const { stdout } = await camlab('eval', '--count', '20', '--seed', '5');
  const model = await loadDefaultModel();
  const report = await evaluateDigits(model, { split: 'test', count: 20, seed: 5 });
  model.dispose();
  assert.match(stdout, /^canvases: 20$/m);
  assert.match(stdout, new RegExp(`^classification accuracy: ${(100 * report.accuracy).toFixed(1)}%$`, 'm'));
  assert.match(stdout, new RegExp(`^pointing game \\(CAM peak inside the true box\\): ${(100 * report.pointingGame).toFixed(1)}%$`, 'm'));
  const rows = stdout.split('\n').filter((l) => /^\s+0\.\d\d\s/.test(l));
  assert.equal(rows.length, 19, 'one row per threshold 0.05 … 0.95');
  const at = report.byThreshold.find((t) => Math.abs(t.threshold - 0.3) < 1e-9)!;
  assert.match(
    stdout,
    new RegExp(
      `validated threshold 0\\.3: top-1 localization ${(100 * at.top1Localization).toFixed(1)}%, GT-known localization ${(100 * at.gtKnownLocalization).toFixed(1)}%`,
    ),
  );
});

test('camlab eval --method all prints one row per method and the four baselines, with ROAD and the random-model column', async () => {
  const { stdout } = await camlab('eval', '--method', 'all', '--count', '2', '--seed', '5');
  assert.match(stdout, /^2 held-out canvases \(seed 5\).*box threshold 0\.3$/m);
  const rows = stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| map') && !l.startsWith('| ---'));
  const names = rows.map((l) => l.split('|')[1].trim());
  assert.deepEqual(
    names.map((n) => n.replace(/ ⚑$/, '')),
    [
      'cam',
      'gradcam',
      'gradcam++',
      'scorecam',
      'layercam',
      'hirescam',
      'eigencam',
      'xgradcam',
      'ablationcam',
      'eigengradcam',
      'random map',
      'centre Gaussian',
      'random CAM',
      'Sobel edges',
    ],
  );
  // ⚑: the map stays alike on the randomised model. The input-only baselines always are; CAM never is.
  for (const flagged of ['random map ⚑', 'centre Gaussian ⚑', 'Sobel edges ⚑', 'cam'])
    assert.ok(names.includes(flagged), `${flagged} in ${names}`);
  assert.match(stdout, /\| ROAD MoRF ↓ \| ROAD LeRF ↑ \| ROAD combined ↑ \| rank corr\. with random model ↓ \|/);
  for (const line of rows) {
    const cells = line
      .split('|')
      .slice(2, -1)
      .map((c) => parseFloat(c));
    assert.ok(cells.every(Number.isFinite), `numbers in ${line}`);
  }
  await assert.rejects(camlab('eval', '--method', 'nope', '--count', '1'), /--method 'nope' is not one of: all, cam, gradcam/);
});
