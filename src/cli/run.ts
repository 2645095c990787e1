// Only light modules are imported here: TensorFlow.js and the model code load once a command's options
// have been read and checked, so `--help`, `--version` and a refused option answer at once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { tf } from '../tf';
import { CamlabError } from '../errors';
import type { MethodName } from '../choices';
import { notebooksCommand } from './notebooks';
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

const isCommand = (name: string | undefined): name is Command =>
  name === 'layers' || name === 'cam' || name === 'eval' || name === 'notebooks';

/** camlab's version, from the package.json beside src/ and dist/. */
export function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

async function openModel(src: string | undefined): Promise<tf.LayersModel> {
  const { loadDefaultModel, loadModel } = await import('../model/load');
  return src ? loadModel(src) : loadDefaultModel();
}

async function layers(argv: string[]): Promise<number> {
  const { options } = readOptions('layers', argv);
  const { formatLayerTable, inspectModel } = await import('../model/inspect');
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
  const [{ openExplainPool }, { evaluateDigits }, { PAPER_THRESHOLD }, { formatLocalizationReport }] = await Promise.all([
    import('../pool/explain-files'),
    import('../metrics/digits'),
    import('../localize/box'),
    import('../metrics/report'),
  ]);
  // The maps come from the pool (CAM, the batch split across the workers); canvases and scores stay here.
  const pool = await openExplainPool({ model: options.model, method: 'cam' }, { workers: options.workers });
  try {
    const report = await evaluateDigits(pool.explain, { split: 'test', count: options.count ?? 1000, seed });
    console.log(
      formatLocalizationReport(report, { paperThreshold: PAPER_THRESHOLD, chosenThreshold: pool.info.threshold, labels: pool.info.labels }),
    );
  } finally {
    await pool.close();
  }
  return 0;
}

/** Methods × metrics, in this thread (the deletion/insertion curves need the model here). */
async function compare(src: string | undefined, names: MethodName[], count: number, seed: number): Promise<number> {
  const [{ tf }, { defaultBoxThreshold }, { digitsCanvas }, { compareMethods, formatMethodTable }, { methodMaker }, baselines] =
    await Promise.all([
      import('../tf'),
      import('../localize/box'),
      import('../data/canvas'),
      import('../metrics/compare'),
      import('../metrics/map-maker'),
      import('../metrics/baselines'),
    ]);
  const model = await openModel(src);
  const samples = digitsCanvas({ split: 'test', count, seed });
  try {
    const threshold = defaultBoxThreshold(model);
    const rows = await compareMethods(
      model,
      samples,
      [
        ...names.map((n) => methodMaker(n)),
        baselines.randomMapMaker,
        baselines.centreGaussianMaker,
        baselines.randomCamMaker,
        baselines.sobelEdgeMaker,
      ],
      { threshold },
    );
    console.log(
      `${count} held-out canvases (seed ${seed}), maps of the true class at each method's default layer; box threshold ${threshold}`,
    );
    console.log(formatMethodTable(rows, threshold));
  } finally {
    tf.dispose(samples.map((s) => s.image));
    model.dispose();
  }
  return 0;
}
