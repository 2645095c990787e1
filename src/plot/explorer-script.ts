// The explorer figure's script, run in the page after Plotly drew the figure: it keeps the reader's three
// choices (class, layer, method) and shows the matching map, box, title and note from layout.meta.
// Plain ES5 in a string: it runs in any page, and it is not compiled (tsx would add helpers to a function's
// source text, and the page has none of them).
import type { Figure } from './figure';

const EXPLORER_SCRIPT = `(function (Plotly, live, figure, redraw) {
  var spec = figure.layout.meta.camlabExplorer;
  var choice = spec.choice.slice();
  var layers = spec.counts[1], methods = spec.counts[2];
  function rows(base64, width, height) {
    var bytes = atob(base64), z = [];
    for (var r = 0; r < height; r++) {
      var row = [];
      for (var c = 0; c < width; c++) row.push(bytes.charCodeAt(r * width + c) - spec.offset);
      z.push(row);
    }
    return z;
  }
  function show() {
    var k = (choice[0] * layers + choice[1]) * methods + choice[2];
    var grid = spec.grids[choice[1]], map = spec.maps[k], box = spec.boxes[k];
    var reason = spec.reasons[choice[1] * methods + choice[2]];
    // Where the method gives no map, the heat map turns transparent rather than hidden: its colour bar,
    // and with it the plot's size, stay put.
    var heat = map === null
      ? { z: [[0]], opacity: 0, hoverinfo: 'skip' }
      : { z: rows(map, grid.width, grid.height), x0: grid.x0, dx: grid.dx, y0: grid.y0, dy: grid.dy, opacity: spec.opacity, hoverinfo: 'all' };
    var trace = figure.data[spec.heatTrace];
    Object.keys(heat).forEach(function (key) { trace[key] = heat[key]; });
    figure.layout.title.text = spec.titles[k];
    figure.layout.shapes = box ? [Object.assign({}, spec.boxShape, { x0: box[0], y0: box[1], x1: box[2], y1: box[3] })] : [];
    figure.layout.annotations = [spec.liveNote].concat(reason ? [Object.assign({}, spec.reasonNote, { text: reason })] : []);
    // Laid out again for the width it has: a long title wraps as it did when first drawn.
    // The data changed in place: a new revision makes Plotly.react redraw it.
    figure.layout.datarevision = (figure.layout.datarevision || 0) + 1;
    return redraw();
  }
  // The menus are buttons above the plot (a tap works; Plotly's scrolling dropdowns ignore taps).
  var bar = document.createElement('div');
  bar.className = 'camlab-menus';
  bar.style.cssText = 'font: 13px/1.3 system-ui, sans-serif; margin: 0 0 4px;';
  spec.menus.forEach(function (name, i) {
    var group = document.createElement('div');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', name);
    group.style.cssText = 'display: flex; flex-wrap: wrap; align-items: center; gap: 4px; margin: 4px 0;';
    var label = document.createElement('span');
    label.textContent = name + ':';
    label.style.cssText = 'min-width: 4em; color: #444;';
    group.appendChild(label);
    spec.labels[i].forEach(function (text, j) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'camlab-choice';
      button.innerHTML = text; // escaped for Plotly already (plotlyFigure): shown as text
      button.style.cssText = 'font: inherit; min-height: 32px; padding: 4px 10px; border: 1px solid #1f77b4; border-radius: 16px; cursor: pointer; touch-action: manipulation;';
      function paint() {
        var on = choice[i] === j;
        button.setAttribute('aria-pressed', on ? 'true' : 'false');
        button.style.background = on ? '#1f77b4' : '#fff';
        button.style.color = on ? '#fff' : '#1f77b4';
      }
      paint();
      button.addEventListener('click', function () {
        choice[i] = j;
        Array.prototype.forEach.call(bar.querySelectorAll('button'), function (b) { b.__camlabPaint(); });
        show();
      });
      button.__camlabPaint = paint;
      group.appendChild(button);
    });
    bar.appendChild(group);
  });
  live.parentNode.insertBefore(bar, live);
  // The live note replaces the PNG's in a task of its own: the first drawing was one already.
  return new Promise(function (done) { setTimeout(function () { show().then(done, done); }, 0); });
})`;

/**
 * The statement that html.ts's draw script runs once the figure is drawn (Plotly, live, figure and
 * redraw in scope): the explorer's script for an explorer figure, nothing for any other figure.
 */
export function explorerHook(figure: Figure): string {
  return figure.layout.meta?.camlabExplorer ? `return ${EXPLORER_SCRIPT}(Plotly, live, figure, redraw);` : '';
}
