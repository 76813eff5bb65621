/**
 * The VJP of prod: d prod(x)/dx_i = prod_{j != i} x_j, the product of the group's other elements.
 *
 * Computed as (exclusive prefix product) * (exclusive suffix product), each the tensor package's
 * `cumprod` (a Hillis-Steele scan of mul, pad and slice) of the lane shifted by one. No division
 * (which fails at zeros) and no `where` special-casing of zeros (whose derivative is wrong: the
 * selected branch is a constant). The result is the polynomial itself, so its own derivatives
 * (Hessian-vector products of prod) are exact everywhere, zeros included. Cost: 2 log2(n)
 * multiplications of the group's size per group.
 */
import { cumprod, flip, mul, pad, reshape, slice, type Tensor, transpose } from '@webgrad/tensor';

/** out[..., i] = prod_{j < i} y[..., j] along the last axis (1 at i = 0). */
function exclusiveCumprod(y: Tensor): Tensor {
  const last = y.ndim - 1;
  const n = y.shape[last] as number;
  if (n === 0) return y; // an empty lane has no products to take
  const head = slice(
    y,
    y.shape.map((_, i) => (i === last ? [0, n - 1] : null)),
  );
  const shifted = pad(
    head,
    y.shape.map((_, i) => (i === last ? [1, 0] : [0, 0])),
    1,
  ); // [1, y_0, ..., y_{n-2}]
  return cumprod(shifted, last);
}

/** For each element, the product of the other elements of its group along `axes`; shaped like x. */
export function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...rest, ...axes];
  const moved = transpose(x, perm); // [...kept, ...reduced]
  const n = axes.reduce((k, a) => k * (x.shape[a] as number), 1);
  const flat = reshape(moved, [...rest.map((i) => x.shape[i] as number), n]); // [...kept, n]
  const last = flat.ndim - 1;
  const before = exclusiveCumprod(flat); // prod_{j < i}
  const after = flip(exclusiveCumprod(flip(flat, last)), last); // prod_{j > i}
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return transpose(reshape(mul(before, after), moved.shape), inverse);
}
