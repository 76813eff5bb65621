/**
 * Aggregation over target seeds: one row per (target kind, size, budget) with the mean ± sample sd
 * of each method's relative error over the seeds, the mean ratio ABBA / LoRA-SVD, and in how many
 * seeds each method was best.
 */
import { bestMethod, fmtErr, type ResultRow, table } from './report.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/** Rows grouped by kind, size and budget, in first-seen order. */
function groups(rows: readonly ResultRow[]): ResultRow[][] {
  const g = new Map<string, ResultRow[]>();
  for (const x of rows) {
    const key = `${x.kind}|${x.m}x${x.n}|${x.r}`;
    g.set(key, [...(g.get(key) ?? []), x]);
  }
  return [...g.values()];
}

/** `0.1234 ± 0.0012`. */
function meanSd(xs: readonly number[]): string {
  return `${fmtErr(mean(xs))} ± ${fmtErr(sd(xs))}`;
}

/**
 * Mean-over-seeds rows (seed -1) for the plots.
 * @example meanRows(rows).length // kinds x budgets
 */
export function meanRows(rows: readonly ResultRow[]): ResultRow[] {
  return groups(rows).map((g) => {
    const f = g[0] as ResultRow;
    const avg = (pick: (x: ResultRow) => number | undefined) => {
      const v = g.map(pick).filter((x): x is number => x !== undefined);
      return v.length ? mean(v) : undefined;
    };
    return {
      ...f,
      seed: -1,
      loraSvd: avg((x) => x.loraSvd) as number,
      loraAdam: avg((x) => x.loraAdam),
      abba: avg((x) => x.abba) as number,
      hira: avg((x) => x.hira) as number,
    };
  });
}

/**
 * The summary table over seeds: relative Frobenius error, mean ± sd, per target, size and budget.
 * @example formatSummaryTable(rows).split('\n')[0] // '| target | m x n | r | params (% of m n) | ...'
 */
export function formatSummaryTable(rows: readonly ResultRow[]): string {
  const header = [
    'target',
    'm x n',
    'r',
    'params (% of m n)',
    'seeds',
    'LoRA-SVD (EY optimum)',
    'ABBA r1=r2=r/2 (best init)',
    'HiRA',
    'ABBA / LoRA-SVD',
    'best (seeds)',
  ];
  const body = groups(rows).map((g) => {
    const f = g[0] as ResultRow;
    const wins = new Map<string, number>();
    for (const x of g) wins.set(bestMethod(x), (wins.get(bestMethod(x)) ?? 0) + 1);
    const ratio = g.map((x) => x.abba / x.loraSvd);
    return [
      f.kind,
      `${f.m} x ${f.n}`,
      String(f.r),
      `${f.params} (${((100 * f.params) / (f.m * f.n)).toFixed(1)}%)`,
      String(g.length),
      meanSd(g.map((x) => x.loraSvd)),
      meanSd(g.map((x) => x.abba)),
      meanSd(g.map((x) => x.hira)),
      `${mean(ratio).toFixed(3)} ± ${sd(ratio).toFixed(3)}`,
      [...wins.entries()].map(([k, n]) => `${k} ${n}/${g.length}`).join(', '),
    ];
  });
  return table(header, body);
}
