import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { imageDataUri } from '../image/encode';
import { cssColor, escapeText, type Color, type Figure, type Pixels } from './figure';
import { fitLayout } from './fit';
import { explorerHook } from './explorer-script';
import { drawingFigureHtml } from './drawing-page';

const PLOTLY_BUNDLE = 'plotly.js-cartesian-dist-min/plotly-cartesian.min.js';
let plotlySource: string | undefined;
let plotlyLoader: string | undefined;

/**
 * Marks a copy of a file that every page of a site may share instead (`data-camlab-shared="plotly"`):
 * a notebook's output carries the copy, so the .ipynb stays self-contained; scripts/site-assets.ts
 * replaces it in the published pages with a reference to one shared file.
 */
export const SHARED_MARK = 'data-camlab-shared';

/** plotly.js from node_modules, the one bundle both the inline copy and the site's shared file hold. */
export function plotlySourceText(): string {
  plotlySource ??= readFileSync(require.resolve(PLOTLY_BUNDLE), 'utf8');
  return plotlySource;
}

/**
 * A script that defines plotly.js once per page from the bundle in node_modules (no CDN). It is sent
 * gzipped (1.5 MB → 0.67 MB of base64) and unpacked by the browser, and it runs with `define`,
 * `module` and `exports` hidden so that require.js pages (the classic Notebook) still get `window.Plotly`.
 * Either way the page's figures wait for the promise `window.__camlabPlotly`.
 */
export function plotlyLoaderScript(): string {
  if (!plotlyLoader) {
    const gz = gzipSync(Buffer.from(plotlySourceText()), { level: 6 }).toString('base64');
    plotlyLoader = `<script ${SHARED_MARK}="plotly">(function () {
  if (window.Plotly || window.__camlabPlotly || typeof DecompressionStream === 'undefined') return;
  var bytes = Uint8Array.from(atob('${gz}'), function (c) { return c.charCodeAt(0); });
  window.__camlabPlotly = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function (source) {
    new Function('define', 'module', 'exports', source).call(window);
    return window.Plotly;
  });
})();</script>`;
  }
  return plotlyLoader;
}

/**
 * plotly.js as a file of its own that sets `window.Plotly` on any page (require.js's `define` hidden, as
 * in the inline copy), and the script that loads it from `url` without blocking the page.
 */
export function sharedPlotly(): { file: string; loader: (url: string) => string } {
  return {
    file: `(function (define, module, exports) {\n${plotlySourceText()}\n}).call(window);\n`,
    loader: (url) => `<script data-camlab-asset="plotly">(function () {
  if (window.Plotly || window.__camlabPlotly) return;
  window.__camlabPlotly = new Promise(function (resolve, reject) {
    var script = document.createElement('script');
    script.src = ${JSON.stringify(url)};
    // Figures draw in tasks of their own, not in the one that ran plotly.js; the time says when it ran.
    script.onload = function () { window.__camlabPlotlyRan = performance.now(); setTimeout(function () { resolve(window.Plotly); }, 0); };
    script.onerror = function () { reject(new Error('camlab: ' + script.src + ' did not load')); };
    document.head.appendChild(script);
  });
})();</script>`,
  };
}

let counter = 0;

/** Ids depend on the figure and its place in the session only, so re-running a notebook gives the same output. */
function figureId(json: string): string {
  return `camlab-figure-${createHash('sha256').update(json).update(String(counter++)).digest('hex').slice(0, 12)}`;
}

/** Plotly's JSON for a figure: { data, layout } with text escaped, colours as CSS and pictures as data: URIs. */
export type PlotlyFigure = { data: Record<string, unknown>[]; layout: Record<string, unknown> };

/**
 * The figure as Plotly takes it: every text escaped, its line breaks ('\n') as <br> (hover templates
 * are Plotly markup already), colours as CSS strings, pictures as PNG or JPEG data: URIs. Keys keep their order.
 *
 * @example Plotly.newPlot(element, plotlyFigure(figure).data, plotlyFigure(figure).layout);
 */
export function plotlyFigure(figure: Figure): PlotlyFigure {
  return toPlotly(figure, '') as PlotlyFigure;
}

const COLOR_KEYS = new Set(['color', 'bgcolor', 'plot_bgcolor', 'paper_bgcolor']);

function toPlotly(value: unknown, key: string): unknown {
  if (typeof value === 'string') return key === 'hovertemplate' ? value : escapeText(value).replace(/\n/g, '<br>');
  if (COLOR_KEYS.has(key) && Array.isArray(value))
    return Array.isArray(value[0]) ? (value as Color[]).map(cssColor) : cssColor(value as Color);
  if (key === 'colorscale') return (value as [number, Color][]).map(([at, color]) => [at, cssColor(color)]);
  if (key === 'pixels') {
    const { rgba, width, height } = value as Pixels;
    return imageDataUri(rgba, width, height);
  }
  if (Array.isArray(value)) return value.map((item) => toPlotly(item, ''));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k === 'pixels' ? 'source' : k, toPlotly(v, k)]));
  }
  return value;
}

export interface FigureHtmlOptions {
  includePlotly: boolean;
  /** What the page already has (a kernel session's earlier outputs): TensorFlow.js and models, by key. Filled in. */
  sent?: Set<string>;
}

/**
 * The page's one queue of figures to draw (plain ES5, defined by the first figure's script, reused by
 * the others): figures are drawn one per task, so that no single task holds the page for long, those
 * in or near the window first (an IntersectionObserver), the others when the page is idle. The queue
 * also says whether the reader has a touch screen (a coarse pointer) and keeps the times at which the
 * figures became interactive (`drawn`, in ms since the page's start), for tests and measurements.
 */
const DRAW_QUEUE = `window.__camlabQueue || (window.__camlabQueue = (function () {
  var waiting = [], busy = false, idle = false, drawn = [];
  var touch = !!(window.matchMedia && window.matchMedia('(pointer: coarse)').matches);
  var later = window.requestIdleCallback || function (f) { return setTimeout(f, 200); };
  var observer = window.IntersectionObserver ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      waiting.forEach(function (item) { if (item.root === entry.target) item.near = entry.isIntersecting; });
    });
    next();
  }, { rootMargin: '400px 0px' }) : null;
  function next() {
    if (busy || waiting.length === 0) return;
    var i = 0;
    while (i < waiting.length && !waiting[i].near) i++;
    if (i === waiting.length) {
      if (observer && !idle) return later(function () { idle = true; next(); });
      i = 0;
    }
    var item = waiting.splice(i, 1)[0];
    if (observer) observer.unobserve(item.root);
    busy = true;
    item.ready.then(item.draw).then(function () {
      drawn.push(Math.round(performance.now()));
    }, function (error) {
      console.warn('camlab: the interactive figure could not be drawn; the static image stays', error);
    }).then(function () {
      busy = false;
      idle = false;
      setTimeout(next, 0);
    });
  }
  return {
    touch: touch,
    drawn: drawn,
    add: function (root, ready, draw) {
      waiting.push({ root: root, ready: ready, draw: draw, near: !observer });
      if (observer) observer.observe(root);
      setTimeout(next, 0);
    }
  };
})());`;

/**
 * The style every figure fragment carries (idempotent): Plotly's toolbar sits in a strip of its own
 * above the plot, never over the title.
 */
/** Figures whose JSON is longer than this travel gzipped. */
const PACK_ABOVE = 40_000;

const FIGURE_STYLE = '<style>.camlab-live{margin-top:30px}.camlab-live .modebar-container{top:-30px!important}</style>';

/**
 * The figure as one HTML fragment: the PNG as an <img> (what a viewer without JavaScript shows) and a
 * script that draws the interactive plot over it once plotly.js is on the page, then hides the PNG.
 * Both fit the width they are given, from a phone to a desktop: the PNG scales down, the live plot is
 * laid out again for its container's width (fitLayout) whenever that width changes. Figures are drawn
 * one at a time, those in view first (DRAW_QUEUE). On a touch screen a swipe over a figure scrolls the
 * page (no drag mode until the reader picks zoom or pan in the figure's toolbar, which is always shown).
 */
export function figureHtml(figure: Figure, png: Uint8Array, options: FigureHtmlOptions): string {
  if (figure.layout.meta?.camlabDrawing) return drawingFigureHtml(figure, png, options);
  const json = scriptJson(plotlyFigure(figure));
  const id = figureId(json);
  const title = escapeHtml(figure.layout.title.text);
  const { width, height } = figure.layout;
  const image = `<img class="camlab-static" alt="${title}" width="${width}" height="${height}" src="data:image/png;base64,${Buffer.from(png).toString('base64')}" style="display:block;max-width:100%;height:auto">`;
  // A large figure travels gzipped (a map's numbers and a picture's rows shrink several times) and is
  // unpacked by the browser before it is drawn.
  const packed = json.length > PACK_ABOVE ? gzipSync(Buffer.from(json), { level: 9 }).toString('base64') : undefined;
  const figureSource = packed
    ? `null;
  var unpacked = typeof DecompressionStream === 'undefined' ? Promise.reject(new Error('this browser cannot unpack the figure')) : new Response(new Blob([Uint8Array.from(atob('${packed}'), function (c) { return c.charCodeAt(0); })]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function (text) { figure = JSON.parse(text); });`
    : `${json};
  var unpacked = Promise.resolve();`;
  const draw = `<script>(function () {
  var root = document.getElementById('${id}');
  var ready = window.Plotly ? Promise.resolve(window.Plotly) : window.__camlabPlotly;
  if (!root || !ready) return;
  var figure = ${figureSource}
  var fitLayout = (${fitLayout.toString()});
  var queue = ${DRAW_QUEUE}
  queue.add(root, Promise.all([ready, unpacked]).then(function (both) { return both[0]; }), function (Plotly) {
    var live = root.querySelector('.camlab-live');
    var drawnWidth = -1;
    var config = { displaylogo: false, responsive: false, scrollZoom: false, displayModeBar: queue.touch ? true : 'hover', modeBarButtonsToRemove: ['select2d', 'lasso2d', 'zoomIn2d', 'zoomOut2d', 'autoScale2d', 'toggleSpikelines', 'hoverClosestCartesian', 'hoverCompareCartesian'] };
    var draw = function (force) {
      var available = root.clientWidth || figure.layout.width;
      if (available === drawnWidth && !force) return Promise.resolve();
      drawnWidth = available;
      var layout = fitLayout(figure.layout, available, figure.data.filter(function (trace) { return trace.showlegend !== false && trace.name; }).length);
      // On a touch screen a swipe scrolls the page; the toolbar's zoom and pan buttons turn dragging on.
      if (queue.touch && live.layout === undefined) layout.dragmode = false;
      else if (live.layout) layout.dragmode = live.layout.dragmode;
      return Plotly.react(live, figure.data, layout, config);
    };
    var redraw = function () { return draw(true); };
    live.style.display = 'block';
    return draw().then(function () {
      root.querySelector('.camlab-static').style.display = 'none';
      if (window.ResizeObserver) new ResizeObserver(function () { window.requestAnimationFrame(function () { draw(); }); }).observe(root);
      ${explorerHook(figure)}
    });
  });
})();</script>`;
  return `${options.includePlotly ? plotlyLoaderScript() : ''}${FIGURE_STYLE}<div class="camlab-figure" id="${id}" style="max-width:${width}px">${image}<div class="camlab-live" style="display:none"></div></div>${draw}`;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON that is safe inside a <script> element: no '</script>', '<!--' or line separators survive. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
