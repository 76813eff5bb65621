/** Standard deviation and vector norms, as composites of the reductions. */
import { fail, fmtShape } from '../errors.js';
import { normalizeAxes } from '../shape.js';
import type { Axis, Tensor } from '../tensor.js';
import { abs, cast, eq, mul, pow, sqrt, where } from './elementwise.js';
import { max, min, sum, variance } from './reductions.js';

/**
 * Standard deviation: sqrt(var(x, axis, keepdims, correction)). `correction` is PyTorch's
 * (NumPy's ddof): 0 (the default here, as `var` and NumPy) divides by n, 1 by n - 1.
 * @example std(tensor([1, 2, 3, 4]), undefined, false, 1) // 1.29...
 */
export function std(x: Tensor, axis?: Axis, keepdims = false, correction = 0): Tensor {
  return sqrt(variance(x, axis, keepdims, correction));
}

/**
 * s^(1/p) for a sum s >= 0 whose gradient is 0 at s = 0 instead of 0 * Infinity = NaN (PyTorch's
 * choice: the norm's subgradient at the origin). The inner `where` keeps the root's argument
 * away from 0, so no NaN ever enters the graph.
 */
function rootAtZeroSafe(s: Tensor, p: number): Tensor {
  const zero = eq(s, 0);
  const safe = where(zero, 1, s);
  return where(zero, 0, p === 2 ? sqrt(safe) : pow(safe, 1 / p));
}

/**
 * Vector p-norm over `axis` (undefined: all elements, as torch.linalg.vector_norm): p = 2
 * (default) sqrt(Σ x²); 1: Σ |x|; Infinity: max |x|; -Infinity: min |x|; any other p > 0:
 * (Σ |x|^p)^(1/p). Integers give float32. The gradient at x = 0 is 0 (PyTorch).
 * @example norm(tensor([3, 4])) // 5
 */
export function norm(x: Tensor, p = 2, axis?: Axis, keepdims = false): Tensor {
  const xf = x.dtype === 'float32' || x.dtype === 'float64' ? x : cast(x, 'float32');
  if (p === Number.POSITIVE_INFINITY || p === Number.NEGATIVE_INFINITY) {
    const axes = normalizeAxes('norm', axis, x.ndim);
    const empty = axes.find((a) => x.shape[a] === 0);
    if (empty !== undefined)
      fail('shape', 'norm', `p = ${p} over the empty axis ${empty} of ${fmtShape(x.shape)} is undefined`);
    return (p > 0 ? max : min)(abs(xf), axis, keepdims);
  }
  if (!(p > 0) || !Number.isFinite(p)) fail('value', 'norm', `p must be > 0 or ±Infinity, got ${p}`);
  if (p === 1) return sum(abs(xf), axis, keepdims);
  const s = p === 2 ? sum(mul(xf, xf), axis, keepdims) : sum(pow(abs(xf), p), axis, keepdims);
  return rootAtZeroSafe(s, p);
}
