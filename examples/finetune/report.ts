/**
 * Aggregating runs over seeds and writing the results table (markdown, printed and saved to
 * results.md). Spread is the sample standard deviation over seeds, with the per-seed values shown
 * so that a reader can judge a difference against it.
 */
import type { FtMethod } from './methods.js';
import type { RunResult } from './run.js';

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

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
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
