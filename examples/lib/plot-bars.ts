/**
 * A grouped bar chart as a hand-written SVG (no dependencies): one group of bars per category
 * (e.g. a target kind), one bar per series (e.g. a method), a shared linear y axis from 0.
 * Companion of plot-svg.ts (line plots), whose tick rule it reuses.
 */
import { ticks } from './plot-svg.js';

export interface BarSeries {
  name: string;
  /** One value per group; non-finite values draw no bar. */
  values: readonly number[];
  color?: string;
}

export interface BarOptions {
  title?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const MARGIN = { left: 64, right: 16, top: 32, bottom: 64 };

/**
 * An SVG document with `groups.length` groups of `series.length` bars each, and a legend.
 * @example writeFileSync('bars.svg', groupedBarsSvg(['a', 'b'], [{ name: 'x', values: [1, 2] }], { title: 'demo' }));
 */
export function groupedBarsSvg(groups: readonly string[], series: readonly BarSeries[], opts: BarOptions = {}): string {
  const { title = '', yLabel = '', width = 720, height = 400 } = opts;
  for (const s of series)
    if (s.values.length !== groups.length)
      throw new Error(`groupedBarsSvg: series '${s.name}' has ${s.values.length} values for ${groups.length} groups`);
  const finite = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  if (finite.length === 0) throw new Error('groupedBarsSvg: no finite values to plot');
  const lo = Math.min(0, ...finite);
  const hi = Math.max(...finite) > lo ? Math.max(...finite) * 1.05 : lo + 1;
  const pw = width - MARGIN.left - MARGIN.right;
  const ph = height - MARGIN.top - MARGIN.bottom;
  const sy = (y: number) => MARGIN.top + (1 - (y - lo) / (hi - lo)) * ph;
  const groupW = pw / Math.max(1, groups.length);
  const barW = (groupW * 0.8) / Math.max(1, series.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  const bottom = MARGIN.top + ph;
  for (const t of ticks(lo, hi)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${t}</text>`);
  }
  out.push(`<path d="M${MARGIN.left} ${MARGIN.top}V${bottom}H${MARGIN.left + pw}" fill="none" stroke="black"/>`);
  groups.forEach((g, gi) => {
    const x0 = MARGIN.left + gi * groupW + groupW * 0.1;
    series.forEach((s, si) => {
      const v = s.values[gi] as number;
      if (!Number.isFinite(v)) return;
      const color = s.color ?? PALETTE[si % PALETTE.length];
      const [top, base] = [sy(Math.max(v, 0)), sy(Math.min(v, 0))];
      const x = (x0 + si * barW).toFixed(1);
      out.push(
        `<rect x="${x}" y="${top.toFixed(1)}" width="${(barW * 0.9).toFixed(1)}" height="${(base - top).toFixed(1)}" fill="${color}"><title>${escapeXml(`${g} / ${s.name}: ${v}`)}</title></rect>`,
      );
    });
    const cx = (MARGIN.left + (gi + 0.5) * groupW).toFixed(1);
    out.push(`<text x="${cx}" y="${bottom + 18}" text-anchor="middle">${escapeXml(g)}</text>`);
  });
  // Legend: one row below the axis labels.
  series.forEach((s, si) => {
    const lx = MARGIN.left + si * 130;
    const ly = height - 18;
    out.push(
      `<rect x="${lx}" y="${ly - 6}" width="12" height="12" fill="${s.color ?? PALETTE[si % PALETTE.length]}"/>`,
    );
    out.push(`<text x="${lx + 16}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  if (title) out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`);
  if (yLabel) {
    const cy = MARGIN.top + ph / 2;
    out.push(
      `<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${escapeXml(yLabel)}</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
