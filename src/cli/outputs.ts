import { basename, dirname, join } from 'node:path';
import { CamlabError } from '../errors';

/**
 * Where one map's overlay goes: the input's place in the input tree, mirrored under `out`, its whole
 * name (extension included, so x.png and x.jpg differ) then the class and the method:
 * `out/a/x.png-class3-gradcam.png`. "-class" occurs in no method name, so two inputs cannot share an output.
 */
export function outputPath(out: string, relative: string, classIndex: number, method: string): string {
  return join(out, dirname(relative), `${basename(relative)}-class${classIndex}-${method}.png`);
}

/** Remembers the outputs of a run and refuses to write one twice. */
export class OutputLedger {
  private readonly written = new Map<string, string>();

  claim(output: string, input: string): void {
    const previous = this.written.get(output);
    if (previous !== undefined)
      throw new CamlabError(`'${input}' and '${previous}' would both write '${output}'; nothing was overwritten.`);
    this.written.set(output, input);
  }
}
