// Plotly figures as plain data: what camlab's builders return, `show()` draws and the PNG renderer paints.
// Only the parts of Plotly's schema camlab uses are typed.

export interface TextSpec {
  text: string;
  font?: { size?: number; color?: string };
  /** Where a wrapped title sits: from the top of the whole figure ('container'). */
  yref?: 'container' | 'paper';
  y?: number;
  yanchor?: 'top' | 'middle' | 'bottom';
}

export interface ImageTrace {
  type: 'image';
  /** A data: URI of a PNG or JPEG. */
  source: string;
  x0?: number;
  y0?: number;
  dx?: number;
  dy?: number;
  xaxis?: string;
  yaxis?: string;
  hoverinfo?: 'skip' | 'none';
  name?: string;
}

export interface HeatmapTrace {
  type: 'heatmap';
  /** Rows from the top of the image down. */
  z: number[][];
  x0: number;
  dx: number;
  y0: number;
  dy: number;
  zmin: number;
  zmax: number;
  /** [[position 0..1, 'rgb(r,g,b)'], …] */
  colorscale: [number, string][];
  opacity: number;
  /** 'best': Plotly interpolates between cell centres (and the PNG painter does too). */
  zsmooth?: 'best' | false;
  showscale: boolean;
  colorbar?: { title?: TextSpec; len?: number; thickness?: number; x?: number; y?: number; yanchor?: string };
  hovertemplate?: string;
  xaxis?: string;
  yaxis?: string;
  name?: string;
}

export interface BarTrace {
  type: 'bar';
  x: string[];
  y: number[];
  marker?: { color?: string | string[] };
  text?: string[];
  textposition?: 'outside' | 'auto' | 'none';
  hovertemplate?: string;
  xaxis?: string;
  yaxis?: string;
}

export interface ScatterTrace {
  type: 'scatter';
  mode: 'lines+markers' | 'lines';
  name: string;
  x: number[];
  y: number[];
  line?: { color?: string; dash?: 'solid' | 'dash' };
  hovertemplate?: string;
  xaxis?: string;
  yaxis?: string;
}

export type Trace = ImageTrace | HeatmapTrace | BarTrace | ScatterTrace;

export interface Axis {
  domain?: [number, number];
  range?: [number, number];
  title?: TextSpec;
  showgrid?: boolean;
  zeroline?: boolean;
  showticklabels?: boolean;
  ticks?: '' | 'outside';
  scaleanchor?: string;
  constrain?: 'domain' | 'range';
  anchor?: string;
  type?: 'category' | 'linear';
  tickformat?: string;
  fixedrange?: boolean;
}

export interface Shape {
  type: 'rect';
  xref: string;
  yref: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  line: { color: string; width: number; dash?: 'solid' | 'dash' };
  name?: string;
}

export interface Annotation {
  text: string;
  x: number;
  y: number;
  xref: string;
  yref: string;
  showarrow: false;
  xanchor?: 'left' | 'center' | 'right';
  yanchor?: 'top' | 'middle' | 'bottom';
  font?: { size?: number; color?: string };
  bgcolor?: string;
  /** How the lines of a multi-line text align (Plotly centres them by default). */
  align?: 'left' | 'center' | 'right';
}

/** A dropdown menu. camlab's menus use method 'skip': a script of the figure reacts to the choice. */
export interface UpdateMenu {
  type: 'dropdown';
  name: string;
  buttons: { label: string; method: 'skip'; args: [] }[];
  active: number;
  direction: 'down';
  showactive: boolean;
  x: number;
  y: number;
  xanchor: 'left' | 'center' | 'right';
  yanchor: 'top' | 'middle' | 'bottom';
  pad?: { t?: number; r?: number; b?: number; l?: number };
  font?: { size?: number };
}

export interface Layout {
  title: TextSpec;
  width: number;
  height: number;
  margin: { l: number; r: number; t: number; b: number };
  shapes?: Shape[];
  annotations?: Annotation[];
  showlegend?: boolean;
  legend?: { x?: number; y?: number; xanchor?: 'left' | 'right'; yanchor?: 'top' | 'bottom' };
  plot_bgcolor?: string;
  paper_bgcolor?: string;
  hovermode?: 'closest' | false;
  /** Bar labels: Plotly shrinks a label to fit its bar unless told a smallest size (then it hides it). */
  uniformtext?: { minsize: number; mode: 'hide' | 'show' };
  updatemenus?: UpdateMenu[];
  /** Data for the figure's own script (Plotly keeps it and draws nothing from it). */
  meta?: Record<string, unknown>;
  [axis: `xaxis${string}` | `yaxis${string}`]: Axis | undefined;
}

/** A Plotly figure: pass it to `show()`, or to Plotly.newPlot where JavaScript runs. */
export interface Figure {
  data: Trace[];
  layout: Layout;
}

/**
 * Escapes text for Plotly's labels, which accept a little HTML (<b>, <br>, <a>): a class name such as
 * `<img src=x onerror=alert(1)>` must show as those characters and run nothing.
 */
export function escapeText(text: string): string {
  // Plotly decodes only these entities back into characters; quotes need no escaping in its labels.
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Reverses escapeText, for painting the same text into a PNG. */
export function unescapeText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
