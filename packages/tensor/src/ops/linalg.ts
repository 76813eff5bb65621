/** Linear algebra composites. */
import { dispatch } from '../dispatch.js';
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { cast, promote } from './elementwise.js';
import { reshape } from './movement.js';

/**
 * Matrix product with NumPy `matmul` semantics: 1-d operands are promoted to a row (left) or a
 * column (right) vector and the added axis is removed afterwards; batch dims broadcast.
 * @example matmul(randn([8, 3, 4]), randn([4, 5])).shape // [8, 3, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0)
    fail('shape', 'matmul', `operands must be at least 1-d, got ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  let [x, y] = promote('matmul', a, b);
  if (!isFloat(x.dtype)) [x, y] = [cast(x, 'float32'), cast(y, 'float32')];
  const xm = a.ndim === 1 ? reshape(x, [1, a.shape[0] as number]) : x;
  const ym = b.ndim === 1 ? reshape(y, [b.shape[0] as number, 1]) : y;
  const out = dispatch('matmul', [xm, ym], {});
  if (a.ndim > 1 && b.ndim > 1) return out;
  const shape = out.shape.slice(0, -2);
  if (a.ndim > 1) shape.push(out.shape[out.ndim - 2] as number);
  if (b.ndim > 1) shape.push(out.shape[out.ndim - 1] as number);
  return reshape(out, shape);
}
