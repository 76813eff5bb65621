/**
 * The experiment's records and their Markdown tables: one summary row per (target, budget), and
 * one detail row per Adam fit (init, steps, lr, final error, flatness of the loss curve's end).
 */

/** One target at one trainable-parameter budget r (m + n). */
export interface ResultRow {
  kind: string;
  /** Seed of the target (and W0, inits). */
  seed: number;
  m: number;
  n: number;
  r: number;
  /** Trainable parameters of every method at this budget: r (m + n). */
  params: number;
  /** LoRA at rank r, optimal (truncated SVD), measured. */
  loraSvd: number;
  /** LoRA fitted by Adam (optimiser check); undefined when skipped. */
  loraAdam?: number;
  /** ABBA, r1 = r2 = r / 2, best over its inits. */
  abba: number;
  /** Init of the best ABBA fit. */
  abbaInit: string;
  /** Numerical rank of the best ABBA dW, and the bound min(r1 r2, m, n). */
  abbaRank: number;
  abbaMaxRank: number;
  /** HiRA at rank r. */
  hira: number;
}

/** One Adam fit. */
export interface FitRecord {
  kind: string;
  seed: number;
  r: number;
  method: string;
  relErr: number;
  steps: number;
  lr: number;
  lastTenthDrop: number;
}

/** Fixed-point with 4 decimals, or '-' for a missing value. */
export function fmtErr(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4);
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The winner among the three methods at a budget (ties within 1e-4 go to LoRA-SVD, the cheapest). */
export function bestMethod(row: ResultRow): string {
  const c: [string, number][] = [
    ['LoRA-SVD', row.loraSvd],
    ['ABBA', row.abba],
    ['HiRA', row.hira],
  ];
  let best = c[0] as [string, number];
  for (const x of c) if (x[1] < best[1] - 1e-4) best = x;
  return best[0];
}

/**
 * The summary table: relative Frobenius errors ||dW - T||_F / ||T||_F per target and budget.
 * @example formatResultsTable(rows).split('\n')[0] // '| target | m x n | r | params | ...'
 */
export function formatResultsTable(rows: readonly ResultRow[]): string {
  const header = [
    'target',
    'seed',
    'm x n',
    'r',
    'params',
    'LoRA-SVD (EY optimum)',
    'LoRA Adam',
    'ABBA r1=r2=r/2',
    'ABBA init',
    'rank ABBA dW',
    'HiRA',
    'ABBA / LoRA-SVD',
    'best',
  ];
  const body = rows.map((x) => [
    x.kind,
    String(x.seed),
    `${x.m} x ${x.n}`,
    String(x.r),
    String(x.params),
    fmtErr(x.loraSvd),
    fmtErr(x.loraAdam),
    fmtErr(x.abba),
    x.abbaInit,
    `${x.abbaRank} / ${x.abbaMaxRank}`,
    fmtErr(x.hira),
    x.loraSvd > 0 ? (x.abba / x.loraSvd).toFixed(3) : '-',
    bestMethod(x),
  ]);
  return table(header, body);
}

/** Every Adam fit: init, steps, lr, final error, and how much the last 10% of steps still gained. */
export function formatFitTable(fits: readonly FitRecord[]): string {
  const header = ['target', 'seed', 'r', 'fit', 'steps', 'peak lr', 'rel. error', 'gain in last 10% of steps'];
  const body = fits.map((f) => [
    f.kind,
    String(f.seed),
    String(f.r),
    f.method,
    String(f.steps),
    String(f.lr),
    fmtErr(f.relErr),
    `${(100 * f.lastTenthDrop).toFixed(3)}%`,
  ]);
  return table(header, body);
}
