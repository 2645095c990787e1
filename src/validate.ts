// Where options enter camlab, each is checked by type and range, with a message that names what was
// given: a string where a number is needed is called a string, so `classIndex: '3'` does not read as
// "3 is not a class". One module, so every entry point words the same mistake the same way.
import { CamlabError } from './errors';
import { COLORMAPS } from './image/colormap';
import { FITS, PREPROCESSINGS } from './choices';

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

/** Options are an object (or left out); `null` or a number in their place is a mistake worth naming. */
function checkOptionsObject(entry: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new CamlabError(`The options of ${entry} must be an object, got ${describeValue(options)}.`);
  }
  return options as Record<string, unknown>;
}

/** Runs `check` on each option that is present (undefined means "the default"). */
function each(options: Record<string, unknown>, checks: Record<string, (name: string, value: unknown) => unknown>): void {
  for (const [name, check] of Object.entries(checks)) if (options[name] !== undefined) check(name, options[name]);
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

/** The image → model options: fit, preprocess, inputSize. */
export function checkModelInputOptions(options: unknown, entry = 'toModelInput'): void {
  each(checkOptionsObject(entry, options), {
    fit: (n, v) => checkOneOf(n, v, FITS),
    preprocess: (n, v) => checkOneOf(n, v, PREPROCESSINGS),
    inputSize: checkInputSize,
  });
}

/** The options of classActivationMap, explain and every method of the family. */
export function checkMethodOptions(options: unknown, entry: string): void {
  const given = checkOptionsObject(entry, options);
  checkModelInputOptions(given, entry);
  each(given, {
    classIndex: checkClassIndex,
    topK: (n, v) => checkInteger(n, v), // its range depends on the model's classes: checked with them
    layer: (n, v) => checkType(n, v, 'string'),
    score: (n, v) => checkOneOf(n, v, ['logit', 'probability']),
    batchSize: positiveInteger,
    progress: (n, v) => checkType(n, v, 'boolean'),
    method: (n, v) => checkType(n, v, 'string'),
  });
  if (given.classIndex !== undefined && given.topK !== undefined) throw new CamlabError('Give either classIndex or topK, not both.');
}

export function checkLoadImageOptions(options: unknown): void {
  each(checkOptionsObject('loadImage', options), { maxMegapixels: (n, v) => checkNumber(n, v, { min: 0, exclusiveMin: true }) });
}

export function checkOverlayOptions(options: unknown, entry = 'overlayPng'): void {
  each(checkOptionsObject(entry, options), {
    colormap: (n, v) => checkOneOf(n, v, COLORMAPS),
    alpha: (n, v) => checkNumber(n, v, { min: 0, max: 1 }),
  });
}

export function checkBoxOptions(options: unknown): void {
  each(checkOptionsObject('boundingBox', options), { threshold: (n, v) => checkNumber(n, v, { min: 0, max: 1 }) });
}

export function checkCanvasOptions(options: unknown, splits: readonly string[]): void {
  const given = checkOptionsObject('digitsCanvas', options);
  checkOneOf('split', given.split, splits);
  checkInteger('count', given.count, { min: 0 });
  checkInteger('seed', given.seed);
}

export function checkFaithfulnessOptions(options: unknown, classIndex: unknown): void {
  checkInteger('classIndex', classIndex, { min: 0 });
  each(checkOptionsObject('faithfulness', options), { steps: positiveInteger, blur: positiveInteger });
}
