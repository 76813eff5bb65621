/**
 * Rounding to integers (values stay in the float dtype): floor is a primitive, ceil, trunc and
 * round are composites of it. All have derivative 0 (PyTorch's choice, the jumps included).
 * Integer tensors come back unchanged; bool tensors are refused.
 */
import { dispatch } from '../dispatch.js';
import { isFloat } from '../dtype.js';
import { fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { add, eq, gt, lt, mul, neg, sub, where } from './elementwise.js';

/** The primitive on a float tensor. */
const floorOf = (x: Tensor): Tensor => dispatch('floor', [x], {});

function integral(op: string, x: Tensor): boolean {
  if (x.dtype === 'bool') fail('dtype', op, 'does not accept bool tensors; cast them first');
  return !isFloat(x.dtype);
}

/** Largest integer <= x. @example floor(tensor([-1.5, 2.5])) // [-2, 2] */
export function floor(x: Tensor): Tensor {
  return integral('floor', x) ? x : dispatch('floor', [x], {});
}

/** Smallest integer >= x: -floor(-x) (so ceil(-0.5) is -0, as in IEEE and NumPy). */
export function ceil(x: Tensor): Tensor {
  return integral('ceil', x) ? x : neg(floorOf(neg(x)));
}

/** Rounds toward zero. @example trunc(tensor([-1.7, 1.7])) // [-1, 1] */
export function trunc(x: Tensor): Tensor {
  if (integral('trunc', x)) return x;
  return where(lt(x, 0), neg(floorOf(neg(x))), floorOf(x));
}

/**
 * Rounds to the nearest integer, halves to even (NumPy's and PyTorch's round):
 * f = floor(x), d = x - f (exact in floating point); f + 1 when d > 1/2, f + (f mod 2) when
 * d = 1/2, else f. A zero result keeps x's sign (round(-0.4) is -0). NaN and ±Infinity pass.
 * @example round(tensor([0.5, 1.5, 2.5, -0.5])) // [0, 2, 2, -0]
 */
export function round(x: Tensor): Tensor {
  if (integral('round', x)) return x;
  const f = floorOf(x);
  const d = sub(x, f); // NaN for ±Infinity: neither comparison holds, so f (= x) is kept
  const odd = sub(f, mul(floorOf(mul(f, 0.5)), 2)); // 0 or 1
  const r = where(gt(d, 0.5), add(f, 1), where(eq(d, 0.5), add(f, odd), f));
  return where(eq(r, 0), mul(x, 0), r);
}
