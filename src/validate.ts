// Where options enter camlab, each is checked by type and range, with a message that names what was
// given: a string where a number is needed is called a string, so `classIndex: '3'` does not read as
// "3 is not a class". One module, so every entry point words the same mistake the same way.
import { CamlabError } from './errors';
import { COLORMAPS } from './image/colormap';
import { FITS, METHOD_NAMES, NEGATIVE_EVIDENCE, PREPROCESSINGS, RANDOMISATIONS } from './choices';
import type { tf } from './tf';

/** What a value is, for an error message: `the string '3'`, `NaN`, `null`, `an array [1, 2]`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string '${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array [${value.slice(0, 4).map(describeValue).join(', ')}${value.length > 4 ? ', …' : ''}]`;
  if (typeof value === 'function') return 'a function';
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

interface Range {
  min?: number;
  max?: number;
  /** The minimum itself is not allowed (a limit must be above 0). */
  exclusiveMin?: boolean;
}

function rangeText(kind: string, { min, max, exclusiveMin }: Range): string {
  if (min !== undefined && max !== undefined) return `${kind} between ${min} and ${max}`;
  if (min !== undefined) return exclusiveMin ? `${kind} above ${min}` : `${kind} ≥ ${min}`;
  return kind;
}

function inRange(value: number, { min, max, exclusiveMin }: Range): boolean {
  if (min !== undefined && (exclusiveMin ? value <= min : value < min)) return false;
  return max === undefined || value <= max;
}

/** A finite number within the range; NaN and Infinity are refused. */
export function checkNumber(name: string, value: unknown, range: Range = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, range)) {
    throw new CamlabError(`${name} must be ${rangeText('a number', range)}, got ${describeValue(value)}.`);
  }
  return value;
}

export function checkInteger(name: string, value: unknown, range: Range = {}): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || !inRange(value, range)) {
    throw new CamlabError(`${name} must be ${rangeText('an integer', range)}, got ${describeValue(value)}.`);
  }
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new CamlabError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}.`);
  }
  return value as T;
}

function checkType(name: string, value: unknown, type: 'string' | 'boolean'): void {
  if (typeof value !== type) throw new CamlabError(`${name} must be a ${type}, got ${describeValue(value)}.`);
}

/** A method's name, as explain, the explorer and a pool of explainers take it. */
function checkMethodName(name: string, value: unknown): void {
  checkType(name, value, 'string');
  if (!(METHOD_NAMES as readonly unknown[]).includes(value))
    throw new CamlabError(`Unknown method '${value}'; use one of: ${METHOD_NAMES.join(', ')}.`);
}

/** A list of distinct values, each checked by `check`; `what` names one value in the messages ('a layer'). */
function checkDistinctList(
  name: string,
  value: unknown,
  what: string,
  check: (name: string, value: unknown) => unknown,
  show = (v: unknown[]) => v.join(', '),
): void {
  if (!Array.isArray(value)) throw new CamlabError(`${name} must be a list, got ${describeValue(value)}.`);
  if (value.length === 0) throw new CamlabError(`${name} is empty: name at least one ${what.replace(/^an? /, '')}.`);
  value.forEach((v, i) => check(`${name}[${i}]`, v));
  if (new Set(value).size !== value.length) throw new CamlabError(`${name} lists ${what} twice: ${show(value)}.`);
}

/** Options are an object (or left out); `null` or a number in their place is a mistake worth naming. */
function checkOptionsObject(entry: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CamlabError(`The options of ${entry} must be an object, got ${describeValue(options)}.`);
  }
  return options as Record<string, unknown>;
}

/** Runs `check` on each option that is present (undefined means "the default"); `prefix` names the object they sit in. */
function each(options: Record<string, unknown>, checks: Record<string, (name: string, value: unknown) => unknown>, prefix = ''): void {
  for (const [name, check] of Object.entries(checks)) if (options[name] !== undefined) check(prefix + name, options[name]);
}

/**
 * Refuses an option name the entry does not take: `{ classindex: 3 }` would otherwise be ignored and
 * the map drawn for the top class, a wrong answer that looks right. Names the likely intended option.
 */
function checkNames(entry: string, options: Record<string, unknown>, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name) || options[name] === undefined) continue;
    const near = nearestName(name, known);
    throw new CamlabError(`${entry} has no option '${name}'${near ? `; did you mean '${near}'?` : '.'} Its options: ${known.join(', ')}.`);
  }
}

/** An entry's options object, every name in it one the entry takes (with "did you mean" for a near miss). */
export function checkOptionNames(entry: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  const given = checkOptionsObject(entry, options);
  checkNames(entry, given, known);
  return given;
}

/** The known name a mistyped one most likely meant: the same but for case, else one within two edits. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  return known.find((k) => k.toLowerCase() === name.toLowerCase()) ?? known.find((k) => editDistance(k, name) <= 2);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length];
}

const positiveInteger = (name: string, value: unknown) => checkInteger(name, value, { min: 1 });

/** classIndex: a class number or a non-empty list of them (the range, with the model's class count, is checked later). */
function checkClassIndex(name: string, value: unknown): void {
  const list = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length === 0) throw new CamlabError(`${name} is an empty list; give at least one class.`);
  list.forEach((c, i) => checkInteger(Array.isArray(value) ? `${name}[${i}]` : name, c));
}

/** inputSize: [height, width] for models whose input size is not fixed. */
function checkInputSize(name: string, value: unknown): void {
  if (!Array.isArray(value) || value.length !== 2) throw new CamlabError(`${name} must be [height, width], got ${describeValue(value)}.`);
  value.forEach((v, i) => positiveInteger(`${name}[${i}]`, v));
}

const MODEL_INPUT_CHECKS = {
  fit: (n: string, v: unknown) => checkOneOf(n, v, FITS),
  preprocess: (n: string, v: unknown) => checkOneOf(n, v, PREPROCESSINGS),
  inputSize: checkInputSize,
};

/**
 * The image → model options: fit, preprocess, inputSize. `entry` is given where they are a user's whole
 * options (toModelInput's), so that an unknown name is refused; internal callers pass wider objects.
 */
export function checkModelInputOptions(options: unknown, entry?: string): void {
  const given = checkOptionsObject(entry ?? 'toModelInput', options);
  if (entry) checkNames(entry, given, Object.keys(MODEL_INPUT_CHECKS));
  each(given, MODEL_INPUT_CHECKS);
}

const METHOD_CHECKS = {
  ...MODEL_INPUT_CHECKS,
  classIndex: checkClassIndex,
  topK: (n: string, v: unknown) => checkInteger(n, v), // its range depends on the model's classes: checked with them
  layer: (n: string, v: unknown) => checkType(n, v, 'string'),
  score: (n: string, v: unknown) => checkOneOf(n, v, ['logit', 'probability']),
  batchSize: positiveInteger,
  progress: (n: string, v: unknown) => checkType(n, v, 'boolean'),
  augSmooth: (n: string, v: unknown) => checkType(n, v, 'boolean'),
  eigenSmooth: (n: string, v: unknown) => checkType(n, v, 'boolean'),
};

/** The options of classActivationMap, explain (which also takes `method`) and every method of the family. */
export function checkMethodOptions(options: unknown, entry: string): void {
  const given = checkOptionsObject(entry, options);
  const checks = entry === 'explain' ? { ...METHOD_CHECKS, method: checkMethodName } : METHOD_CHECKS;
  checkNames(entry, given, Object.keys(checks));
  each(given, checks);
  checkOneTarget(given);
}

function checkOneTarget(given: Record<string, unknown>): void {
  if (given.classIndex !== undefined && given.topK !== undefined) throw new CamlabError('Give either classIndex or topK, not both.');
}

const FRACTION = { min: 0, max: 1 };

const OVERLAY_CHECKS = {
  colormap: (n: string, v: unknown) => checkOneOf(n, v, COLORMAPS),
  alpha: (n: string, v: unknown) => checkNumber(n, v, FRACTION),
};

/**
 * The settings of a pool of explainers (explainFiles, openExplainPool, the CLI), checked in the calling
 * thread before any worker starts or the model is read.
 */
export function checkExplainSettings(settings: unknown): void {
  const entry = 'openExplainPool';
  const given = checkOptionsObject(entry, settings);
  const checks: Record<string, (name: string, value: unknown) => unknown> = {
    model: (n, v) => checkType(n, v, 'string'),
    method: checkMethodName,
    layer: METHOD_CHECKS.layer,
    preprocess: MODEL_INPUT_CHECKS.preprocess,
    fit: MODEL_INPUT_CHECKS.fit,
    score: METHOD_CHECKS.score,
    classIndex: METHOD_CHECKS.classIndex,
    topK: METHOD_CHECKS.topK,
    threshold: (n, v) => checkNumber(n, v, FRACTION),
    overlay: (n, v) => each(checkOptionsObject(n, v), OVERLAY_CHECKS, `${n}.`),
    maxMegapixels: (n, v) => checkNumber(n, v, { min: 0, exclusiveMin: true }),
    megapixelsFlag: (n, v) => checkType(n, v, 'string'),
  };
  checkNames(entry, given, Object.keys(checks));
  each(given, checks);
  checkOneTarget(given);
}

/** The explorer figure's options; the names of classes and layers are checked against the model where it is read. */
export function checkExplorerOptions(options: unknown): void {
  const entry = 'explorerFigure';
  const given = checkOptionsObject(entry, options);
  const checks: Record<string, (name: string, value: unknown) => unknown> = {
    ...MODEL_INPUT_CHECKS,
    classes: (n, v) =>
      checkDistinctList(
        n,
        v,
        'a class',
        (name, c) => checkInteger(name, c, { min: 0 }),
        (list) => `[${list.join(', ')}]`,
      ),
    layers: (n, v) => checkDistinctList(n, v, 'a layer', (name, l) => checkType(name, l, 'string')),
    methods: (n, v) => checkDistinctList(n, v, 'a method', checkMethodName),
    threshold: (n, v) => checkNumber(n, v, FRACTION),
    labels: (n, v) => {
      if (!Array.isArray(v)) throw new CamlabError(`${n} must be a list of class names, got ${describeValue(v)}.`);
    },
    ...OVERLAY_CHECKS,
    size: positiveInteger,
    negative: (n, v) => checkOneOf(n, v, NEGATIVE_EVIDENCE),
  };
  checkNames(entry, given, Object.keys(checks));
  each(given, checks);
}

export function checkLoadImageOptions(options: unknown): void {
  const given = checkOptionsObject('loadImage', options);
  checkNames('loadImage', given, ['maxMegapixels']);
  each(given, { maxMegapixels: (n, v) => checkNumber(n, v, { min: 0, exclusiveMin: true }) });
}

/** Colormap and alpha; `wider` where they come inside a larger options object (a figure's), whose other names are not checked here. */
export function checkOverlayOptions(options: unknown, entry = 'overlayPng', wider = false): void {
  const given = checkOptionsObject(entry, options);
  if (!wider) checkNames(entry, given, ['colormap', 'alpha']);
  each(given, OVERLAY_CHECKS);
}

const DIAGRAM_CHECKS = {
  title: (n: string, v: unknown) => checkType(n, v, 'string'),
  channels: (n: string, v: unknown) => {
    if (!Array.isArray(v) || v.length === 0)
      throw new CamlabError(`${n} must be a non-empty list of channel numbers, got ${describeValue(v)}.`);
    v.forEach((k, i) => checkInteger(`${n}[${i}]`, k, { min: 0 }));
  },
  count: positiveInteger,
  colormap: (n: string, v: unknown) => checkOneOf(n, v, COLORMAPS),
};

/** The options of the diagrams (gapFigure, camStagesFigure, camSumFigure): each takes the names it lists. */
export function checkDiagramOptions(entry: string, options: unknown, names: readonly (keyof typeof DIAGRAM_CHECKS)[]): void {
  const given = checkOptionsObject(entry, options);
  checkNames(entry, given, names);
  each(given, DIAGRAM_CHECKS);
}

export function checkBoxOptions(options: unknown): void {
  const given = checkOptionsObject('boundingBox', options);
  checkNames('boundingBox', given, ['threshold']);
  each(given, { threshold: (n, v) => checkNumber(n, v, FRACTION) });
}

/** drawingFigure's options (the starting images and labels are checked against the model where it is known). */
export function checkDrawingOptions(options: unknown): void {
  const given = checkOptionsObject('drawingFigure', options);
  checkNames('drawingFigure', given, ['starts', 'labels', 'threshold', 'colormap', 'alpha', 'size', 'title']);
  checkOverlayOptions({ colormap: given.colormap, alpha: given.alpha }, 'drawingFigure', true);
  each(given, {
    starts: (n, v) => {
      if (!Array.isArray(v))
        throw new CamlabError(`${n} must be a list of { image, label? } (loadSamples() gives them), got ${describeValue(v)}.`);
      v.forEach((s, i) => {
        if (typeof s !== 'object' || s === null || !('image' in s))
          throw new CamlabError(`${n}[${i}] must be { image, label? }, got ${describeValue(s)}.`);
        if ((s as { label?: unknown }).label !== undefined) checkInteger(`${n}[${i}].label`, (s as { label?: unknown }).label, { min: 0 });
      });
    },
    labels: (n, v) => {
      if (!Array.isArray(v) || v.some((l) => typeof l !== 'string'))
        throw new CamlabError(`${n} must be a list of strings, one per class, got ${describeValue(v)}.`);
    },
    threshold: (n, v) => checkNumber(n, v, { min: 0, max: 1 }),
    size: (n, v) => checkInteger(n, v, { min: 120 }),
    title: (n, v) => checkType(n, v, 'string'),
  });
}

export function checkCanvasOptions(options: unknown, splits: readonly string[]): void {
  const given = checkOptionsObject('digitsCanvas', options);
  checkNames('digitsCanvas', given, ['split', 'count', 'seed']);
  checkOneOf('split', given.split, splits);
  checkInteger('count', given.count, { min: 0 });
  checkInteger('seed', given.seed);
}

export function checkFaithfulnessOptions(options: unknown, classIndex: unknown): void {
  checkInteger('classIndex', classIndex, { min: 0 });
  const given = checkOptionsObject('faithfulness', options);
  checkNames('faithfulness', given, ['steps', 'blur']);
  each(given, { steps: positiveInteger, blur: positiveInteger });
}

/** percentiles: a non-empty list of shares of pixels to remove, in % (above 0, below 100). */
function checkPercentiles(name: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0)
    throw new CamlabError(`${name} must be a non-empty list of percentages, got ${describeValue(value)}.`);
  value.forEach((v, i) => {
    if (typeof v !== 'number' || !(v > 0 && v < 100))
      throw new CamlabError(`${name}[${i}] must be a percentage above 0 and below 100, got ${describeValue(v)}.`);
  });
}

export function checkRoadOptions(options: unknown, classIndex: unknown): void {
  checkInteger('classIndex', classIndex, { min: 0 });
  const given = checkOptionsObject('road', options);
  checkNames('road', given, ['percentiles', 'noise', 'seed']);
  each(given, { percentiles: checkPercentiles, noise: (n, v) => checkNumber(n, v, { min: 0 }), seed: (n, v) => checkInteger(n, v) });
}

export function checkCompareOptions(options: unknown): void {
  const given = checkOptionsObject('compareMethods', options);
  checkNames('compareMethods', given, ['threshold', 'steps', 'road', 'sanity']);
  checkNumber('threshold', given.threshold, { min: 0, max: 1 });
  each(given, {
    steps: positiveInteger,
    road: (_n, v) => {
      if (v !== false) checkRoadOptions(v, 0);
    },
    sanity: (n, v) => checkType(n, v, 'boolean'),
  });
}

/** The options of sanityCheck (the map maker and the model are checked by it). */
export function checkSanityOptions(options: unknown): void {
  const given = checkOptionsObject('sanityCheck', options);
  checkNames('sanityCheck', given, ['classIndex', 'mode', 'layers', 'seed']);
  each(given, {
    classIndex: (n, v) => checkInteger(n, v, { min: 0 }),
    mode: (n, v) => checkOneOf(n, v, RANDOMISATIONS),
    layers: (n, v) => {
      if (!Array.isArray(v) || v.length === 0)
        throw new CamlabError(`${n} must be a non-empty list of layer names, got ${describeValue(v)}.`);
      v.forEach((name, i) => checkType(`${n}[${i}]`, name, 'string'));
    },
    seed: (n, v) => checkInteger(n, v),
  });
}

/** What to do with a graph model, which camlab cannot explain (it has no layers, only ops). */
export const LAYERS_MODEL_ADVICE =
  'Convert the Keras model with tensorflowjs_converter --output_format tfjs_layers_model and load it with loadModel().';

/**
 * Refuses anything but a Layers model, before any of it is read: `undefined` or a GraphModel used to end
 * in "Cannot read properties of undefined". Checked by shape, not instanceof, so that a model made by
 * another copy of TensorFlow.js in the user's project still counts.
 */
export function assertLayersModel(model: unknown): asserts model is tf.LayersModel {
  const candidate = model as
    Partial<Record<'layers' | 'inputs' | 'outputs' | 'predict' | 'execute' | 'inputNodes', unknown>> | null | undefined;
  if (
    candidate &&
    Array.isArray(candidate.layers) &&
    Array.isArray(candidate.inputs) &&
    Array.isArray(candidate.outputs) &&
    typeof candidate.predict === 'function'
  )
    return;
  if (candidate && typeof candidate.execute === 'function' && Array.isArray(candidate.inputNodes)) {
    throw new CamlabError(
      `This is a tf.GraphModel (loadGraphModel, a converted SavedModel or a TF Hub model): it has no layers to explain. ${LAYERS_MODEL_ADVICE}`,
    );
  }
  throw new CamlabError(`The model must be a tf.LayersModel (loadModel() or loadDefaultModel() gives one), got ${describeValue(model)}.`);
}
