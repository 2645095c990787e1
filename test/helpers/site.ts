// Opens every page of a published site in Debian's chromium at a phone's and a desktop's size and
// reports what a reader would see go wrong: figures past the screen's edge, a page that scrolls
// sideways, text under 12 px, console errors, requests that leave the machine, hover that does not work.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium } from './browser';

export const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 900 },
] as const;

export interface SiteReport {
  /** One sentence per problem, naming page and viewport. */
  problems: string[];
  /** What was measured, for the test log. */
  lines: string[];
}

/** What overflows the viewport, the widest element and the smallest visible font, measured in the page. */
function measure(): { scrollWidth: number; viewport: number; outside: string[]; smallest: { size: number; text: string } } {
  const viewport = document.documentElement.clientWidth;
  const outside: string[] = [];
  for (const el of Array.from(document.querySelectorAll('img, .camlab-figure, .camlab-live svg.main-svg, .jp-InputArea-editor, .jp-OutputArea-output'))) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).display === 'none') continue;
    if (box.left < -0.5 || box.right > viewport + 0.5) outside.push(`${el.tagName.toLowerCase()}.${String(el.getAttribute('class')).split(' ')[0]} spans ${Math.round(box.left)}..${Math.round(box.right)} px`);
  }
  for (const title of Array.from(document.querySelectorAll('.camlab-live .gtitle'))) {
    const svg = title.closest('svg')!.getBoundingClientRect();
    const box = title.getBoundingClientRect();
    if (box.top < svg.top - 0.5 || box.left < svg.left - 0.5 || box.right > svg.right + 0.5) outside.push(`the title '${title.textContent}' is cut at the figure's edge`);
  }
  // Code and printed text wider than their box must be reachable by scrolling that box, not cut off.
  for (const box of Array.from(document.querySelectorAll('.jp-InputArea-editor, .jp-OutputArea-output'))) {
    const pre = box.querySelector('pre');
    if (pre && pre.scrollWidth > box.clientWidth + 1 && box.scrollWidth < pre.scrollWidth) outside.push(`a ${pre.scrollWidth} px line is cut at ${box.clientWidth} px in ${box.className.split(' ').pop()}`);
  }
  let smallest = { size: Infinity, text: '' };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || !node.textContent?.trim()) continue;
    const style = getComputedStyle(parent);
    const box = parent.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || parent.closest('script, style, .modebar')) continue;
    // Plotly shrinks some labels (bar texts) with a transform rather than a font size: count the scale.
    const ctm = parent instanceof SVGGraphicsElement ? parent.getScreenCTM() : null;
    const size = parseFloat(style.fontSize) * (ctm ? Math.hypot(ctm.a, ctm.b) : 1);
    if (size < smallest.size) smallest = { size, text: node.textContent.trim().slice(0, 40) };
  }
  return { scrollWidth: document.documentElement.scrollWidth, viewport, outside, smallest };
}

async function waitForFigures(page: Page): Promise<number> {
  await page.waitForFunction(
    () => Array.from(document.querySelectorAll('.camlab-figure')).every((f) => f.querySelector('.camlab-live.js-plotly-plot svg.main-svg')),
    undefined,
    { timeout: 60000 },
  );
  return page.locator('.camlab-figure').count();
}

/** Hovers the middle of the first live heat map and returns Plotly's hover text ('' when none appears). */
export async function hoverFirstHeatmap(page: Page): Promise<string> {
  const plot = page.locator('.camlab-live.js-plotly-plot:has(.heatmaplayer)').first();
  await plot.scrollIntoViewIfNeeded();
  const area = await plot.locator('.nsewdrag').first().boundingBox();
  if (!area) return '';
  await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
  const hover = await page.waitForSelector('.hovertext', { timeout: 5000 }).catch(() => null);
  return (await hover?.textContent()) ?? '';
}

export async function checkSitePages(siteDir: string, notebooks: string[], screenshots = join(siteDir, '..', 'site-screenshots')): Promise<SiteReport> {
  const pages = ['index.html', ...notebooks.map((n) => n.replace(/\.ipynb$/, '.html'))];
  const problems: string[] = [];
  const lines: string[] = [];
  await mkdir(screenshots, { recursive: true });
  const context = await launchChromium();
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (/^(file|data|blob):/.test(url)) return route.continue();
      problems.push(`a page asked for ${url}`);
      return route.abort();
    });
    for (const viewport of VIEWPORTS) {
      for (const name of pages) {
        const where = `${name} at ${viewport.width}×${viewport.height}`;
        const page = await context.newPage();
        try {
          page.on('console', (m) => m.type() === 'error' && problems.push(`${where}: console error ${m.text()}`));
          page.on('pageerror', (e) => problems.push(`${where}: ${e.message}`));
          await page.setViewportSize({ width: viewport.width, height: viewport.height });
          await page.goto(pathToFileURL(join(siteDir, name)).href);
          const figures = await waitForFigures(page);
          const seen = await page.evaluate(measure);
          if (seen.scrollWidth > seen.viewport) problems.push(`${where}: the page scrolls sideways (${seen.scrollWidth} px of content in ${seen.viewport} px)`);
          for (const o of seen.outside) problems.push(`${where}: ${o}, past the ${seen.viewport} px viewport`);
          if (seen.smallest.size < 12) problems.push(`${where}: text at ${seen.smallest.size} px ('${seen.smallest.text}')`);
          if (viewport.name === 'phone' && name.startsWith('01-')) {
            const hover = await hoverFirstHeatmap(page);
            if (!/activation \d\.\d{3}/.test(hover)) problems.push(`${where}: no hover text on the live heat map (got '${hover}')`);
          }
          await page.screenshot({ path: join(screenshots, `${name.replace(/\.html$/, '')}-${viewport.width}.png`), fullPage: true });
          lines.push(`${where}: ${figures} live figures, content ${seen.scrollWidth} px wide, smallest text ${seen.smallest.size} px`);
        } finally {
          await page.close();
        }
      }
    }
  } finally {
    await context.close();
  }
  return { problems, lines };
}
