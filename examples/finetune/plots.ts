/**
 * The experiment's two figures: training loss per method (mean over seeds, smoothed, log scale)
 * and held-out accuracy bars (subtraction after adaptation, addition after adaptation).
 */
import { groupedBarsSvg } from '../lib/plot-bars.js';
import { linePlotSvg, type Series } from '../lib/plot-svg.js';
import type { FtMethod } from './methods.js';
import { type MethodSummary, mean } from './report.js';
import type { RunResult } from './run.js';

const COLORS: Record<FtMethod, string> = {
  full: '#444444',
  lora: '#1f77b4',
  hira: '#2ca02c',
  abba: '#d62728',
  lora2r: '#9467bd',
};

/** Exponential moving average (weight 0.9 on the past), so curves of noisy losses can be compared. */
export function smooth(xs: readonly number[], beta = 0.9): number[] {
  let ema = xs[0] ?? 0;
  return xs.map((x) => {
    ema = beta * ema + (1 - beta) * x;
    return ema;
  });
}

/** Loss curves: per method, the per-step mean over its runs, smoothed. */
export function lossCurvesSvg(runs: readonly RunResult[], title: string): string {
  const byMethod = new Map<string, RunResult[]>();
  for (const r of runs) byMethod.set(r.label, [...(byMethod.get(r.label) ?? []), r]);
  const series: Series[] = [...byMethod.entries()].map(([label, rs]) => {
    const steps = Math.min(...rs.map((r) => r.losses.length));
    const avg = Array.from({ length: steps }, (_, i) => mean(rs.map((r) => r.losses[i] as number)));
    return {
      name: `${label} (${rs.length} seed${rs.length > 1 ? 's' : ''})`,
      points: smooth(avg).map((y, i): [number, number] => [i + 1, y]),
      color: COLORS[(rs[0] as RunResult).method],
    };
  });
  return linePlotSvg(series, {
    title,
    xLabel: 'fine-tuning step',
    yLabel: 'cross-entropy on answer tokens (log, smoothed)',
    logY: true,
  });
}

/** Accuracy bars: mean over seeds per method, on the new task and on the old one. */
export function accuracyBarsSvg(summaries: readonly MethodSummary[], title: string): string {
  return groupedBarsSvg(
    ['subtraction (held out, new task)', 'addition (held out, after adaptation)'],
    summaries.map((s) => ({
      name: s.label,
      values: [100 * mean(s.subtraction), 100 * mean(s.addition)],
      color: COLORS[s.method],
    })),
    { title, yLabel: 'exact match % (mean over seeds)' },
  );
}
