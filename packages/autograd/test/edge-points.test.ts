/**
 * Derivative rules at their edge points (0, negatives, NaN, infinities, ties), pinned to the
 * PyTorch/JAX answers in float64. Where the libraries differ, the comment says which we follow.
 */
import { grad } from '@webgrad/autograd';
import { max, maximum, minimum, relu, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (data: number[]) => tensor(data, { dtype: 'float64' });
const values = (t: Tensor) => Array.from(t.dataSync());
/** d/dx sum(f(x)) at the points x. */
const d = (f: (x: Tensor) => Tensor, x: number[]) => values(grad((x: Tensor) => f(x).sum())(f64(x)) as Tensor);

describe('NaN', () => {
  it('relu(NaN) is NaN and its gradient passes g (PyTorch)', () => {
    expect(values(relu(f64([Number.NaN, -1, 0, 2])))).toEqual([Number.NaN, 0, 0, 2]);
    expect(d(relu, [Number.NaN, -1, 0, 2])).toEqual([1, 0, 0, 1]);
  });

  it('relu of infinities', () => {
    expect(values(relu(f64([-Infinity, Infinity])))).toEqual([0, Infinity]);
    expect(d(relu, [-Infinity, Infinity])).toEqual([0, 1]);
  });

  it('maximum/minimum send the gradient to the NaN operand; both NaN split it', () => {
    const y = f64([1, Number.NaN, Number.NaN]);
    expect(d((x) => maximum(x, y), [Number.NaN, 0, Number.NaN])).toEqual([1, 0, 0.5]);
    expect(d((x) => minimum(x, y), [Number.NaN, 0, Number.NaN])).toEqual([1, 0, 0.5]);
    const gy = grad((y: Tensor) => maximum(f64([Number.NaN, 0, Number.NaN]), y).sum())(y) as Tensor;
    expect(values(gy)).toEqual([0, 1, 0.5]);
  });

  it('max reductions send the gradient to the NaNs of a group', () => {
    expect(d((x) => max(x), [3, Number.NaN, 5])).toEqual([0, 1, 0]);
    expect(d((x) => max(x), [Number.NaN, 1, Number.NaN])).toEqual([0.5, 0, 0.5]);
    expect(d((x) => max(x.reshape([2, 2]), 1), [1, Number.NaN, 4, 2])).toEqual([0, 1, 1, 0]);
  });
});
