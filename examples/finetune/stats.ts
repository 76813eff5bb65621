/**
 * Paired comparison of two methods over the same seeds: the per-seed differences, their mean and
 * sample standard deviation, and the 95% Student-t interval mean ± t(0.975, n - 1) sd / sqrt(n).
 * Pairing removes what a seed does to both methods (data order, the shared part of the init).
 */

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Two-sided 95% quantiles t(0.975, df) of Student's t for df = 1..30 (standard tables). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * t(0.975, df), e.g. 2.776 for 5 paired seeds (df = 4).
 * @example tQuantile975(4) // 2.776
 */
export function tQuantile975(df: number): number {
  const t = T975[df - 1];
  if (!Number.isInteger(df) || t === undefined)
    throw new Error(`tQuantile975: df must be an integer in 1..30, got ${df}`);
  return t;
}

export interface PairedDifference {
  /** Per-pair differences a_i - b_i, in input order. */
  diffs: number[];
  mean: number;
  sd: number;
  /** 95% t-interval of the mean difference. */
  lo: number;
  hi: number;
}

/**
 * a - b paired by position (same seed at the same index); needs at least 2 pairs.
 * @example pairedDifference([0.9, 0.8], [0.7, 0.7]).mean // 0.15
 */
export function pairedDifference(a: readonly number[], b: readonly number[]): PairedDifference {
  if (a.length !== b.length || a.length < 2)
    throw new Error(`pairedDifference: need two lists of the same length >= 2, got ${a.length} and ${b.length}`);
  const diffs = a.map((x, i) => x - (b[i] as number));
  const m = mean(diffs);
  const sd = std(diffs);
  const half = (tQuantile975(diffs.length - 1) * sd) / Math.sqrt(diffs.length);
  return { diffs, mean: m, sd, lo: m - half, hi: m + half };
}
