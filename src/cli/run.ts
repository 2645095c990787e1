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
import { classActivationMap } from '../cam/cam';
import { boundingBox } from '../localize/box';
import { evaluateDigits, PAPER_THRESHOLD } from '../metrics/digits';
import { formatLocalizationReport } from '../metrics/report';

const USAGE = `usage:
  camlab layers [--model M]
      the model's layers: class, output shape, parameters, and the CAM head
  camlab cam IMAGE... [--model M] [--class N | --top K] [--out DIR] [--json]
                     [--colormap jet|viridis|inferno|turbo|gray] [--alpha A] [--threshold T]
      writes one overlay PNG per image × class into DIR (default camlab-out) and prints one line each
  camlab eval [--model M] [--count N] [--seed S]
      classification and CAM localization on held-out digit canvases (the embedded model's task)
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
    },
  });
  if (positionals.length === 0) throw new CamlabError(`give at least one image file.\n${USAGE}`);
  if (!(COLORMAPS as string[]).includes(values.colormap!)) throw new CamlabError(`unknown colormap '${values.colormap}'; use one of ${COLORMAPS.join(', ')}.`);
  const model = await openModel(values.model);
  const metadata = modelMetadata(model);
  const threshold = values.threshold !== undefined ? number(values.threshold, '--threshold') : metadata.boxThreshold ?? PAPER_THRESHOLD;
  const targets = values.class !== undefined ? { classIndex: integer(values.class, '--class') } : { topK: integer(values.top ?? '1', '--top') };
  await mkdir(values.out!, { recursive: true });
  for (const file of positionals) {
    const image = await loadImage(file);
    try {
      for (const result of await classActivationMap(model, image, targets)) {
        const output = resolve(join(values.out!, `${basename(file, extname(file))}-class${result.classIndex}.png`));
        await writeFile(output, await overlayPng(image, result.heatmap, { colormap: values.colormap as ColormapName, alpha: number(values.alpha!, '--alpha') }));
        const box = boundingBox(result.heatmap, { threshold });
        const label = metadata.labels?.[result.classIndex];
        const line = { image: file, class: result.classIndex, ...(label !== undefined ? { label } : {}), score: round(result.score), box, threshold, output };
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
  const { values } = parseArgs({ args: argv, options: { model: { type: 'string' }, count: { type: 'string', default: '1000' }, seed: { type: 'string', default: '3' } } });
  const model = await openModel(values.model);
  const metadata = modelMetadata(model);
  const report = await evaluateDigits(model, { split: 'test', count: integer(values.count!, '--count'), seed: integer(values.seed!, '--seed') });
  console.log(formatLocalizationReport(report, { paperThreshold: PAPER_THRESHOLD, chosenThreshold: metadata.boxThreshold ?? PAPER_THRESHOLD, labels: metadata.labels }));
  model.dispose();
  return 0;
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
