// Every command-line option in one table: its type, the commands that take it, its help line, and how
// its text becomes a checked value. Everything here runs before any model loads.
import { parseArgs } from 'node:util';
import { CamlabError } from '../errors';
import { nearestName } from '../validate';
import { COLORMAPS, type ColormapName } from '../image/colormap';
import { FITS, METHOD_NAMES, PREPROCESSINGS, type Fit, type MethodName, type Preprocessing } from '../choices';

export type Command = 'layers' | 'cam' | 'eval' | 'notebooks';

/** The options once read and checked. */
export interface CliOptions {
  model?: string;
  classIndex?: number[];
  top?: number;
  method?: MethodName;
  /** `eval --method all` compares every method. */
  compare?: MethodName[];
  layer?: string;
  out?: string;
  json: boolean;
  colormap?: ColormapName;
  alpha?: number;
  threshold?: number;
  preprocess?: Preprocessing;
  fit?: Fit;
  workers?: number;
  count?: number;
  seed?: number;
  maxMegapixels?: number;
  /** `notebooks --force` overwrites notebooks already in the folder. */
  force?: boolean;
}

interface OptionRow {
  flag: string;
  /** Placeholder in the usage text; none for a switch. */
  value?: string;
  commands: Command[];
  help: string;
  read: (text: string, flag: string, command: Command) => Partial<CliOptions>;
}

/** Where `camlab notebooks` copies the tutorial when no folder is given. */
export const DEFAULT_NOTEBOOKS_TARGET = 'camlab-notebooks';

export const OPTIONS: OptionRow[] = [
  {
    flag: 'model',
    value: 'M',
    commands: ['layers', 'cam', 'eval'],
    help: 'a model.json, its folder, an http(s) URL, a Keras .h5, or a hosted MobileNet by name: mobilenet_v1_0.25_224, _0.50_, _0.75_ or mobilenet_v1_1.0_224 (default: the embedded digits GAP-CNN)',
    read: (t, f) => ({ model: nonEmpty(t, f) }),
  },
  {
    flag: 'class',
    value: 'N[,N…]',
    commands: ['cam'],
    help: 'explain these classes (default: the most probable one)',
    read: (t, f) => ({ classIndex: [...new Set(t.split(',').map((part) => whole(part, f, 0)))] }),
  },
  { flag: 'top', value: 'K', commands: ['cam'], help: 'explain the K most probable classes', read: (t, f) => ({ top: whole(t, f, 1) }) },
  {
    flag: 'method',
    value: 'NAME',
    commands: ['cam'],
    help: `${METHOD_NAMES.join(', ')} (default: cam where it is exact, else gradcam)`,
    read: readMethod,
  },
  {
    flag: 'method',
    value: 'NAME|all',
    commands: ['eval'],
    help: 'compare this method (or all) with random and centre baselines: localization, deletion/insertion, average drop',
    read: readMethod,
  },
  {
    flag: 'layer',
    value: 'L',
    commands: ['cam'],
    help: 'the layer to explain (default: the one that feeds global average pooling)',
    read: (t, f) => ({ layer: nonEmpty(t, f) }),
  },
  {
    flag: 'preprocess',
    value: 'P',
    commands: ['cam'],
    help: `pixel scaling the model expects: ${PREPROCESSINGS.join(', ')} (default: a recognised network's own, else none)`,
    read: (t, f) => ({ preprocess: oneOf(t, f, PREPROCESSINGS) }),
  },
  {
    flag: 'fit',
    value: 'F',
    commands: ['cam'],
    help: "stretch (default) or center-crop to the model's input",
    read: (t, f) => ({ fit: oneOf(t, f, FITS) }),
  },
  {
    flag: 'out',
    value: 'DIR',
    commands: ['cam'],
    help: 'where overlay PNGs go, mirroring the input folders (default camlab-out)',
    read: (t, f) => ({ out: nonEmpty(t, f) }),
  },
  {
    flag: 'json',
    commands: ['cam'],
    help: 'JSON Lines on stdout, one object per image × class; without --out, no PNGs are written',
    read: () => ({ json: true }),
  },
  {
    flag: 'colormap',
    value: 'C',
    commands: ['cam'],
    help: `${COLORMAPS.join(', ')} (default jet)`,
    read: (t, f) => ({ colormap: oneOf(t, f, COLORMAPS) }),
  },
  {
    flag: 'alpha',
    value: 'A',
    commands: ['cam'],
    help: 'opacity of the heat map over the image, 0..1 (default 0.5)',
    read: (t, f) => ({ alpha: fraction(t, f) }),
  },
  {
    flag: 'threshold',
    value: 'T',
    commands: ['cam'],
    help: "box threshold, 0..1, a share of the map's maximum (default: the model's, else 0.2)",
    read: (t, f) => ({ threshold: fraction(t, f) }),
  },
  {
    flag: 'max-megapixels',
    value: 'N',
    commands: ['cam'],
    help: 'refuse images over N megapixels (default 40); the size is read from the header, before decoding',
    read: (t, f) => ({ maxMegapixels: aboveZero(t, f) }),
  },
  {
    flag: 'workers',
    value: 'N',
    commands: ['cam', 'eval'],
    help: 'worker threads, each with its own model copy (default: one per core, fewer if memory is short; 1 = no threads)',
    read: (t, f) => ({ workers: whole(t, f, 1) }),
  },
  {
    flag: 'count',
    value: 'N',
    commands: ['eval'],
    help: 'held-out canvases (default 1000; 200 with --method)',
    read: (t, f) => ({ count: whole(t, f, 1) }),
  },
  { flag: 'seed', value: 'S', commands: ['eval'], help: 'seed of the canvases (default 3)', read: (t, f) => ({ seed: whole(t, f, 0) }) },
  {
    flag: 'force',
    commands: ['notebooks'],
    help: 'overwrite notebooks already in DIR (default: keep them, they may hold your changes)',
    read: () => ({ force: true }),
  },
];

/** Reads a command's arguments: checked options and the positional arguments. Throws a CamlabError that names the problem. */
export function readOptions(command: Command, argv: string[]): { options: CliOptions; positionals: string[] } {
  const rows = OPTIONS.filter((row) => row.commands.includes(command));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: command === 'cam' || command === 'notebooks',
      options: Object.fromEntries(rows.map((row) => [row.flag, { type: row.value ? 'string' : 'boolean' }])),
    });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '.');
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const near =
      unknown === undefined
        ? undefined
        : nearestName(
            unknown,
            rows.map((row) => row.flag),
          );
    throw new CamlabError(`${near ? message.replace(/\.$/, '') + `; did you mean '--${near}'?` : message}\n${usage(command)}`);
  }
  let options: CliOptions = { json: false };
  for (const row of rows) {
    const value = parsed.values[row.flag];
    if (value === undefined) continue;
    options = { ...options, ...row.read(String(value), `--${row.flag}`, command) };
  }
  checkTogether(command, options);
  return { options, positionals: parsed.positionals };
}

/** Options that each make sense alone but not together. */
function checkTogether(command: Command, o: CliOptions): void {
  if (o.classIndex && o.top !== undefined) throw new CamlabError(`--class and --top both choose the classes to explain; give one of them.`);
  if (command === 'cam' && o.json && o.out === undefined && (o.colormap !== undefined || o.alpha !== undefined)) {
    throw new CamlabError(
      `--${o.colormap !== undefined ? 'colormap' : 'alpha'} changes the overlay PNGs, and --json without --out writes none; add --out DIR or drop it.`,
    );
  }
}

function readMethod(text: string, flag: string, command: Command): Partial<CliOptions> {
  if (command === 'eval') {
    const name = oneOf(text, flag, ['all', ...METHOD_NAMES]);
    return { compare: name === 'all' ? [...METHOD_NAMES] : [name] };
  }
  return { method: oneOf(text, flag, METHOD_NAMES) };
}

function nonEmpty(text: string, flag: string): string {
  if (text.trim() === '') throw new CamlabError(`${flag} needs a value, got an empty one.`);
  return text;
}

function whole(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min)
    throw new CamlabError(`${flag} takes a whole number ≥ ${min}, got '${text}'.`);
  return value;
}

function aboveZero(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new CamlabError(`${flag} takes a number, got '${text}'.`);
  if (value <= 0) throw new CamlabError(`${flag} takes a number above 0, got '${text}'.`);
  return value;
}

function fraction(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && value <= 1)) throw new CamlabError(`${flag} takes a number from 0 to 1, got '${text}'.`);
  return value;
}

function oneOf<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new CamlabError(`${flag} '${text}' is not one of: ${allowed.join(', ')}.`);
  return text as T;
}

const SYNOPSIS: Record<Command, { args: string; what: string }> = {
  layers: { args: '', what: "the model's layers: class, output shape, parameters, and the CAM head" },
  cam: {
    args: ' PATH...',
    what: 'explains image files and folders (recursively) on every core: an overlay PNG per image × class, a line each',
  },
  eval: { args: '', what: 'classification and CAM localization on held-out digit canvases; with --method, methods × metrics' },
  notebooks: {
    args: ' [DIR]',
    what: `copies the tutorial notebooks into DIR (default ${DEFAULT_NOTEBOOKS_TARGET}) to run there with your tslab`,
  },
};

/** The usage of one command, or of all, from the option table. */
export function usage(command?: Command): string {
  const commands = command ? [command] : (Object.keys(SYNOPSIS) as Command[]);
  const lines = ['usage:'];
  for (const name of commands) {
    lines.push(`  camlab ${name}${SYNOPSIS[name].args} [options]`, `      ${SYNOPSIS[name].what}`);
    for (const row of OPTIONS.filter((r) => r.commands.includes(name))) {
      lines.push(`      --${row.flag}${row.value ? ` ${row.value}` : ''}`.padEnd(28) + row.help);
    }
  }
  if (!command) lines.push('  camlab --version', '      the version of camlab');
  return lines.join('\n');
}
