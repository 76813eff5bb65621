/**
 * The VJP of prod: d prod(x)/dx_i = prod_{j != i} x_j, the product of the group's other elements.
 *
 * Computed as (exclusive prefix product) * (exclusive suffix product), each an inclusive scan by
 * doubling (Hillis and Steele: y_i *= y_{i - s} for s = 1, 2, 4, ...) shifted by one. Only mul,
 * pad and slice are used: no division (which fails at zeros) and no `where` special-casing of
 * zeros (whose derivative is wrong: the selected branch is a constant). The result is the
 * polynomial itself, so its own derivatives (Hessian-vector products of prod) are exact
 * everywhere, zeros included. Cost: 2 log2(n) multiplications of the group's size per group.
 */
import { dispatch, mul, reshape, type Tensor, transpose } from '@webgrad/tensor';

/** y moved by `s` along its last axis, filled with ones: y[i - s] (forward) or y[i + s]. */
function shiftInOnes(y: Tensor, s: number, forward: boolean): Tensor {
  const last = y.ndim - 1;
  const n = y.shape[last] as number;
  const along = (v: number) => y.shape.map((_, i) => (i === last ? v : 0));
  const padded = dispatch('pad', [y], {
    low: along(forward ? s : 0),
    high: along(forward ? 0 : s),
    interior: along(0),
    value: 1,
  });
  const starts = along(forward ? 0 : s);
  const stops = y.shape.map((d, i) => (i === last ? (starts[i] as number) + n : d));
  return dispatch('slice', [padded], { starts, stops, steps: y.shape.map(() => 1) });
}

/** Inclusive product scan along the last axis, from the front (forward) or from the back. */
function scanProd(y: Tensor, forward: boolean): Tensor {
  const n = y.shape[y.ndim - 1] as number;
  let acc = y;
  for (let s = 1; s < n; s *= 2) acc = mul(acc, shiftInOnes(acc, s, forward));
  return acc;
}

/** For each element, the product of the other elements of its group along `axes`; shaped like x. */
export function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...rest, ...axes];
  const moved = transpose(x, perm); // [...kept, ...reduced]
  const n = axes.reduce((k, a) => k * (x.shape[a] as number), 1);
  const flat = reshape(moved, [...rest.map((i) => x.shape[i] as number), n]); // [...kept, n]
  const before = shiftInOnes(scanProd(flat, true), 1, true);
  const after = shiftInOnes(scanProd(flat, false), 1, false);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return transpose(reshape(mul(before, after), moved.shape), inverse);
}
