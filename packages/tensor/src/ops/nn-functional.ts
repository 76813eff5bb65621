/** Functions neural-network code reaches for, as composites. */
import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { exp, mul, reciprocal, sub } from './elementwise.js';
import { detach } from './movement.js';
import { logsumexp, max, sum } from './reductions.js';

/** e^x / Σ e^x along `axis`, shifted by the (constant) row max so that nothing overflows. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const ax = normalizeAxis('softmax', axis, x.ndim);
  // Nothing to normalise: the (empty) result, as in PyTorch, rather than max's empty-axis error.
  if (x.shape[ax] === 0) return exp(sub(x, x));
  const e = exp(sub(x, detach(max(x, ax, true))));
  // e * (1 / Σe), not e / Σe: the reciprocal is one value per lane, and the backward pass of a
  // product is two full-size ops where a quotient's is four (d(a/b)/db = -(a/b)/b).
  return mul(e, reciprocal(sum(e, ax, true)));
}

/** x - logsumexp(x) along `axis`: stable where log(softmax(x)) would underflow to -Infinity. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normalizeAxis('logSoftmax', axis, x.ndim);
  return sub(x, logsumexp(x, ax, true));
}
