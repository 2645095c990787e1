// The explorer figure's script, run in the page after Plotly drew the figure: it keeps the reader's three
// choices (class, layer, method) and shows the matching map, box, title and note from layout.meta.
// Plain ES5 in a string: it runs in any page, and it is not compiled (tsx would add helpers to a function's
// source text, and the page has none of them).
import type { Figure } from './figure';

const EXPLORER_SCRIPT = `(function (Plotly, live, figure) {
  var spec = figure.layout.meta.camlabExplorer;
  var choice = spec.choice.slice();
  var layers = spec.counts[1], methods = spec.counts[2];
  function rows(base64, width, height) {
    var bytes = atob(base64), z = [];
    for (var r = 0; r < height; r++) {
      var row = [];
      for (var c = 0; c < width; c++) row.push(bytes.charCodeAt(r * width + c));
      z.push(row);
    }
    return z;
  }
  function show() {
    var k = (choice[0] * layers + choice[1]) * methods + choice[2];
    var grid = spec.grids[choice[1]], map = spec.maps[k], box = spec.boxes[k];
    var reason = spec.reasons[choice[1] * methods + choice[2]];
    // Where the method gives no map, the heat map turns transparent rather than hidden: its colour bar,
    // and with it the plot's size and the menus' places, stay put.
    var heat = map === null
      ? { z: [[0]], opacity: 0, hoverinfo: 'skip' }
      : { z: rows(map, grid.width, grid.height), x0: grid.x0, dx: grid.dx, y0: grid.y0, dy: grid.dy, opacity: spec.opacity, hoverinfo: 'all' };
    var layout = {
      'title.text': spec.titles[k],
      shapes: box ? [Object.assign({}, spec.boxShape, { x0: box[0], y0: box[1], x1: box[2], y1: box[3] })] : [],
      annotations: [spec.liveNote].concat(reason ? [Object.assign({}, spec.reasonNote, { text: reason })] : [])
    };
    // The figure object follows too, so that a redraw from it (a resize) keeps the reader's choice.
    var trace = figure.data[spec.heatTrace], restyle = {};
    Object.keys(heat).forEach(function (key) { trace[key] = heat[key]; restyle[key] = [heat[key]]; });
    figure.layout.title.text = layout['title.text'];
    figure.layout.shapes = layout.shapes;
    figure.layout.annotations = layout.annotations;
    figure.layout.updatemenus.forEach(function (menu, i) { menu.active = choice[i]; });
    return Plotly.update(live, restyle, layout, [spec.heatTrace]);
  }
  live.on('plotly_buttonclicked', function (event) {
    var which = spec.menus.indexOf(event.menu.name);
    if (which < 0) return;
    choice[which] = event.active;
    show();
  });
  return show();
})`;

/**
 * The statement that html.ts's draw script runs once the figure is drawn (Plotly, live and figure in
 * scope): the explorer's script for an explorer figure, nothing for any other figure.
 */
export function explorerHook(figure: Figure): string {
  return figure.layout.meta?.camlabExplorer ? `${EXPLORER_SCRIPT}(Plotly, live, figure);` : '';
}
