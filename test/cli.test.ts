import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { ready, saveModel, loadModel, loadImage, explain, boundingBox } from '../src';
import { sequentialGapCnn } from './helpers/models';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'dist', 'cli.js');
let dir: string;

before(
  async () => {
    await ready();
    dir = await mkdtemp(join(tmpdir(), 'camlab-cli-'));
    const model = sequentialGapCnn();
    await saveModel(model, join(dir, 'model'));
    model.dispose();
    const data = Buffer.alloc(40 * 30 * 4, 255);
    for (let i = 0; i < 40 * 30; i++) data[i * 4] = (i * 7) % 256;
    await writeFile(join(dir, 'picture.png'), await Jimp.fromBitmap({ width: 40, height: 30, data }).getBuffer('image/png'));
  },
  { timeout: 60000 },
);

after(() => rm(dir, { recursive: true, force: true }), { timeout: 60000 });

const camlab = (...args: string[]) => run(process.execPath, [CLI, ...args], { env: { ...process.env, CAMLAB_QUIET: '1' } });
const camlabIn = (cwd: string, ...args: string[]) =>
  run(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, CAMLAB_QUIET: '1' } });
type Failure = Error & { stdout: string; stderr: string; code: number };

async function picture(width: number, height: number, seed: number, mime: 'image/png' | 'image/jpeg' = 'image/png'): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4, 255);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) data[i * 4 + c] = (i * (5 + c) * seed) % 256;
  return Jimp.fromBitmap({ width, height, data }).getBuffer(mime);
}

/** Every file under a folder, as paths relative to it. */
async function tree(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(folder.length + 1))
    .sort();
}

test('camlab layers prints the layer table with the CAM head marked', async () => {
  const { stdout } = await camlab('layers', '--model', join(dir, 'model'));
  assert.match(stdout, /features\s+Conv2D\s+\[n, 16, 16, 16\].*← CAM features/);
  assert.match(stdout, /gap\s+GlobalAveragePooling2D.*← global average pooling/);
});

test('camlab cam --json writes overlay PNGs at the image size and prints one line per image × class', async () => {
  const out = join(dir, 'out');
  const { stdout } = await camlab('cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--top', '2', '--out', out, '--json');
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { class: number; score: number; box: { width: number }; output: string });
  assert.equal(lines.length, 2);
  assert.notEqual(lines[0].class, lines[1].class);
  assert.ok(lines[0].score >= lines[1].score);
  for (const line of lines) {
    const png = await Jimp.read(line.output);
    assert.deepEqual([png.bitmap.width, png.bitmap.height], [40, 30]);
    assert.ok(line.box.width >= 1 && line.box.width <= 40);
  }
});

test('camlab reports bad input as one clear line and a non-zero exit', async () => {
  await assert.rejects(
    camlab('cam', join(dir, 'nope.png'), '--model', join(dir, 'model')),
    (e: Error & { stderr: string; code: number }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /^camlab: Image file not found: '.*nope\.png'/);
      return true;
    },
  );
  await assert.rejects(camlab('cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--class', '9'), (e: Failure) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr, /classIndex 9 is not a class/);
    return true;
  });
  await assert.rejects(camlab('frobnicate'), /unknown command 'frobnicate'/);
});

const decode = async (path: string) => (await Jimp.read(path)).bitmap;

test('camlab cam --method --layer --colormap gray --alpha 1 --threshold: the PNG is the method’s heat map at that layer, the box uses that threshold', async () => {
  const out = join(dir, 'gray');
  const { stdout } = await camlab(
    'cam',
    join(dir, 'picture.png'),
    '--model',
    join(dir, 'model'),
    '--method',
    'layercam',
    '--layer',
    'conv1',
    '--colormap',
    'gray',
    '--alpha',
    '1',
    '--threshold',
    '0.6',
    '--class',
    '2',
    '--out',
    out,
    '--json',
  );
  const line = JSON.parse(stdout) as { class: number; method: string; layer: string; threshold: number; box: object; output: string };
  assert.deepEqual([line.class, line.method, line.layer, line.threshold], [2, 'layercam', 'conv1', 0.6]);
  // The same map from the API: grey at full opacity writes round(255 × heat) in every channel.
  const model = await loadModel(join(dir, 'model'));
  const image = await loadImage(join(dir, 'picture.png'));
  const [expected] = await explain(model, image, { method: 'layercam', layer: 'conv1', classIndex: 2 });
  image.dispose();
  model.dispose();
  assert.deepEqual([expected.raw.width, expected.raw.height], [32, 32], 'conv1 keeps the input resolution');
  const png = await decode(line.output);
  for (let i = 0; i < 40 * 30; i++) {
    const grey = Math.round(255 * expected.heatmap.data[i]);
    assert.deepEqual(Array.from(png.data.subarray(i * 4, i * 4 + 3)), [grey, grey, grey], `pixel ${i}`);
  }
  assert.deepEqual(line.box, boundingBox(expected.heatmap, { threshold: 0.6 }));
  assert.notDeepEqual(line.box, boundingBox(expected.heatmap, { threshold: 0.2 }), 'the threshold matters for this map');
});

test('camlab cam without --out or --json writes into ./camlab-out and prints a plain line; --colormap viridis colours it', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'camlab-cli-cwd-'));
  try {
    const { stdout } = await run(
      process.execPath,
      [CLI, 'cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--colormap', 'viridis', '--alpha', '1'],
      { cwd, env: { ...process.env, CAMLAB_QUIET: '1' } },
    );
    const match = /^(.+picture\.png): class (\d) \(p=([\d.]+), cam\), box (\d+),(\d+) (\d+)×(\d+) → (.+)\n$/.exec(stdout);
    assert.ok(match, `plain line: ${stdout}`);
    const output = match[8];
    assert.equal(output, join(cwd, 'camlab-out', `picture.png-class${match[2]}-cam.png`));
    const png = await decode(output);
    const pixels = Array.from({ length: 40 * 30 }, (_, i) => Array.from(png.data.subarray(i * 4, i * 4 + 3)).join(','));
    // At full opacity every pixel is a viridis colour; the coldest is its first anchor (#440154) and the hottest its last (#fde725).
    assert.ok(pixels.includes('68,1,84') && pixels.includes('253,231,37'), 'both ends of viridis appear');
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

test('camlab cam on a folder: duplicate names, a .jpg/.png pair, an empty file and text named .png', async () => {
  const input = join(dir, 'mixed');
  await mkdir(join(input, 'a'), { recursive: true });
  await mkdir(join(input, 'b'), { recursive: true });
  await writeFile(join(input, 'a', 'x.png'), await picture(30, 20, 1));
  await writeFile(join(input, 'b', 'x.png'), await picture(20, 30, 2));
  await writeFile(join(input, 'y.png'), await picture(25, 25, 3));
  await writeFile(join(input, 'y.jpg'), await picture(25, 25, 4, 'image/jpeg'));
  await writeFile(join(input, 'empty.png'), '');
  await writeFile(join(input, 'text.png'), 'this is not a picture');
  await writeFile(join(input, 'readme.txt'), 'not an image extension: not read');
  const out = join(dir, 'mixed-out');
  const failure = await camlab(
    'cam',
    input,
    '--model',
    join(dir, 'model'),
    '--top',
    '2',
    '--method',
    'gradcam',
    '--out',
    out,
    '--json',
    '--workers',
    '2',
  ).then(
    () => assert.fail('a run with skipped files must exit non-zero'),
    (e: Failure) => e,
  );
  assert.equal(failure.code, 2);
  const lines = failure.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          image: string;
          class?: number;
          method?: string;
          layer?: string;
          output?: string;
          skipped?: string;
          threshold?: number;
          score?: number;
          box?: object;
        },
    );
  // Input order: each folder's entries sorted by name, folders walked where they sort.
  const order = [...new Set(lines.map((l) => l.image.slice(input.length + 1)))];
  assert.deepEqual(order, [join('a', 'x.png'), join('b', 'x.png'), 'empty.png', 'text.png', 'y.jpg', 'y.png']);
  const skipped = lines.filter((l) => l.skipped);
  assert.deepEqual(
    skipped.map((l) => l.image.slice(input.length + 1)),
    ['empty.png', 'text.png'],
  );
  assert.match(skipped[0].skipped!, /is empty \(0 bytes\)/);
  assert.match(skipped[1].skipped!, /could not be decoded: it is none of the formats camlab reads/);
  const maps = lines.filter((l) => !l.skipped);
  assert.equal(maps.length, 4 * 2);
  for (const line of maps) {
    assert.equal(line.method, 'gradcam');
    assert.equal(line.layer, 'features');
    assert.equal(line.threshold, 0.2);
    assert.ok(line.box && typeof line.score === 'number');
  }
  // Nothing overwritten: one file per map, mirroring the input tree, class and method in the name.
  const written = await tree(out);
  assert.equal(new Set(maps.map((l) => l.output)).size, maps.length);
  assert.deepEqual(written, maps.map((l) => l.output!.slice(out.length + 1)).sort());
  for (const line of maps) assert.match(line.output!, new RegExp(`-class${line.class}-gradcam\\.png$`));
  assert.ok(written.includes(join('a', `x.png-class${maps[0].class}-gradcam.png`)));
  assert.ok(written.some((f) => f.startsWith('y.jpg-')) && written.some((f) => f.startsWith('y.png-')));
  // stderr: a line per file (not a terminal here), then the summary with each skipped file's reason.
  assert.match(failure.stderr, /\[1\/6\] .*x\.png: 2 maps/);
  assert.match(
    failure.stderr,
    /explained 4 of 6 images \(8 maps\) in [\d.]+ s, [\d.]+ images\/s on 2 workers; skipped 2:\n {2}.*empty\.png: .*empty \(0 bytes\).*\n {2}.*text\.png: .*could not be decoded/,
  );
});

test('camlab cam --json without --out writes JSON Lines and no PNG', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'camlab-cwd-'));
  try {
    const { stdout } = await camlabIn(cwd, 'cam', join(dir, 'picture.png'), '--model', join(dir, 'model'), '--json');
    const [line] = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { output: string | null; class: number });
    assert.equal(line.output, null);
    assert.deepEqual(await readdir(cwd), []);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});

test('camlab cam --layer without --method says which method it uses', async () => {
  const { stderr, stdout } = await camlab(
    'cam',
    join(dir, 'picture.png'),
    '--model',
    join(dir, 'model'),
    '--layer',
    'conv1',
    '--out',
    join(dir, 'layer-out'),
  );
  assert.match(stderr, /--layer without --method: using gradcam at 'conv1'/);
  assert.match(stdout, /gradcam\), box .* → .*picture\.png-class\d-gradcam\.png/);
});

test('conflicting and invalid options are refused with a sentence before any model loads', async () => {
  // The model path does not exist: an error about the option proves the model was never opened.
  const missing = join(dir, 'no-such-model');
  const cases: [string[], RegExp][] = [
    [['--class', '2', '--top', '3'], /--class and --top both choose the classes to explain; give one of them\./],
    [['--class', ''], /--class takes a whole number ≥ 0, got ''\./],
    [['--class', '1,x'], /--class takes a whole number ≥ 0, got 'x'\./],
    [['--top', '0'], /--top takes a whole number ≥ 1, got '0'\./],
    [['--threshold', '2'], /--threshold takes a number from 0 to 1, got '2'\./],
    [['--alpha', 'half'], /--alpha takes a number from 0 to 1, got 'half'\./],
    [['--workers', '0'], /--workers takes a whole number ≥ 1, got '0'\./],
    [['--method', 'magic'], /--method 'magic' is not one of: cam, gradcam/],
    [['--fit', 'squash'], /--fit 'squash' is not one of: stretch, center-crop\./],
    [['--preprocess', 'imagenet'], /--preprocess 'imagenet' is not one of: none, caffe, tf, torch, teachable-machine\./],
    [['--colormap', 'rainbow'], /--colormap 'rainbow' is not one of: jet, viridis/],
    [['--frobnicate'], /Unknown option '--frobnicate'\.\n/],
    [['--clas', '2'], /Unknown option '--clas'; did you mean '--class'\?/],
  ];
  for (const [args, expected] of cases) {
    await assert.rejects(
      camlab('cam', join(dir, 'picture.png'), '--model', missing, '--out', join(dir, 'refused'), ...args),
      (e: Failure) => {
        assert.equal(e.code, 1, args.join(' '));
        assert.match(e.stderr, expected);
        assert.doesNotMatch(e.stderr, /no-such-model/);
        return true;
      },
    );
  }
  await assert.rejects(
    camlab('cam', join(dir, 'picture.png'), '--model', missing, '--json', '--colormap', 'gray'),
    /--colormap changes the overlay PNGs, and --json without --out writes none; add --out DIR or drop it\./,
  );
  await assert.rejects(camlab('cam', join(dir, 'nowhere'), '--model', missing), /Image file not found: '.*nowhere'/);
  await assert.rejects(camlab('eval', '--model', missing, '--count', '1.5'), /--count takes a whole number ≥ 1, got '1.5'/);
  await assert.rejects(stat(join(dir, 'refused')), /ENOENT/);
});

test('camlab --version prints the package version', async () => {
  const { version } = JSON.parse(await readFile(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  assert.match(version, /^\d+\.\d+\.\d+/);
  assert.equal((await camlab('--version')).stdout, `${version}\n`);
});

test('camlab notebooks copies the tutorial into a folder, keeps what is there, and overwrites with --force', async () => {
  const project = await mkdtemp(join(tmpdir(), 'camlab-notebooks-'));
  try {
    const shipped = (await readdir(join(__dirname, '..', 'notebooks'))).filter((n) => n.endsWith('.ipynb')).sort();
    assert.ok(shipped.length >= 7);
    const first = await camlabIn(project, 'notebooks');
    assert.equal((first.stdout.match(/^copied .*\.ipynb$/gm) ?? []).length, shipped.length);
    assert.deepEqual((await readdir(join(project, 'camlab-notebooks'))).sort(), shipped);
    const mine = join(project, 'camlab-notebooks', shipped[0]);
    await writeFile(mine, '{"my": "changes"}');
    const again = await camlabIn(project, 'notebooks', 'camlab-notebooks');
    assert.match(again.stdout, new RegExp(`kept your ${shipped[0].replace('.', '\\.')} \\(--force overwrites it\\)`));
    assert.equal(await readFile(mine, 'utf8'), '{"my": "changes"}');
    await camlabIn(project, 'notebooks', 'camlab-notebooks', '--force');
    assert.deepEqual(await readFile(mine), await readFile(join(__dirname, '..', 'notebooks', shipped[0])));
    await assert.rejects(camlabIn(project, 'notebooks', 'a', 'b'), /camlab notebooks takes one folder, got 2: a b/);
  } finally {
    await rm(project, { recursive: true, force: true });
  }
});
