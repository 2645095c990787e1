// jimp's bundled bitmap fonts, read from their files. jimp's own loadFont fetches the file by URL when it
// thinks it runs in a web worker, which it concludes wherever `self` exists without `document`: in Deno,
// where `fetch` of a file path fails ("Invalid URL"). Read here with the file system in every runtime.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Jimp, type loadFont } from 'jimp';

export type Font = Awaited<ReturnType<typeof loadFont>>;
type Attributes = Record<string, string | number>;

/** The attributes of every `<tag …/>` of a BMFont XML file, numbers as numbers. */
function elements(xml: string, tag: string): Attributes[] {
  return [...xml.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'g'))].map(([, body]) =>
    Object.fromEntries(
      [...body.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, /^-?\d+$/.test(value) ? Number(value) : value]),
    ),
  );
}

/** A BMFont (.fnt, XML) and its page images, in the shape jimp's `print` takes (its loadFont's result). */
export async function fontFromFile(file: string): Promise<Font> {
  const xml = await readFile(file, 'utf8');
  const chars = Object.fromEntries(elements(xml, 'char').map((c) => [String.fromCharCode(Number(c.id)), c]));
  const kernings: Record<string, Record<string, number>> = {};
  for (const k of elements(xml, 'kerning'))
    (kernings[String.fromCharCode(Number(k.first))] ??= {})[String.fromCharCode(Number(k.second))] = Number(k.amount);
  const pages = await Promise.all(
    elements(xml, 'page').map(async (page) => Jimp.read(await readFile(join(dirname(file), String(page.file))))),
  );
  return { info: elements(xml, 'info')[0], common: elements(xml, 'common')[0], chars, kernings, pages } as unknown as Font;
}
