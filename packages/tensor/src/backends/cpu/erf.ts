/**
 * erf to full float64 accuracy, as gradcheck needs: finite differences of a function with 1e-7
 * wiggles (the usual Abramowitz-Stegun 7.1.26 fit) would be off by 0.1 at eps = 1e-6.
 *
 * |x| < 3: erf(x) = 2/√π e^{-x²} Σ_n 2^n x^{2n+1} / (1·3·5···(2n+1)), a series of positive terms
 *          (no cancellation), summed until terms stop mattering.
 * |x| ≥ 3: erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), the
 *          continued fraction evaluated bottom-up with a fixed depth, which converges fast there.
 */
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax >= 3) {
    const y = 1 - erfcLarge(ax);
    return x < 0 ? -y : y;
  }
  const x2 = x * x;
  let term = x;
  let total = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    total += term;
    if (Math.abs(term) < 1e-17 * Math.abs(total)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * total;
}

function erfcLarge(x: number): number {
  if (x > 27) return 0;
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return (Math.exp(-x * x) * INV_SQRT_PI) / f;
}
