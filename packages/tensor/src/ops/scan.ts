/**
 * Cumulative sums and products along an axis, as composites: a Hillis-Steele scan (Hillis &
 * Steele 1986, "Data parallel algorithms"): for k = 1, 2, 4, ... < n, y = y ⊕ shift(y, k), where
 * shift moves the lane k places along the axis and fills with the identity (0 for +, 1 for ×).
 * That is ⌈log2 n⌉ slices, pads and adds/muls, so:
 * - it runs on every backend with no new kernel, in log-depth rather than n dependent steps;
 * - its derivatives come from the slice/pad/add/mul rules, to every order, and stay exact where
 *   a value is 0 (a cumprod gradient written as cumsum(g * out) / x would divide by zero).
 * The cost is O(n log n) work per lane instead of O(n); fine for the lane lengths models use.
 */

import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, cast, mul } from './elementwise.js';
import { pad, reshape, slice } from './movement.js';

function scan(op: 'cumsum' | 'cumprod', x: Tensor, axis: number | undefined): Tensor {
  if (axis === undefined) return scan(op, reshape(x, [-1]), 0); // NumPy: flattened
  const xs = x.dtype === 'bool' ? cast(x, 'int32') : x;
  if (xs.ndim === 0) return xs;
  const ax = normalizeAxis(op, axis, xs.ndim);
  const n = xs.shape[ax] as number;
  const identity = op === 'cumsum' ? 0 : 1;
  const combine = op === 'cumsum' ? add : mul;
  let y = xs;
  for (let k = 1; k < n; k *= 2) {
    // shifted[i] = y[i - k] for i >= k, the identity before.
    const head = slice(
      y,
      y.shape.map((_, i) => (i === ax ? [0, n - k] : null)),
    );
    const shifted = pad(
      head,
      y.shape.map((_, i) => (i === ax ? [k, 0] : [0, 0])),
      identity,
    );
    y = combine(y, shifted);
  }
  return y;
}

/**
 * Running sum along `axis` (undefined: over the flattened tensor, as NumPy); bool counts as int32.
 * @example cumsum(tensor([1, 2, 3])) // [1, 3, 6]
 */
export function cumsum(x: Tensor, axis?: number): Tensor {
  return scan('cumsum', x, axis);
}

/**
 * Running product along `axis` (undefined: flattened). Differentiable to any order, zeros included.
 * @example cumprod(tensor([1, 2, 0, 4])) // [1, 2, 0, 0]
 */
export function cumprod(x: Tensor, axis?: number): Tensor {
  return scan('cumprod', x, axis);
}
