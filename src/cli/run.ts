import { parseArgs } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { loadImage } from '../image/load';
import { overlayPng } from '../image/overlay';
import { COLORMAPS, type ColormapName } from '../image/colormap';
import { loadDefaultModel, loadModel } from '../model/load';
import { modelMetadata } from '../model/metadata';
import { formatLayerTable, inspectModel } from '../model/inspect';
import { explain, methods } from '../cam/explain';
import type { MethodName } from '../cam/methods/method';
import { digitsCanvas } from '../data/canvas';
import { compareMethods, methodMaker, randomMapMaker, centreGaussianMaker, formatMethodTable } from '../metrics/compare';
import { boundingBox } from '../localize/box';
import { evaluateDigits, PAPER_THRESHOLD } from '../metrics/digits';
import { formatLocalizationReport } from '../metrics/report';

const USAGE = `usage:
  camlab layers [--model M]
      the model's layers: class, output shape, parameters, and the CAM head
  camlab cam IMAGE... [--model M] [--class N | --top K] [--out DIR] [--json] [--method NAME] [--layer L]
                     [--colormap jet|viridis|inferno|turbo|gray] [--alpha A] [--threshold T]
      writes one overlay PNG per image × class into DIR (default camlab-out) and prints one line each
  camlab eval [--model M] [--count N] [--seed S] [--method all|NAME]
      classification and CAM localization on held-out digit canvases (the embedded model's task);
      with --method, one table of methods × metrics (localization, deletion/insertion, average drop)
--model takes a model.json, its folder or an http(s) URL; without it camlab uses its embedded GAP-CNN.`;

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'layers':
      return layers(rest);
    case 'cam':
      return cam(rest);
    case 'eval':
      return evaluate(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`camlab: unknown command '${command}'\n${USAGE}`);
      return 1;
  }
}

function openModel(src: string | undefined): Promise<tf.LayersModel> {
  return src ? loadModel(src) : loadDefaultModel();
}

async function layers(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' } } });
  const model = await openModel(values.model);
  const anatomy = inspectModel(model);
  console.log(formatLayerTable(anatomy));
  if (anatomy.problem) console.log(`\nno CAM head: ${anatomy.problem}`);
  model.dispose();
  return 0;
}

async function cam(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      class: { type: 'string' },
      top: { type: 'string' },
      out: { type: 'string', default: 'camlab-out' },
      json: { type: 'boolean', default: false },
      colormap: { type: 'string', default: 'jet' },
      alpha: { type: 'string', default: '0.5' },
      threshold: { type: 'string' },
      method: { type: 'string' },
      layer: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new CamlabError(`give at least one image file.\n${USAGE}`);
  if (!(COLORMAPS as string[]).includes(values.colormap!)) throw new CamlabError(`unknown colormap '${values.colormap}'; use one of ${COLORMAPS.join(', ')}.`);
  const model = await openModel(values.model);
  const metadata = modelMetadata(model);
  const threshold = values.threshold !== undefined ? number(values.threshold, '--threshold') : metadata.boxThreshold ?? PAPER_THRESHOLD;
  const classes = values.class !== undefined ? { classIndex: integer(values.class, '--class') } : { topK: integer(values.top ?? '1', '--top') };
  await mkdir(values.out!, { recursive: true });
  for (const file of positionals) {
    const image = await loadImage(file);
    try {
      for (const result of await explain(model, image, { ...classes, method: values.method as MethodName | undefined, layer: values.layer })) {
        const output = resolve(join(values.out!, `${basename(file, extname(file))}-class${result.classIndex}.png`));
        await writeFile(output, await overlayPng(image, result.heatmap, { colormap: values.colormap as ColormapName, alpha: number(values.alpha!, '--alpha') }));
        const box = boundingBox(result.heatmap, { threshold });
        const label = metadata.labels?.[result.classIndex];
        const line = { image: file, class: result.classIndex, ...(label !== undefined ? { label } : {}), score: round(result.score), method: result.method, layer: result.layer, box, threshold, output };
        console.log(values.json ? JSON.stringify(line) : `${file}: class ${label ?? result.classIndex} (p=${line.score}), box ${box.x},${box.y} ${box.width}×${box.height} → ${output}`);
      }
    } finally {
      image.dispose();
    }
  }
  model.dispose();
  return 0;
}

async function evaluate(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, count: { type: 'string' }, seed: { type: 'string', default: '3' }, method: { type: 'string' } } });
  const model = await openModel(values.model);
  const metadata = modelMetadata(model);
  if (values.method !== undefined) {
    await compare(model, values.method, integer(values.count ?? '200', '--count'), integer(values.seed!, '--seed'), metadata.boxThreshold ?? PAPER_THRESHOLD);
    model.dispose();
    return 0;
  }
  const report = await evaluateDigits(model, { split: 'test', count: integer(values.count ?? '1000', '--count'), seed: integer(values.seed!, '--seed') });
  console.log(formatLocalizationReport(report, { paperThreshold: PAPER_THRESHOLD, chosenThreshold: metadata.boxThreshold ?? PAPER_THRESHOLD, labels: metadata.labels }));
  model.dispose();
  return 0;
}

async function compare(model: tf.LayersModel, method: string, count: number, seed: number, threshold: number): Promise<void> {
  const names = method === 'all' ? methods.map((m) => m.name) : [method];
  for (const name of names) if (!methods.some((m) => m.name === name)) throw new CamlabError(`unknown method '${name}'; use all or one of ${methods.map((m) => m.name).join(', ')}.`);
  const samples = digitsCanvas({ split: 'test', count, seed });
  try {
    const rows = await compareMethods(model, samples, [...names.map((n) => methodMaker(n as MethodName)), randomMapMaker, centreGaussianMaker], { threshold });
    console.log(`${count} held-out canvases (seed ${seed}), maps of the true class at each method's default layer; box threshold ${threshold}`);
    console.log(formatMethodTable(rows, threshold));
  } finally {
    tf.dispose(samples.map((s) => s.image));
  }
}

function integer(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new CamlabError(`${flag} takes a whole number, got '${text}'.`);
  return value;
}

function number(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new CamlabError(`${flag} takes a number, got '${text}'.`);
  return value;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;
