/**
 * The experiment's figures: relative error vs budget r (one panel per target), loss curves at one
 * budget (one panel per target), and grouped bars at one budget. Panels are plot-svg.ts line
 * plots tiled into one SVG document.
 */
import { type BarSeries, groupedBarsSvg } from '../lib/plot-bars.js';
import { linePlotSvg, type Series } from '../lib/plot-svg.js';
import type { ResultRow } from './report.js';
import type { CurveRecord } from './run.js';

const PANEL = { width: 420, height: 300 };

/**
 * Tiles SVG documents (each `w` x `h`) in a grid of `cols` columns, as nested <svg> elements.
 * @example tileSvg([a, b, c], 2, 420, 300) // 2 x 2 grid, last cell empty
 */
export function tileSvg(panels: readonly string[], cols: number, w: number, h: number): string {
  const rows = Math.ceil(panels.length / cols);
  const [W, H] = [cols * w, rows * h];
  const body = panels.map((svg, i) => {
    const [x, y] = [(i % cols) * w, Math.floor(i / cols) * h];
    return svg.replace(/^<svg /, `<svg x="${x}" y="${y}" `);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">\n${body.join('')}</svg>\n`;
}

const kindsOf = (rows: readonly ResultRow[]) => [...new Set(rows.map((r) => r.kind))];

/** Relative error vs r per target: LoRA-SVD (the rank-r optimum), ABBA, HiRA. */
export function errorVsBudgetSvg(rows: readonly ResultRow[]): string {
  const panels = kindsOf(rows).map((kind) => {
    const rs = rows.filter((x) => x.kind === kind);
    const series: Series[] = [
      { name: 'LoRA-SVD', points: rs.map((x) => [x.r, x.loraSvd] as const) },
      { name: 'ABBA', points: rs.map((x) => [x.r, x.abba] as const) },
      { name: 'HiRA', points: rs.map((x) => [x.r, x.hira] as const) },
    ];
    return linePlotSvg(series, { title: kind, xLabel: 'budget r (params r(m+n))', yLabel: 'rel. error', ...PANEL });
  });
  return tileSvg(panels, 3, PANEL.width, PANEL.height);
}

/** Loss curves (relative error vs step, log y) at budget `r`, with the LoRA-SVD optimum as a flat line. */
export function lossCurvesSvg(curves: readonly CurveRecord[], rows: readonly ResultRow[], r: number): string {
  const panels = kindsOf(rows).flatMap((kind) => {
    const cs = curves.filter((c) => c.kind === kind && c.r === r);
    const row = rows.find((x) => x.kind === kind && x.r === r);
    if (cs.length === 0 || !row) return [];
    const last = Math.max(...cs.flatMap((c) => c.curve.map((p) => p[0])));
    const series: Series[] = cs.map((c) => ({ name: c.label, points: c.curve.filter((p) => p[1] > 0) }));
    if (row.loraSvd > 0)
      series.push({
        name: 'LoRA-SVD optimum',
        points: [
          [0, row.loraSvd],
          [last, row.loraSvd],
        ],
      });
    return [
      linePlotSvg(series, {
        title: `${kind}, r = ${r}`,
        xLabel: 'Adam step',
        yLabel: 'rel. error',
        logY: true,
        ...PANEL,
      }),
    ];
  });
  if (panels.length === 0) return '';
  return tileSvg(panels, 3, PANEL.width, PANEL.height);
}

/** Grouped bars at budget `r`: one group per target, one bar per method. */
export function barsAtBudgetSvg(rows: readonly ResultRow[], r: number): string {
  const rs = rows.filter((x) => x.r === r);
  if (rs.length === 0) return '';
  const series: BarSeries[] = [
    { name: 'LoRA-SVD', values: rs.map((x) => x.loraSvd) },
    { name: 'ABBA', values: rs.map((x) => x.abba) },
    { name: 'HiRA', values: rs.map((x) => x.hira) },
  ];
  const title = `relative Frobenius error at budget r = ${r}`;
  return groupedBarsSvg(
    rs.map((x) => x.kind.replace(/^real:blocks\./, 'b')),
    series,
    { title, yLabel: 'rel. error', width: Math.max(640, 110 * rs.length) },
  );
}

/**
 * Every figure as [file name, SVG] pairs (empty figures left out).
 * @example for (const [f, svg] of plotsFor(rows, curves, 16)) writeFileSync(f, svg);
 */
export function plotsFor(
  rows: readonly ResultRow[],
  curves: readonly CurveRecord[],
  budget: number,
): [string, string][] {
  // The requested budget, or else the largest one measured.
  const rs = rows.map((x) => x.r);
  const r = rs.includes(budget) ? budget : Math.max(...rs);
  const files: [string, string][] = [
    ['error-vs-r.svg', errorVsBudgetSvg(rows)],
    ['loss-curves.svg', lossCurvesSvg(curves, rows, r)],
    ['bars.svg', barsAtBudgetSvg(rows, r)],
  ];
  return files.filter(([, svg]) => svg.length > 0);
}
