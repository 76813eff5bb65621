/**
 * Aggregating runs over seeds and writing the results table (markdown, printed and saved to
 * results.md). Spread is the sample standard deviation over seeds, with the per-seed values shown
 * so that a reader can judge a difference against it.
 */
import type { FtMethod } from './methods.js';
import type { RunResult } from './run.js';
import { mean, pairedDifference, std } from './stats.js';

export { mean, std };

/** One setting's runs (all seeds of one method, lr, scale and init) summarised. */
export interface MethodSummary {
  method: FtMethod;
  label: string;
  lr: number;
  seeds: number[];
  trainable: number;
  /** Per-seed accuracies, in seed order. */
  subtraction: number[];
  addition: number[];
  /** Mean training wall time per run, seconds. */
  trainSeconds: number;
  /** Max over runs. */
  peakTensorBytes: number;
  peakRssBytes: number;
  finalLoss: number;
}

/** Mean of the last `k` losses (the end of training, less noisy than the last one). */
function tailMean(losses: readonly number[], k = 20): number {
  return mean(losses.slice(-k));
}

/**
 * Groups runs by setting (label, which carries method, scale and init, and lr) in first-seen order
 * and summarises each group.
 * @example summarize(results).map((s) => s.label)
 */
export function summarize(runs: readonly RunResult[]): MethodSummary[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const key = `${r.label}@${r.lr}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const sorted = [...rs].sort((a, b) => a.seed - b.seed);
    const first = sorted[0] as RunResult;
    return {
      method: first.method,
      label: first.label,
      lr: first.lr,
      seeds: sorted.map((r) => r.seed),
      trainable: first.trainable,
      subtraction: sorted.map((r) => r.subtraction),
      addition: sorted.map((r) => r.addition),
      trainSeconds: mean(sorted.map((r) => r.trainSeconds)),
      peakTensorBytes: Math.max(...sorted.map((r) => r.peakTensorBytes)),
      peakRssBytes: Math.max(...sorted.map((r) => r.peakRssBytes)),
      finalLoss: mean(sorted.map((r) => tailMean(r.losses))),
    };
  });
}

/** `93.4 ± 1.2 (92.1, 94.0, 94.1)` in percent. */
export function formatAccuracy(xs: readonly number[]): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  const spread = xs.length > 1 ? ` ± ${pct(std(xs))}` : '';
  const each = xs.length > 1 ? ` (${xs.map(pct).join(', ')})` : '';
  return `${pct(mean(xs))}${spread}${each}`;
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(2);
}

/** A markdown table from a header row and body rows (cells padded for plain-text reading). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/**
 * The main results table: one row per method.
 * @param baseParams parameters of the pretrained model (for the trainable percentage)
 */
export function resultsTable(summaries: readonly MethodSummary[], baseParams: number): string {
  const header = [
    'method',
    'trainable params',
    'peak lr',
    'subtraction exact match % (mean ± sd, per seed)',
    'addition after % (forgetting)',
    'train s / run',
    'peak tensor MiB',
    'peak RSS MiB',
  ];
  const rows = summaries.map((s) => [
    s.label,
    `${s.trainable.toLocaleString('en-US')} (${((100 * s.trainable) / baseParams).toFixed(1)}%)`,
    String(s.lr),
    formatAccuracy(s.subtraction),
    formatAccuracy(s.addition),
    s.trainSeconds.toFixed(1),
    mb(s.peakTensorBytes),
    mb(s.peakRssBytes),
  ]);
  return markdownTable(header, rows);
}

/** The learning-rate sweep table: one row per (method, lr). */
export function sweepTable(summaries: readonly MethodSummary[]): string {
  const header = ['method', 'peak lr', 'subtraction exact match %', 'final loss (mean of last 20 steps)'];
  const rows = summaries.map((s) => [s.label, String(s.lr), formatAccuracy(s.subtraction), s.finalLoss.toFixed(4)]);
  return markdownTable(header, rows);
}

/**
 * Paired differences in test exact match (percentage points) between methods run on the same seeds,
 * with the 95% t-interval; `pairs` names [first, second] methods.
 */
export function pairedTable(
  summaries: readonly MethodSummary[],
  pairs: readonly (readonly [FtMethod, FtMethod])[],
): string {
  const pp = (x: number) => (100 * x).toFixed(1);
  const rows: string[][] = [];
  for (const [a, b] of pairs) {
    const sa = summaries.find((s) => s.method === a);
    const sb = summaries.find((s) => s.method === b);
    if (!sa || !sb || sa.seeds.join() !== sb.seeds.join() || sa.seeds.length < 2) continue;
    const d = pairedDifference(sa.subtraction, sb.subtraction);
    const shown = d.lo > 0 ? 'yes, first higher' : d.hi < 0 ? 'yes, first lower' : 'no (contains 0)';
    rows.push([
      `${sa.label} - ${sb.label}`,
      `${pp(d.mean)} ± ${pp(d.sd)}`,
      `[${pp(d.lo)}, ${pp(d.hi)}]`,
      shown,
      d.diffs.map(pp).join(', '),
    ]);
  }
  const header = ['difference (test exact match, points)', 'mean ± sd', '95% t-interval', 'excludes 0?', 'per seed'];
  return markdownTable(header, rows);
}

/** The tuning table: every grid cell's validation score, the chosen one per method marked. */
export function tuningTable(runs: readonly RunResult[], chosen: ReadonlySet<RunResult>): string {
  const header = ['method', 'peak lr', 'scale s', 'validation exact match %', 'validation loss', 'chosen'];
  const rows = runs.map((r) => [
    r.label.replace(/ s=[^ ]+/, ''),
    String(r.lr),
    r.scale === undefined ? '-' : String(r.scale),
    r.validation ? (100 * r.validation.accuracy).toFixed(1) : '-',
    r.validation ? r.validation.loss.toFixed(4) : '-',
    chosen.has(r) ? 'yes' : '',
  ]);
  return markdownTable(header, rows);
}
