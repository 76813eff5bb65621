/**
 * The transfer experiment's plots: mean R-vs-step curves per method (examples/lib's line plot)
 * and paired differences with their intervals (a small dot-and-whisker SVG of its own).
 */
import { linePlotSvg, ticks } from '../lib/plot-svg.js';

/** One line per method: the mean over seeds of R at each curve step. */
export function curvePlotSvg(methods: { name: string; curves: [number, number][][] }[], title: string): string {
  const series = methods.map((m) => {
    const steps = m.curves[0]?.map(([s]) => s) ?? [];
    const points = steps.map(
      (s, i) => [s, m.curves.reduce((a, c) => a + (c[i]?.[1] ?? Number.NaN), 0) / m.curves.length] as const,
    );
    return { name: m.name, points };
  });
  return linePlotSvg(series, { title, xLabel: 'step', yLabel: 'R (validation, first 1024 rows)', width: 720 });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One row per comparison: the mean as a dot, the interval as a bar, a vertical line at 0. */
export function intervalPlotSvg(
  rows: { label: string; mean: number; low: number; high: number }[],
  title: string,
): string {
  const [width, rowH, left, right, top] = [760, 22, 260, 24, 40];
  const height = top + rows.length * rowH + 40;
  const lo = Math.min(0, ...rows.map((r) => r.low));
  const hi = Math.max(0, ...rows.map((r) => r.high));
  const pad = (hi - lo) * 0.05 || 0.01;
  const [x0, x1] = [lo - pad, hi + pad];
  const sx = (x: number) => left + ((x - x0) / (x1 - x0)) * (width - left - right);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  const bottom = top + rows.length * rowH;
  for (const t of ticks(x0, x1)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<line x1="${sx(0).toFixed(1)}" y1="${top - 4}" x2="${sx(0).toFixed(1)}" y2="${bottom}" stroke="black"/>`);
  rows.forEach((r, i) => {
    const y = (top + (i + 0.5) * rowH).toFixed(1);
    const color = r.low > 0 ? '#2ca02c' : r.high < 0 ? '#d62728' : '#555';
    out.push(`<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(r.label)}</text>`);
    out.push(
      `<line x1="${sx(r.low).toFixed(1)}" y1="${y}" x2="${sx(r.high).toFixed(1)}" y2="${y}" stroke="${color}" stroke-width="2"/>`,
    );
    out.push(`<circle cx="${sx(r.mean).toFixed(1)}" cy="${y}" r="4" fill="${color}"/>`);
  });
  out.push(
    `<text x="${(left + width - right) / 2}" y="${height - 6}" text-anchor="middle">difference of test R (left − right method)</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
