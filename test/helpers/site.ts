// Opens every page of a published site in Debian's chromium at a phone's and a desktop's size and
// reports what a reader would see go wrong: figures past the screen's edge, a page that scrolls
// sideways, text under 12 px, console errors, requests that leave the machine, hover that does not work;
// on the phone (touch) a swipe over a figure that does not scroll the page, a toolbar over a title, and
// any task that holds the page for more than a second.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
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
  for (const el of Array.from(
    document.querySelectorAll(
      'img, .camlab-figure, .camlab-drawing-figure, .camlab-drawing canvas, .camlab-live svg.main-svg, .jp-InputArea-editor, .jp-OutputArea-output',
    ),
  )) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(el).display === 'none') continue;
    if (box.left < -0.5 || box.right > viewport + 0.5)
      outside.push(
        `${el.tagName.toLowerCase()}.${String(el.getAttribute('class')).split(' ')[0]} spans ${Math.round(box.left)}..${Math.round(box.right)} px`,
      );
  }
  for (const title of Array.from(document.querySelectorAll('.camlab-live .gtitle'))) {
    const svg = title.closest('svg')!.getBoundingClientRect();
    const box = title.getBoundingClientRect();
    if (box.top < svg.top - 0.5 || box.left < svg.left - 0.5 || box.right > svg.right + 0.5)
      outside.push(`the title '${title.textContent}' is cut at the figure's edge`);
  }
  // Code and printed text wider than their box must be reachable by scrolling that box, not cut off.
  for (const box of Array.from(document.querySelectorAll('.jp-InputArea-editor, .jp-OutputArea-output'))) {
    const pre = box.querySelector('pre');
    if (pre && pre.scrollWidth > box.clientWidth + 1 && box.scrollWidth < pre.scrollWidth)
      outside.push(`a ${pre.scrollWidth} px line is cut at ${box.clientWidth} px in ${box.className.split(' ').pop()}`);
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
    () =>
      Array.from(document.querySelectorAll('.camlab-figure')).every((f) => f.querySelector('.camlab-live.js-plotly-plot svg.main-svg')) &&
      Array.from(document.querySelectorAll('.camlab-drawing-figure')).every(
        (f) => (f as unknown as { camlabDrawing?: { ready: boolean } }).camlabDrawing?.ready,
      ),
    undefined,
    { timeout: 60000 },
  );
  return (await page.locator('.camlab-figure').count()) + (await page.locator('.camlab-drawing-figure').count());
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

/** Records the page's long tasks (PerformanceObserver 'longtask') from its first moment: [start, duration] in ms. */
function watchLongTasks(): void {
  const seen: [number, number][] = [];
  (window as unknown as { __longTasks: [number, number][] }).__longTasks = seen;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) seen.push([Math.round(entry.startTime), Math.round(entry.duration)]);
  }).observe({ type: 'longtask', buffered: true });
}

/** For each live figure: whether Plotly's toolbar overlaps its title. */
function toolbarsOverTitles(): string[] {
  const overlaps: string[] = [];
  for (const live of Array.from(document.querySelectorAll('.camlab-live.js-plotly-plot'))) {
    const bar = live.querySelector('.modebar')?.getBoundingClientRect();
    const title = live.querySelector('.gtitle');
    const box = title?.getBoundingClientRect();
    if (!bar || !box || bar.width === 0) continue;
    if (bar.left < box.right && box.left < bar.right && bar.top < box.bottom && box.top < bar.bottom)
      overlaps.push(`the toolbar covers the title '${title!.textContent}'`);
  }
  return overlaps;
}

/** The axis ranges of a live figure, by axis name. */
function axisRanges(live: Element): string {
  const layout = (live as unknown as { layout: Record<string, { range?: number[] }> }).layout;
  return JSON.stringify(
    Object.keys(layout)
      .filter((k) => /^[xy]axis\d*$/.test(k))
      .sort()
      .map((k) => [k, layout[k].range]),
  );
}

/** A vertical swipe with one finger from (x, y) by dy pixels, as touch events through the browser's input pipeline. */
export async function swipe(context: BrowserContext, page: Page, x: number, y: number, dy: number): Promise<void> {
  const cdp = await context.newCDPSession(page);
  try {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    for (let i = 1; i <= 10; i++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y + (dy * i) / 10 }] });
      await page.waitForTimeout(16);
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForTimeout(400);
  } finally {
    await cdp.detach();
  }
}

/**
 * Swipes over the middle of the page's first live figure, up (or down, where the page cannot scroll
 * further down): how far the window scrolled, and whether the figure's axes moved.
 */
async function swipeOverFigure(
  context: BrowserContext,
  page: Page,
): Promise<{ distance: number; scrolled: number; rangesKept: boolean } | undefined> {
  const live = page.locator('.camlab-live.js-plotly-plot:has(.nsewdrag)').first();
  if ((await live.count()) === 0) return undefined;
  await live.scrollIntoViewIfNeeded();
  const area = await live.locator('.nsewdrag').first().boundingBox();
  if (!area) return undefined;
  const before = { y: await page.evaluate(() => window.scrollY), ranges: await live.evaluate(axisRanges) };
  const below = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight - window.scrollY);
  const distance = Math.min(150, area.height * 0.6);
  if (below > distance) await swipe(context, page, area.x + area.width / 2, area.y + area.height * 0.8, -distance);
  else await swipe(context, page, area.x + area.width / 2, area.y + area.height * 0.2, distance);
  return {
    distance: Math.round(distance),
    scrolled: Math.abs((await page.evaluate(() => window.scrollY)) - before.y),
    rangesKept: (await live.evaluate(axisRanges)) === before.ranges,
  };
}

export async function checkSitePages(
  siteDir: string,
  notebooks: string[],
  screenshots = join(siteDir, '..', 'site-screenshots'),
): Promise<SiteReport> {
  const pages = ['index.html', ...notebooks.map((n) => n.replace(/\.ipynb$/, '.html'))];
  const problems: string[] = [];
  const lines: string[] = [];
  await mkdir(screenshots, { recursive: true });
  for (const viewport of VIEWPORTS) {
    const phone = viewport.name === 'phone';
    const context = await launchChromium({ phone });
    try {
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (/^(file|data|blob):/.test(url)) return route.continue();
        problems.push(`a page asked for ${url}`);
        return route.abort();
      });
      await context.addInitScript(watchLongTasks);
      for (const name of pages) {
        const where = `${name} at ${viewport.width}×${viewport.height}${phone ? ' (touch)' : ''}`;
        const page = await context.newPage();
        try {
          page.on('console', (m) => m.type() === 'error' && problems.push(`${where}: console error ${m.text()}`));
          page.on('pageerror', (e) => problems.push(`${where}: ${e.message}`));
          await page.setViewportSize({ width: viewport.width, height: viewport.height });
          await page.goto(pathToFileURL(join(siteDir, name)).href);
          // Figures draw as they come into view: scroll through the page, as a reader would.
          for (const figure of await page.locator('.camlab-figure').all()) await figure.scrollIntoViewIfNeeded();
          const figures = await waitForFigures(page);
          await page.evaluate(() => window.scrollTo(0, 0));
          const seen = await page.evaluate(measure);
          if (seen.scrollWidth > seen.viewport)
            problems.push(`${where}: the page scrolls sideways (${seen.scrollWidth} px of content in ${seen.viewport} px)`);
          for (const o of seen.outside) problems.push(`${where}: ${o}, past the ${seen.viewport} px viewport`);
          if (seen.smallest.size < 12) problems.push(`${where}: text at ${seen.smallest.size} px ('${seen.smallest.text}')`);
          for (const o of await page.evaluate(toolbarsOverTitles)) problems.push(`${where}: ${o}`);
          // plotly.js's own first run is one task that no page can split (its length is reported); every other task must be short.
          const { long, plotlyRan } = await page.evaluate(() => ({
            long: (window as unknown as { __longTasks: [number, number][] }).__longTasks,
            plotlyRan: (window as unknown as { __camlabPlotlyRan?: number }).__camlabPlotlyRan,
          }));
          const isPlotly = ([start, duration]: [number, number]) =>
            plotlyRan !== undefined && start <= plotlyRan && plotlyRan <= start + duration + 5;
          const plotlyTask = long.find(isPlotly)?.[1] ?? 0;
          const longest = Math.max(0, ...long.filter((task) => !isPlotly(task)).map(([, duration]) => duration));
          if (longest > 1000) problems.push(`${where}: a task held the page for ${longest} ms (over 1 s)`);
          const drawn = await page.evaluate(
            () => (window as unknown as { __camlabQueue?: { drawn: number[] } }).__camlabQueue?.drawn ?? [],
          );
          if (viewport.name === 'phone' && name.startsWith('01-')) {
            const hover = await hoverFirstHeatmap(page);
            if (!/\d+% of the largest value|activation \d\.\d{3}/.test(hover))
              problems.push(`${where}: no hover text on the live heat map (got '${hover}')`);
          }
          let swiped = '';
          if (phone) {
            const result = await swipeOverFigure(context, page);
            if (result && !(result.scrolled > 30 && result.rangesKept))
              problems.push(
                `${where}: a swipe over a figure scrolled the page ${result.scrolled} px and ${result.rangesKept ? 'kept' : 'changed'} its axes`,
              );
            if (result) swiped = `, a ${result.distance} px swipe over a figure scrolled ${result.scrolled} px`;
          }
          await page.screenshot({ path: join(screenshots, `${name.replace(/\.html$/, '')}-${viewport.width}.png`), fullPage: true });
          lines.push(
            `${where}: ${figures} live figures, the first interactive at ${drawn[0] ?? '-'} ms, plotly.js ran in ${plotlyTask} ms, the longest other task ${longest} ms, content ${seen.scrollWidth} px wide, smallest text ${seen.smallest.size} px${swiped}`,
          );
        } finally {
          await page.close();
        }
      }
    } finally {
      await context.close();
    }
  }
  return { problems, lines };
}
