/**
 * A small line-plot writer: SVG by hand (axes, ticks, labels, one polyline per series), no
 * dependencies. Enough for loss curves and similar step-vs-value plots.
 */

export interface Series {
  name: string;
  /** [x, y] points; non-finite y values are skipped. */
  points: readonly (readonly [number, number])[];
  /** Stroke colour; default: a fixed palette by series index. */
  color?: string;
}

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Log10 y axis (loss curves span decades); y values must then be > 0. */
  logY?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];
const MARGIN = { left: 64, right: 16, top: 32, bottom: 48 };

/**
 * An SVG document plotting `series` against shared axes.
 * @example writeFileSync('loss.svg', linePlotSvg([{ name: 'loss', points: [[0, 2.3], [1, 1.1]] }], { logY: true }));
 */
export function linePlotSvg(series: readonly Series[], opts: PlotOptions = {}): string {
  const { title = '', xLabel = '', yLabel = '', width = 640, height = 400, logY = false } = opts;
  const fy = (y: number) => (logY ? Math.log10(y) : y);
  const pts = series.map((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(fy(y))));
  const all = pts.flat();
  if (all.length === 0) throw new Error('linePlotSvg: no finite points to plot');
  const [x0, x1] = padRange(Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0])));
  const [y0, y1] = padRange(Math.min(...all.map((p) => fy(p[1]))), Math.max(...all.map((p) => fy(p[1]))));
  const pw = width - MARGIN.left - MARGIN.right;
  const ph = height - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => MARGIN.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  // Axes: the plot frame's left and bottom edges, with ticks and tick labels.
  const bottom = MARGIN.top + ph;
  out.push(`<path d="M${MARGIN.left} ${MARGIN.top}V${bottom}H${MARGIN.left + pw}" fill="none" stroke="black"/>`);
  for (const t of ticks(x0, x1)) {
    const x = fmt(sx(t));
    out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="black"/>`);
    out.push(`<text x="${x}" y="${bottom + 18}" text-anchor="middle">${label(t)}</text>`);
  }
  for (const t of ticks(y0, y1)) {
    const y = fmt(sy(t));
    out.push(`<line x1="${MARGIN.left - 5}" y1="${y}" x2="${MARGIN.left}" y2="${y}" stroke="black"/>`);
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(
      `<text x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(logY ? 10 ** t : t)}</text>`,
    );
  }
  if (title) out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`);
  if (xLabel)
    out.push(`<text x="${MARGIN.left + pw / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  if (yLabel) {
    const cy = MARGIN.top + ph / 2;
    out.push(
      `<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${escapeXml(yLabel)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const line = (pts[i] ?? []).map(([x, y]) => `${fmt(sx(x))},${fmt(sy(fy(y)))}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${line}"/>`);
    // Legend, top right, one row per series.
    const ly = MARGIN.top + 8 + 16 * i;
    const lx = MARGIN.left + pw - 120;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 26}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Widens a degenerate range so a constant series still gets a visible axis. */
function padRange(lo: number, hi: number): [number, number] {
  if (hi > lo) return [lo, hi];
  const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
  return [lo - d, hi + d];
}

/** About five "nice" tick values (1, 2 or 5 times a power of ten apart) within [lo, hi]. */
export function ticks(lo: number, hi: number, target = 5): number[] {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function label(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

function fmt(v: number): string {
  return v.toFixed(1);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
