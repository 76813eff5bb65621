/**
 * Sorting: argsort is a primitive (int32 positions); sort and topk gather the values at those
 * positions, so their derivative is gather's (the cotangent scatters back to where each value
 * came from). Stable; ascending puts NaN last (NumPy), descending and topk put NaN first (NaN
 * is the largest value, as in PyTorch).
 */
import { dispatch } from '../dispatch.js';
import { fail, fmtShape } from '../errors.js';
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { gather, reshape, slice } from './movement.js';

/** Options of `sort` and `argsort`. */
export interface SortOptions {
  /** Largest first (default false). */
  descending?: boolean;
}

/**
 * The int32 positions that sort `x` along `axis` (default the last), stably.
 * @example argsort(tensor([3, 1, 2])) // [1, 2, 0]
 */
export function argsort(x: Tensor, axis = -1, { descending = false }: SortOptions = {}): Tensor {
  if (x.ndim === 0) return reshape(argsort(reshape(x, [1]), 0, { descending }), []);
  const ax = normalizeAxis('argsort', axis, x.ndim);
  return dispatch('argsort', [x], { axis: ax, descending });
}

/**
 * `x` sorted along `axis` (NumPy/JAX `sort`: the values; `argsort` gives the positions).
 * Differentiable: the gradient goes back to each value's original position.
 * @example sort(tensor([3, 1, NaN, 2])) // [1, 2, 3, NaN]
 */
export function sort(x: Tensor, axis = -1, options: SortOptions = {}): Tensor {
  if (x.ndim === 0) return x;
  const ax = normalizeAxis('sort', axis, x.ndim);
  return gather(x, argsort(x, ax, options), ax);
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
}

/**
 * The `k` largest (or smallest) values along `axis` and their int32 positions, in sorted order
 * (torch.topk). Ties keep the lower position first. `values` is differentiable.
 * @example const { values, indices } = topk(tensor([1, 5, 3]), 2); // [5, 3], [1, 2]
 */
export function topk(
  x: Tensor,
  k: number,
  axis = -1,
  { largest = true }: TopkOptions = {},
): { values: Tensor; indices: Tensor } {
  if (x.ndim === 0) fail('shape', 'topk', 'needs a tensor of rank >= 1');
  const ax = normalizeAxis('topk', axis, x.ndim);
  const n = x.shape[ax] as number;
  if (!Number.isInteger(k) || k < 0 || k > n)
    fail('value', 'topk', `k = ${k} is out of range for axis ${ax} of ${fmtShape(x.shape)} (0 <= k <= ${n})`);
  const order = argsort(x, ax, { descending: largest });
  const indices = slice(
    order,
    x.shape.map((_, i) => (i === ax ? [0, k] : null)),
  );
  return { values: gather(x, indices, ax), indices };
}
