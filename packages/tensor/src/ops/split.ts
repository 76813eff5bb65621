/** Splitting a tensor into views along an axis (PyTorch's split and chunk), and flip. */
import { fail, fmtShape } from '../errors.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import type { Axis, Tensor } from '../tensor.js';
import { slice } from './movement.js';

/** Views of `x` along `ax` from each [start, stop) in `bounds`. */
function pieces(x: Tensor, ax: number, bounds: [number, number][]): Tensor[] {
  return bounds.map(([a, b]) =>
    slice(
      x,
      x.shape.map((_, i) => (i === ax ? [a, b] : null)),
    ),
  );
}

/**
 * torch.split: `sizeOrSections` a number gives pieces of that size along `axis` (the last one
 * smaller when it does not divide); an array gives pieces of those sizes, which must add up to
 * the axis length. The pieces are views.
 * @example split(arange(5), 2).map((t) => t.shape) // [[2], [2], [1]]
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
  const ax = normalizeAxis('split', axis, x.ndim);
  const n = x.shape[ax] as number;
  const bounds: [number, number][] = [];
  if (typeof sizeOrSections === 'number') {
    const s = sizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n > 0))
      fail('value', 'split', `split size must be a positive integer, got ${s} (axis ${ax} of ${fmtShape(x.shape)})`);
    if (n === 0) return [x];
    for (let a = 0; a < n; a += s) bounds.push([a, Math.min(n, a + s)]);
    return pieces(x, ax, bounds);
  }
  const total = sizeOrSections.reduce((a, b) => a + b, 0);
  if (sizeOrSections.some((s) => !Number.isInteger(s) || s < 0) || total !== n)
    fail(
      'value',
      'split',
      `sizes [${sizeOrSections.join(', ')}] must be non-negative integers adding up to ${n} (axis ${ax} of ${fmtShape(x.shape)})`,
    );
  let a = 0;
  for (const s of sizeOrSections) {
    bounds.push([a, a + s]);
    a += s;
  }
  return pieces(x, ax, bounds);
}

/**
 * torch.chunk: at most `chunks` views of ⌈n / chunks⌉ elements along `axis` (fewer when n does
 * not fill them: 6 elements in 4 chunks gives 3 chunks of 2). An empty axis gives `chunks`
 * empty views.
 * @example chunk(arange(5), 3).map((t) => t.shape) // [[2], [2], [1]]
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1)
    fail('value', 'chunk', `chunks must be a positive integer, got ${chunks}`);
  const ax = normalizeAxis('chunk', axis, x.ndim);
  const n = x.shape[ax] as number;
  if (n === 0)
    return pieces(
      x,
      ax,
      Array.from({ length: chunks }, () => [0, 0]),
    );
  return split(x, Math.ceil(n / chunks), ax);
}

/**
 * Reverses the order of elements along `axis` (undefined: every axis), as a view with negative
 * strides (NumPy flip; torch.flip copies instead).
 * @example flip(tensor([[1, 2], [3, 4]]), 1) // [[2, 1], [4, 3]]
 */
export function flip(x: Tensor, axis?: Axis): Tensor {
  const axes = normalizeAxes('flip', axis, x.ndim);
  if (axes.length === 0) return x;
  return slice(
    x,
    x.shape.map((_, i) => (axes.includes(i) ? [null, null, -1] : null)),
  );
}
