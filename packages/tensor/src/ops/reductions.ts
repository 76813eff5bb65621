/** Reductions over any set of axes (`undefined` = all), with keepdims. */

import { arangeAlong, full } from '../creation.js';
import { dispatch } from '../dispatch.js';
import { fail, fmtShape } from '../errors.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Axis, Tensor } from '../tensor.js';
import { add, cast, div, eq, exp, flipOrder, log, logicalOr, mul, ne, sub, where } from './elementwise.js';
import { detach, reshape } from './movement.js';

type ReducePrim = 'sum' | 'maxReduce' | 'prod';

function reduce(prim: ReducePrim, x: Tensor, axis: Axis | undefined, keepdims: boolean): Tensor {
  const axes = normalizeAxes(prim === 'maxReduce' ? 'max' : prim, axis, x.ndim);
  if (axes.length === 0) return x;
  return dispatch(prim, [x], { axes, keepdims });
}

/** Sum; bool counts as int32. */
export function sum(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return reduce('sum', x.dtype === 'bool' ? cast(x, 'int32') : x, axis, keepdims);
}

/** Product over `axis` (all elements when omitted); bool counts as int32. */
export function prod(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return reduce('prod', x.dtype === 'bool' ? cast(x, 'int32') : x, axis, keepdims);
}

/** Maximum; NaN propagates. NOTE: at ties the gradient is shared equally among the maxima. */
export function max(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return reduce('maxReduce', x, axis, keepdims);
}

/** Minimum over `axis` (all elements when omitted); NaN propagates. */
export function min(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  requireNonEmpty('min', x, axis);
  return flipOrder(max(flipOrder(x), axis, keepdims));
}

/** True when `axis` (undefined = all) selects an axis of size 0. */
export function reducesEmpty(x: Tensor, axis: Axis | undefined): boolean {
  return normalizeAxes('reduce', axis, x.ndim).some((a) => x.shape[a] === 0);
}

/** Composites built on max fail in the name of the op the user called, not `max`. */
function requireNonEmpty(op: string, x: Tensor, axis: Axis | undefined): void {
  if (x.isDisposed) return; // dispatch reports it
  const axes = normalizeAxes(op, axis, x.ndim);
  const empty = axes.find((a) => x.shape[a] === 0);
  if (empty !== undefined)
    fail('shape', op, `cannot reduce over the empty axis ${empty} of ${fmtShape(x.shape)} (there is no identity)`);
}

function countOf(x: Tensor, axis: Axis | undefined): number {
  return normalizeAxes('mean', axis, x.ndim).reduce((n, a) => n * (x.shape[a] as number), 1);
}

/** Arithmetic mean; integer input gives float32. The mean of nothing is NaN. */
export function mean(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const xf = x.dtype === 'float64' || x.dtype === 'float32' ? x : cast(x, 'float32');
  const total = sum(xf, axis, keepdims);
  const n = countOf(x, axis);
  // The mean of an empty group is NaN (NumPy) and depends on no element of x: a constant, whose
  // derivative is 0 (an empty Jacobian), not the 0/0 that dividing the sum's tangent would give.
  if (n === 0) return full(total.shape, Number.NaN, { dtype: total.dtype, device: total.device });
  return div(total, n);
}

/** Variance with `correction` (0: population, 1: Bessel's unbiased estimate). */
export function variance(x: Tensor, axis?: Axis, keepdims = false, correction = 0): Tensor {
  const xf = x.dtype === 'float64' || x.dtype === 'float32' ? x : cast(x, 'float32');
  const centered = sub(xf, mean(xf, axis, true));
  const n = countOf(x, axis);
  return div(sum(mul(centered, centered), axis, keepdims), Math.max(0, n - correction));
}

/**
 * log Σ e^x, stable: m + log Σ e^(x - m) with m = max(x) treated as a constant (the gradient
 * through m cancels exactly, so it is detached). Rows of -Infinity give -Infinity.
 */
export function logsumexp(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  // Over an empty axis the sum is 0 and the result -Infinity (PyTorch); there is no max to shift by.
  const empty = reducesEmpty(x, axis);
  const m = empty ? undefined : detach(max(x, axis, true));
  // Shift by m where it is finite (m - m is 0 exactly there, NaN at +-Infinity and NaN), else by 0.
  const shift = m ? where(eq(sub(m, m), 0), m, 0) : 0;
  const out = add(log(sum(exp(sub(x, shift)), axis, true)), shift);
  if (keepdims) return out;
  const axes = normalizeAxes('logsumexp', axis, x.ndim);
  return reshape(
    out,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Index (int32) of the first maximum along `axis` (flattened when omitted); NaN counts as maximal. */
export function argmax(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argExtreme('argmax', x, axis, keepdims);
}

/** Index (int32) of the first minimum along `axis` (flattened when omitted); NaN counts as minimal. */
export function argmin(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argExtreme('argmin', flipOrder(x.dtype === 'bool' ? cast(x, 'int32') : x), axis, keepdims, x);
}

function argExtreme(op: string, x: Tensor, axis: number | undefined, keepdims: boolean, original = x): Tensor {
  if (axis === undefined) {
    const flat = argExtreme(op, reshape(x, [-1]), 0, false);
    return keepdims
      ? reshape(
          flat,
          original.shape.map(() => 1),
        )
      : flat;
  }
  const ax = normalizeAxis(op, axis, x.ndim);
  const n = x.shape[ax] as number;
  if (n === 0) fail('shape', op, `cannot take ${op} over the empty axis ${ax} of ${fmtShape(x.shape)}`);
  const xv = x.dtype === 'bool' ? cast(x, 'int32') : x;
  const m = max(xv, ax, true);
  // Positions holding the maximum (NaN != NaN, so NaNs are matched explicitly).
  const isMax = logicalOr(eq(xv, m), ne(xv, xv));
  const candidates = where(isMax, arangeAlong(x, ax), n);
  return min(candidates, ax, keepdims);
}
