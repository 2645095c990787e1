// The drawing figure in a page: TensorFlow.js's browser build (once per page), the model's weights (once
// per page and model), the widget's markup and its script. The script is plain JavaScript in a string (it
// is not compiled: tsx would add helpers to a function's source text); the three numeric rules it shares
// with camlab (upsampling, scaling to 0..1, the box) are camlab's own functions, their source embedded.
import { present } from '../errors';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { normalizeHeatmap } from '../image/heatmap';
import { resizeHeatmap } from '../image/resize';
import { largestRegionBox } from '../localize/box';
import type { Figure } from './figure';
import type { DrawingData } from './drawing';
import { escapeHtml, plotlyLoaderScript, scriptJson, SHARED_MARK, type FigureHtmlOptions } from './html';

const TFJS_FILES = {
  tfjs: '@tensorflow/tfjs/dist/tf.es2017.min.js',
  wasmBackend: '@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js',
  wasmBinary: '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
};
let tfjsLoader: string | undefined;

function packed(file: string): string {
  const bytes = readFileSync(require.resolve(file));
  const body = file.endsWith('.js') ? Buffer.from(bytes.toString('utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '')) : bytes;
  return gzipSync(body, { level: 9 }).toString('base64');
}

/**
 * The script that defines TensorFlow.js from the packages in node_modules (no CDN): the browser build, the
 * WASM backend and its SIMD binary, gzipped and base64 (0.59 MB), unpacked by the browser, setting
 * window[target] to a promise of it. They run as CommonJS modules, so that require.js pages work and
 * `window.tf` (a page's own TensorFlow.js) is left alone. WASM (the backend camlab uses in Node) where the
 * browser has WebAssembly SIMD, else TensorFlow.js's CPU backend (the same numbers, slower).
 */
function tfjsDefinition(target: string): string {
  return `(function () {
  if (window.${target} || typeof DecompressionStream === 'undefined') return;
  function unpack(base64) {
    var bytes = Uint8Array.from(atob(base64), function (c) { return c.charCodeAt(0); });
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')));
  }
  function run(source, tf) {
    var exports = tf || {};
    new Function('define', 'module', 'exports', 'require', source).call(window, undefined, { exports: exports }, exports, function (name) { return name === '@tensorflow/tfjs-core' ? window.__camlabTfCore : {}; });
    return exports;
  }
  var parts = [unpack('${packed(TFJS_FILES.tfjs)}').text(), unpack('${packed(TFJS_FILES.wasmBackend)}').text(), unpack('${packed(TFJS_FILES.wasmBinary)}').blob()];
  window.${target} = Promise.all(parts).then(function (unpacked) {
    var tf = run(unpacked[0]), wasm = {};
    window.__camlabTfCore = tf;
    try { run(unpacked[1], wasm); } finally { delete window.__camlabTfCore; }
    // One thread (threads need a cross-origin-isolated page); its flags exist once the backend is defined.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return tf.env().getAsync('WASM_HAS_SIMD_SUPPORT').then(function (simd) {
      if (!simd) return tf.setBackend('cpu').then(function () { return tf; });
      var url = URL.createObjectURL(new Blob([unpacked[2]], { type: 'application/wasm' }));
      wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': url, 'tfjs-backend-wasm-simd.wasm': url, 'tfjs-backend-wasm-threaded-simd.wasm': url });
      return tf.setBackend('wasm').then(function (ok) { return ok ? tf : tf.setBackend('cpu').then(function () { return tf; }); });
    });
  });
})();`;
}

/**
 * TensorFlow.js for a page, once whatever the number of figures: the figures wait for `window.__camlabTf`.
 * Marked as a copy the site shares (scripts/site-assets.ts puts one file in assets/ instead).
 */
export function tfjsLoaderScript(): string {
  tfjsLoader ??= `<script ${SHARED_MARK}="tfjs">${tfjsDefinition('__camlabTf')}</script>`;
  return tfjsLoader;
}

/** TensorFlow.js as a file of the site's assets, and the script that loads it from `url` without blocking the page. */
export function sharedTfjs(): { file: string; loader: (url: string) => string } {
  return {
    file: `${tfjsDefinition('__camlabTfFile')}\n`,
    loader: (url) => `<script data-camlab-asset="tfjs">(function () {
  if (window.__camlabTf) return;
  window.__camlabTf = new Promise(function (resolve, reject) {
    var script = document.createElement('script');
    script.src = ${JSON.stringify(url)};
    script.onload = function () { resolve(window.__camlabTfFile); };
    script.onerror = function () { reject(new Error('camlab: ' + script.src + ' did not load')); };
    document.head.appendChild(script);
  });
})();</script>`,
  };
}

/**
 * The model's topology and weights for the page, defined once per page whatever the number of figures,
 * marked as a copy the site shares. (A page's other models stay in the page.)
 */
function modelScript(model: DrawingData['model']): string {
  const json = scriptJson({ topology: model.topology, weightSpecs: model.weightSpecs, weights: model.weights });
  return `<script ${SHARED_MARK}="model">(function () {
  var models = window.__camlabModels = window.__camlabModels || {};
  if (!models['${model.key}']) models['${model.key}'] = ${json};
})();</script>`;
}

/** A page's copy of the model as a file of the site's assets, and the script that loads it from `url`; figures wait for every such load. */
export function sharedModel(copy: string): { file: string; loader: (url: string) => string } {
  return {
    file: `${copy.replace(/^<script[^>]*>/, '').replace(/<\/script>$/, '')}\n`,
    loader: (url) => `<script data-camlab-asset="model">(function () {
  var loads = window.__camlabModelLoads = window.__camlabModelLoads || [];
  loads.push(new Promise(function (resolve) {
    var script = document.createElement('script');
    script.src = ${JSON.stringify(url)};
    script.onload = script.onerror = function () { resolve(); };
    document.head.appendChild(script);
  }));
})();</script>`,
  };
}

const STYLE = `<style>
.camlab-drawing { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 100%; }
.camlab-drawing .cd-title { font-size: 16px; font-weight: 600; margin: 2px 0 8px; }
.camlab-drawing .cd-row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.camlab-drawing .cd-panel { margin: 0; min-width: 0; }
.camlab-drawing .cd-panel.cd-input { flex: 1 1 240px; }
.camlab-drawing .cd-panel.cd-map { flex: 1 1 150px; }
.camlab-drawing canvas { display: block; width: 100%; height: auto; background: #000; }
.camlab-drawing canvas.cd-draw { touch-action: none; cursor: crosshair; }
.camlab-drawing figcaption { font-size: 13px; margin-top: 4px; min-height: 2.8em; }
.camlab-drawing .cd-controls { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; align-items: center; }
.camlab-drawing button { font: inherit; font-size: 13px; padding: 4px 10px; min-height: 32px; border: 1px solid #999; border-radius: 4px; background: #f6f6f6; color: #222; cursor: pointer; }
.camlab-drawing .cd-probs { flex: 1 1 180px; max-width: 300px; min-width: 170px; }
.camlab-drawing .cd-probs-title { font-size: 13px; margin-bottom: 4px; }
.camlab-drawing .cd-prob { display: grid; grid-template-columns: 2.2em 1fr 3.6em; gap: 6px; align-items: center; width: 100%; min-height: 26px; padding: 1px 4px; margin: 0 0 2px; text-align: left; background: #fff; border-color: #ddd; }
.camlab-drawing .cd-prob.cd-picked { border-color: #333; box-shadow: inset 0 0 0 1px #333; }
.camlab-drawing .cd-bar { height: 10px; background: #eee; }
.camlab-drawing .cd-bar > span { display: block; height: 100%; background: rgb(31,119,180); }
.camlab-drawing .cd-prob.cd-top .cd-bar > span { background: rgb(214,39,40); }
.camlab-drawing .cd-value { font-variant-numeric: tabular-nums; text-align: right; }
.camlab-drawing .cd-scale { display: flex; align-items: center; gap: 6px; font-size: 13px; margin-top: 8px; flex-wrap: wrap; }
.camlab-drawing .cd-scale > i { display: inline-block; width: 120px; height: 10px; }
</style>`;

let counter = 0;

function drawingMarkup(data: DrawingData, id: string): string {
  const [height, width] = data.canvas;
  const mapPanel = (which: string) =>
    `<figure class="cd-panel cd-map" style="max-width:${Math.round((data.size * 11) / 14)}px"><canvas class="cd-${which}" width="${width}" height="${height}"></canvas><figcaption class="cd-${which}-caption"></figcaption></figure>`;
  const starts = data.starts
    .map(
      (s, i) =>
        `<button type="button" class="cd-start" data-start="${i}">${escapeHtml(s.label === null ? `${i + 1}` : (data.labels[s.label] ?? String(s.label)))}</button>`,
    )
    .join('');
  const gradient = data.anchors.map((c, i) => `rgb(${c.join(',')}) ${Math.round((100 * i) / (data.anchors.length - 1))}%`).join(', ');
  return `<div class="camlab-drawing" id="${id}-live" style="display:none">
<div class="cd-title">${escapeHtml(data.title)}</div>
<div class="cd-row">
<figure class="cd-panel cd-input" style="max-width:${data.size}px"><canvas class="cd-draw" width="${width}" height="${height}" aria-label="Drawing area: draw a digit"></canvas>
<div class="cd-controls"><button type="button" class="cd-clear">Clear</button><span>Held-out digits:</span>${starts}</div></figure>
${mapPanel('top')}
${mapPanel('pick')}
<div class="cd-probs"><div class="cd-probs-title">Class probabilities (tap one to map it)</div><div class="cd-prob-list"></div></div>
</div>
<div class="cd-scale"><span>map: its minimum</span><i style="background:linear-gradient(to right, ${gradient})"></i><span>its maximum; box: the largest region ≥ ${Math.round(data.threshold * 100)}% of the maximum</span></div>
</div>`;
}

/**
 * The drawing figure as one HTML fragment: the PNG (what a viewer without JavaScript shows), the widget
 * (hidden until TensorFlow.js and the model are ready), and the script that runs it. TensorFlow.js and the
 * weights are defined once per page (and sent once per kernel session: `sent`); plotly.js travels too when
 * asked (`show()` sends it with a session's first figure, whichever that is).
 */
export function drawingFigureHtml(figure: Figure, png: Uint8Array, options: FigureHtmlOptions): string {
  const data = present(figure.layout.meta?.camlabDrawing, 'drawingFigureHtml takes a figure made by drawingFigure.') as DrawingData;
  const id = `camlab-drawing-${createHash('sha256').update(data.model.key).update(String(counter++)).digest('hex').slice(0, 12)}`;
  const title = escapeHtml(figure.layout.title.text);
  const { width, height } = figure.layout;
  const { model, ...page } = data;
  const image = `<img class="camlab-static" alt="${title}" width="${width}" height="${height}" src="data:image/png;base64,${Buffer.from(png).toString('base64')}" style="display:block;max-width:100%;height:auto">`;
  const script = `<script>(function () {
  var root = document.getElementById('${id}');
  if (!root || !window.__camlabTf) return;
  var spec = ${scriptJson({ ...page, modelKey: model.key })};
  var resizeHeatmap = ${resizeHeatmap.toString()};
  var normalizeHeatmap = ${normalizeHeatmap.toString()};
  var largestRegionBox = ${largestRegionBox.toString()};
  var model = Promise.all(window.__camlabModelLoads || []).then(function () {
    var asset = (window.__camlabModels || {})[spec.modelKey];
    if (!asset) throw new Error('camlab: the model weights of this figure are not on the page');
    return asset;
  });
  (${DRAWING_SCRIPT})(root, spec, window.__camlabTf, model, resizeHeatmap, normalizeHeatmap, largestRegionBox);
})();</script>`;
  // Once per page: what `sent` lists is on the page already (a session's earlier output).
  const once = (key: string, html: () => string) => (options.sent?.has(key) ? '' : (options.sent?.add(key), html()));
  return `${options.includePlotly ? plotlyLoaderScript() : ''}${once('tfjs', tfjsLoaderScript)}${once(`model ${model.key}`, () => modelScript(model))}${STYLE}<div class="camlab-drawing-figure" id="${id}" style="max-width:100%">${image}${drawingMarkup(data, id)}</div>${script}`;
}

// The widget. Runs once TensorFlow.js is ready; every computation is synchronous (CPU backend, dataSync),
// so a result always belongs to the pixels it was computed from. State for tests and the bench: root.camlabDrawing.
const DRAWING_SCRIPT = `function (root, spec, tfReady, modelReady, resizeHeatmap, normalizeHeatmap, largestRegionBox) {
  var live = root.querySelector('.camlab-drawing');
  var draw = live.querySelector('canvas.cd-draw');
  var ctx = draw.getContext('2d', { willReadFrequently: true });
  var maps = { top: live.querySelector('canvas.cd-top'), pick: live.querySelector('canvas.cd-pick') };
  var captions = { top: live.querySelector('.cd-top-caption'), pick: live.querySelector('.cd-pick-caption') };
  var list = live.querySelector('.cd-prob-list');
  var H = spec.canvas[0], W = spec.canvas[1];
  var inH = spec.input[0], inW = spec.input[1], inC = spec.input[2];
  var state = root.camlabDrawing = { ready: false, updates: 0, strokes: 0, picked: null, last: null, latency: null };
  var lut = new Uint8Array(256 * 3);
  for (var v = 0; v < 256; v++) {
    var position = (v / 255) * (spec.anchors.length - 1), i = Math.min(spec.anchors.length - 2, Math.floor(position)), f = position - i;
    for (var ch = 0; ch < 3; ch++) lut[v * 3 + ch] = Math.round(spec.anchors[i][ch] + (spec.anchors[i + 1][ch] - spec.anchors[i][ch]) * f);
  }
  var rows = spec.labels.map(function (label, c) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'cd-prob';
    button.dataset.class = String(c);
    var name = document.createElement('span'), bar = document.createElement('span'), fill = document.createElement('span'), value = document.createElement('span');
    name.textContent = label;
    bar.className = 'cd-bar';
    value.className = 'cd-value';
    bar.appendChild(fill);
    button.append(name, bar, value);
    button.addEventListener('click', function () { state.picked = c; update(); });
    list.appendChild(button);
    return { button: button, fill: fill, value: value };
  });

  function clear() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, W, H);
  }

  var net = null;
  function load(tf, asset) {
    if (!asset.loaded) {
      var bytes = Uint8Array.from(atob(asset.weights), function (c) { return c.charCodeAt(0); });
      asset.loaded = tf.loadLayersModel(tf.io.fromMemory({ modelTopology: asset.topology, weightSpecs: asset.weightSpecs, weightData: bytes.buffer }));
    }
    return asset.loaded.then(function (model) {
      var classifier = model.getLayer(spec.classifierLayer).getWeights();
      var kernel = classifier[0];
      net = {
        tf: tf,
        both: tf.model({ inputs: model.inputs, outputs: [model.getLayer(spec.featureLayer).output, model.outputs[0]] }),
        kernel: tf.reshape(kernel, [-1, kernel.shape[kernel.shape.length - 1]]),
        bias: classifier[1] ? classifier[1].dataSync() : null
      };
    });
  }

  // camlab's preprocessing: the canvas as RGB 0..255, resized bilinearly (half-pixel centres) to the
  // model's input, grey as the channels' mean; the model rescales it itself.
  function compute() {
    var tf = net.tf, image = ctx.getImageData(0, 0, W, H);
    var result = tf.tidy(function () {
      var x = tf.expandDims(tf.cast(tf.browser.fromPixels(image, 3), 'float32'), 0);
      if (H !== inH || W !== inW) x = tf.image.resizeBilinear(x, [inH, inW], false, true);
      if (inC === 1) x = tf.mean(x, 3, true);
      var out = net.both.predict(x);
      var features = out[0], probabilities = out[1].dataSync();
      var top = 0;
      for (var c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[top]) top = c;
      var second = top === 0 ? 1 : 0;
      for (var c2 = 0; c2 < probabilities.length; c2++) if (c2 !== top && probabilities[c2] > probabilities[second]) second = c2;
      var pick = state.picked === null ? second : state.picked;
      var fh = features.shape[1], fw = features.shape[2], k = features.shape[3];
      // M_c = sum_k w_k^c f_k: the classifier's kernel columns on the feature layer's maps (camlab's CAM).
      var raw = tf.matMul(tf.reshape(features, [fh * fw, k]), tf.gather(net.kernel, [top, pick], 1)).dataSync();
      return { probabilities: Array.from(probabilities), top: top, pick: pick, raw: raw, fh: fh, fw: fw };
    });
    var shown = [['top', result.top], ['pick', result.pick]].map(function (entry, j) {
      var data = new Float32Array(result.fh * result.fw), sum = 0;
      for (var p = 0; p < data.length; p++) { data[p] = result.raw[p * 2 + j]; sum += data[p]; }
      var heat = normalizeHeatmap(resizeHeatmap({ width: result.fw, height: result.fh, data: data }, W, H));
      var box = largestRegionBox(heat.data, W, H, spec.threshold);
      return { panel: entry[0], classIndex: entry[1], raw: data, logit: sum / data.length + (net.bias ? net.bias[entry[1]] : 0), heat: heat.data, box: box };
    });
    return { image: image, probabilities: result.probabilities, top: result.top, pick: result.pick, maps: shown };
  }

  function paint(result) {
    var base = result.image.data;
    result.maps.forEach(function (map) {
      var canvas = maps[map.panel], out = canvas.getContext('2d'), pixels = out.createImageData(W, H), px = pixels.data, a = spec.alpha;
      for (var p = 0, n = W * H; p < n; p++) {
        var level = Math.max(0, Math.min(255, Math.round(map.heat[p] * 255))) * 3;
        for (var ch = 0; ch < 3; ch++) px[p * 4 + ch] = Math.round(base[p * 4 + ch] * (1 - a) + lut[level + ch] * a);
        px[p * 4 + 3] = 255;
      }
      out.putImageData(pixels, 0, 0);
      out.strokeStyle = 'rgb(0,230,118)';
      out.lineWidth = Math.max(1, Math.round(W / 128));
      out.strokeRect(map.box.x + 0.5, map.box.y + 0.5, map.box.width - 1, map.box.height - 1);
      var label = spec.labels[map.classIndex], p0 = result.probabilities[map.classIndex].toFixed(3);
      captions[map.panel].textContent = map.panel === 'top'
        ? 'CAM of "' + label + '", the top class (p = ' + p0 + ')'
        : 'CAM of "' + label + '", ' + (state.picked === null ? 'the runner-up' : 'your pick') + ' (p = ' + p0 + ')';
    });
    rows.forEach(function (row, c) {
      var p1 = result.probabilities[c];
      row.fill.style.width = (100 * p1).toFixed(1) + '%';
      row.value.textContent = p1.toFixed(3);
      row.button.classList.toggle('cd-top', c === result.top);
      row.button.classList.toggle('cd-picked', c === result.pick);
    });
  }

  function update() {
    if (!net) return;
    var result = compute();
    paint(result);
    state.updates++;
    state.last = result;
  }

  // Drawing with mouse, pen or finger: pointer events, captured to the canvas; touch-action none keeps
  // a finger on the canvas from scrolling the page (a swipe elsewhere still scrolls).
  var drawing = null, frame = 0;
  function at(event) {
    var rect = draw.getBoundingClientRect();
    return [(event.clientX - rect.left) * (W / rect.width), (event.clientY - rect.top) * (H / rect.height)];
  }
  function stroke(from, to) {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = spec.lineWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
  }
  draw.addEventListener('pointerdown', function (event) {
    if (event.button !== 0 || !net) return;
    event.preventDefault();
    draw.setPointerCapture(event.pointerId);
    drawing = { id: event.pointerId, last: at(event) };
    stroke(drawing.last, drawing.last);
  });
  draw.addEventListener('pointermove', function (event) {
    if (!drawing || event.pointerId !== drawing.id) return;
    var next = at(event);
    stroke(drawing.last, next);
    drawing.last = next;
    // While drawing: at most one update per frame.
    if (!frame) frame = window.requestAnimationFrame(function () { frame = 0; if (drawing) update(); });
  });
  function end(event) {
    if (!drawing || event.pointerId !== drawing.id) return;
    drawing = null;
    state.strokes++;
    var began = event.timeStamp;
    update();
    var computed = performance.now() - began;
    window.requestAnimationFrame(function () { state.latency = { computed: computed, painted: performance.now() - began }; });
  }
  draw.addEventListener('pointerup', end);
  draw.addEventListener('pointercancel', end);
  live.querySelector('.cd-clear').addEventListener('click', function () { clear(); update(); });
  function start(i) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () {
        clear();
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(img, 0, 0, W, H);
        update();
        resolve();
      };
      img.onerror = function () { reject(new Error('camlab: a starting digit could not be decoded')); };
      img.src = spec.starts[i].png;
    });
  }
  Array.prototype.forEach.call(live.querySelectorAll('.cd-start'), function (button) {
    button.addEventListener('click', function () { start(Number(button.dataset.start)); });
  });

  clear();
  return Promise.all([tfReady, modelReady]).then(function (ready) { return load(ready[0], ready[1]); }).then(function () { return start(0); }).then(function () {
    live.style.display = 'block';
    root.querySelector('.camlab-static').style.display = 'none';
    state.ready = true;
  }).catch(function (error) {
    console.warn('camlab: the live drawing figure could not start; the static image stays', error);
  });
}`;
