/** Plain-text and markdown tables for benchmark output. */

export type Cell = string | number | null | undefined;
export type Row = Record<string, Cell>;

/** Formats a number with `digits` significant decimals; '-' for missing or non-finite values. */
export function fmt(x: Cell, digits = 2): string {
  if (x === null || x === undefined) return '-';
  if (typeof x === 'string') return x;
  if (!Number.isFinite(x)) return '-';
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

function columnsOf(rows: readonly Row[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

/**
 * A GitHub-markdown table of `rows` (columns in first-seen key order), numbers right-aligned.
 * @example markdownTable([{ N: 256, 'GFLOP/s': 1.52 }])
 */
export function markdownTable(rows: readonly Row[]): string {
  const cols = columnsOf(rows);
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, 3, ...cells.map((row) => (row[i] as string).length)));
  const numeric = cols.map((c) => rows.every((r) => typeof r[c] !== 'string'));
  const line = (vals: readonly string[]) =>
    `| ${vals.map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(cols), rule, ...cells.map(line)].join('\n');
}

/** Prints `rows` as a markdown table (readable in a terminal, pasteable into a report). */
export function printTable(rows: readonly Row[], title?: string): void {
  if (title) console.log(`\n${title}`);
  console.log(markdownTable(rows));
}
