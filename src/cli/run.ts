import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../tf';
import { CamlabError } from '../errors';
import { loadDefaultModel, loadModel } from '../model/load';
import { modelMetadata } from '../model/metadata';
import { formatLayerTable, inspectModel } from '../model/inspect';
import type { MethodName } from '../cam/methods/method';
import { digitsCanvas } from '../data/canvas';
import { compareMethods, methodMaker, randomMapMaker, centreGaussianMaker, formatMethodTable } from '../metrics/compare';
import { evaluateDigits, PAPER_THRESHOLD } from '../metrics/digits';
import { formatLocalizationReport } from '../metrics/report';
import { notebooksCommand } from './notebooks';
import { openExplainPool } from '../pool/explain-files';
import { cam } from './cam';
import { readOptions, usage, type Command } from './options';

/** Runs one command and resolves to the exit code: 0 done, 1 refused or failed, 2 some files skipped. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (isCommand(command) && (rest.includes('--help') || rest.includes('-h'))) {
    console.log(usage(command));
    return 0;
  }
  switch (command) {
    case 'layers':
      return layers(rest);
    case 'cam':
      return cam(rest);
    case 'eval':
      return evaluate(rest);
    case 'notebooks':
      return notebooksCommand(rest);
    case '--version':
    case 'version':
      console.log(version());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage());
      return command === undefined ? 1 : 0;
    default:
      throw new CamlabError(`unknown command '${command}'\n${usage()}`);
  }
}

const isCommand = (name: string | undefined): name is Command => name === 'layers' || name === 'cam' || name === 'eval' || name === 'notebooks';

/** camlab's version, from the package.json beside src/ and dist/. */
export function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

function openModel(src: string | undefined): Promise<tf.LayersModel> {
  return src ? loadModel(src) : loadDefaultModel();
}

async function layers(argv: string[]): Promise<number> {
  const { options } = readOptions('layers', argv);
  const model = await openModel(options.model);
  try {
    const anatomy = inspectModel(model);
    console.log(formatLayerTable(anatomy));
    if (anatomy.problem) console.log(`\nno CAM head: ${anatomy.problem}`);
  } finally {
    model.dispose();
  }
  return 0;
}

async function evaluate(argv: string[]): Promise<number> {
  const { options } = readOptions('eval', argv);
  const seed = options.seed ?? 3;
  if (options.compare) return compare(options.model, options.compare, options.count ?? 200, seed);
  // The maps come from the pool (CAM, the batch split across the workers); canvases and scores stay here.
  const pool = await openExplainPool({ model: options.model, method: 'cam' }, { workers: options.workers });
  try {
    const report = await evaluateDigits(pool.explain, { split: 'test', count: options.count ?? 1000, seed });
    console.log(formatLocalizationReport(report, { paperThreshold: PAPER_THRESHOLD, chosenThreshold: pool.info.threshold, labels: pool.info.labels }));
  } finally {
    await pool.close();
  }
  return 0;
}

/** Methods × metrics, in this thread (the deletion/insertion curves need the model here). */
async function compare(src: string | undefined, names: MethodName[], count: number, seed: number): Promise<number> {
  const model = await openModel(src);
  const samples = digitsCanvas({ split: 'test', count, seed });
  try {
    const threshold = modelMetadata(model).boxThreshold ?? PAPER_THRESHOLD;
    const rows = await compareMethods(model, samples, [...names.map((n) => methodMaker(n)), randomMapMaker, centreGaussianMaker], { threshold });
    console.log(`${count} held-out canvases (seed ${seed}), maps of the true class at each method's default layer; box threshold ${threshold}`);
    console.log(formatMethodTable(rows, threshold));
  } finally {
    tf.dispose(samples.map((s) => s.image));
    model.dispose();
  }
  return 0;
}
