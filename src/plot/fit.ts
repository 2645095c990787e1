import type { Layout } from './figure';

/**
 * The layout of a figure drawn `available` pixels wide. A figure that fits is drawn as designed; a wider
 * one becomes `available` wide: a grid's panels reflow into fewer columns (as many as keep a panel's
 * title readable), an image keeps square pixels, a legend moves under the plot (given its `legendEntries`), a title too long for its width
 * wraps, and no annotation or bar label is drawn smaller than 12 px.
 *
 * The browser runs this very function (figureHtml embeds its source), so it refers to nothing outside
 * itself and declares no named inner functions.
 *
 * @example Plotly.react(div, figure.data, fitLayout(figure.layout, div.clientWidth));
 */
export function fitLayout(layout: Layout, available: number, legendEntries = 0): Layout {
  // A copy to change; the data a figure's script keeps in meta (large for an explorer) is shared, not copied.
  const fitted = JSON.parse(JSON.stringify({ ...layout, meta: undefined })) as Layout;
  if (layout.meta !== undefined) fitted.meta = layout.meta;
  for (const note of fitted.annotations ?? []) if (note.font?.size !== undefined && note.font.size < 12) note.font.size = 12;
  // A bar label too long for its bar is hidden (its value stays in the hover text), never shrunk.
  fitted.uniformtext = { minsize: 12, mode: 'hide' };
  const width = Math.floor(available);
  const margin = layout.margin;
  if (width > 0 && width < layout.width) {
    fitted.width = width;
    const inner = Math.max(40, width - margin.l - margin.r);
    const innerBefore = layout.width - margin.l - margin.r;
    const panels = (Object.keys(layout) as (keyof Layout)[])
      .filter((key) => /^xaxis\d*$/.test(String(key)) && layout[key as `xaxis${string}`]?.domain !== undefined)
      .sort((a, b) => Number(String(a).slice(5) || 1) - Number(String(b).slice(5) || 1)) as `xaxis${string}`[];
    if (panels.length > 1) {
      // A grid: panel i sits at row i / columns; its title is the i-th paper-anchored annotation above it.
      const columnsBefore = new Set(panels.map((key) => layout[key]?.domain?.[0])).size;
      const cellBefore = innerBefore / columnsBefore;
      const rowBefore = (layout.height - margin.t - margin.b) / Math.ceil(panels.length / columnsBefore);
      // Above each panel its title; below it and to its left, tick labels unless the panels hide them.
      const labelled = layout[panels[0]]?.showticklabels !== false;
      const [above, below, left, gap] = [Math.max(0, rowBefore - cellBefore), labelled ? 18 : 4, labelled ? 28 : 4, 4];
      const titles = (fitted.annotations ?? []).filter((note) => note.xref === 'paper' && note.yanchor === 'bottom');
      const longest = Math.max(0, ...titles.map((note) => note.text.replace(/&\w+;/g, '_').length));
      const readable = Math.min(cellBefore, Math.max(80, longest * 7 + 8));
      const columns = Math.max(1, Math.min(columnsBefore, Math.floor(inner / readable)));
      const rows = Math.ceil(panels.length / columns);
      const cell = inner / columns;
      const side = Math.max(10, cell - left - gap);
      const rowHeight = above + side + below;
      const plotHeight = rows * rowHeight;
      fitted.height = Math.round(plotHeight + margin.t + margin.b);
      panels.forEach((key, i) => {
        const [row, column] = [Math.floor(i / columns), i % columns];
        const x: [number, number] = [(column * cell + left) / inner, (column * cell + left + side) / inner];
        const top = row * rowHeight + above;
        const y: [number, number] = [1 - (top + side) / plotHeight, 1 - top / plotHeight];
        const suffix = key.slice(5);
        fitted[key] = { ...fitted[key], domain: x };
        fitted[`yaxis${suffix}`] = { ...fitted[`yaxis${suffix}`], domain: y };
        if (titles[i]) [titles[i].x, titles[i].y] = [(x[0] + x[1]) / 2, y[1]];
      });
    } else if (Object.keys(layout).some((key) => /^yaxis\d*$/.test(key) && layout[key as `yaxis${string}`]?.scaleanchor)) {
      // An image: its height shrinks with its width.
      fitted.height = Math.round(margin.t + margin.b + ((layout.height - margin.t - margin.b) * inner) / innerBefore);
    } else if (layout.showlegend && legendEntries > 0) {
      // A legend inside a narrowed plot covers the curves: it moves under the axis title, one line an entry.
      const extra = 20 * legendEntries + 8;
      fitted.margin = { ...fitted.margin, b: fitted.margin.b + extra };
      fitted.height += extra;
      fitted.legend = { x: 0, xanchor: 'left', y: 0, yref: 'container', yanchor: 'bottom' };
    }
  }
  // A title longer than the figure is wide (the figure as designed, or narrowed) wraps at spaces.
  const size = layout.title.font?.size ?? 17;
  const perLine = Math.max(12, Math.floor((fitted.width - 16) / (size * 0.58)));
  const lines: string[] = [];
  for (const word of layout.title.text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && (lines[last] + ' ' + word).replace(/&\w+;/g, '_').length <= perLine) lines[last] += ' ' + word;
    else lines.push(word);
  }
  if (lines.length > 1) {
    const extra = Math.round((lines.length - 1) * size * 1.3);
    fitted.margin = { ...fitted.margin, t: fitted.margin.t + extra };
    fitted.height += extra;
  }
  if (lines.length > 1) {
    // Centred in the top margin. Plotly 4 keeps the first line of a multi-line
    // title where a one-line title anchored at its bottom would be, and adds the others below it
    // (measured in chromium).
    const block = size * 1.2 + (lines.length - 1) * size * 1.3;
    const top = Math.max(4, (fitted.margin.t - block) / 2);
    fitted.title = {
      ...fitted.title,
      text: lines.join('<br>'),
      yref: 'container',
      y: 1 - (top + size * 0.95) / fitted.height,
      yanchor: 'bottom',
    };
  }
  return fitted;
}
