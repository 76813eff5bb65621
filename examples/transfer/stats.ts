/**
 * Summary statistics and the paired t-interval: mean, sample standard deviation, and the 95%
 * interval mean(d) ± t_{0.975, n-1} sd(d) / sqrt(n) of paired differences d_i (the same seed's
 * dW*, init and data order for both methods). The t quantile is computed by inverting Student's t
 * CDF (Simpson integration of the density, then bisection); the test checks it against the
 * tabulated t_{0.975, 4} = 2.776 (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.2).
 */

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1 in the denominator); NaN for fewer than two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, 9 terms; ~15 digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Student's t CDF with `df` degrees of freedom at t >= 0 (Simpson's rule, 2000 panels). */
export function studentTCdf(t: number, df: number): number {
  if (t < 0) return 1 - studentTCdf(-t, df);
  const logC = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const f = (x: number) => Math.exp(logC - ((df + 1) / 2) * Math.log(1 + (x * x) / df));
  const n = 2000;
  const h = t / n;
  let s = f(0) + f(t);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(i * h);
  return 0.5 + (s * h) / 3;
}

/**
 * The quantile t_{p, df} (p > 0.5) by bisection on the CDF.
 * @example tQuantile(0.975, 4) // 2.7764...
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0.5 && p < 1) || !(df > 0)) throw new Error(`tQuantile: need 0.5 < p < 1 and df > 0, got ${p}, ${df}`);
  let [lo, hi] = [0, 1];
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface PairedInterval {
  n: number;
  mean: number;
  sd: number;
  /** 95% t-interval of the mean difference. */
  low: number;
  high: number;
  /** t_{0.975, n-1}. */
  t: number;
}

/**
 * The paired differences a_i - b_i and their 95% t-interval.
 * @example pairedInterval([0.9, 0.8, 0.85], [0.7, 0.75, 0.8]).low
 */
export function pairedInterval(a: readonly number[], b: readonly number[]): PairedInterval {
  if (a.length !== b.length || a.length < 2)
    throw new Error(`pairedInterval: need two equal-length lists of >= 2 values, got ${a.length} and ${b.length}`);
  const d = a.map((x, i) => x - (b[i] as number));
  const [m, sd] = [mean(d), sampleSd(d)];
  const t = tQuantile(0.975, d.length - 1);
  const half = (t * sd) / Math.sqrt(d.length);
  return { n: d.length, mean: m, sd, low: m - half, high: m + half, t };
}
