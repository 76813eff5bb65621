/** The documented subgradient choices at kinks, pinned (the op-spec generators avoid kinks). */
import { grad } from '@webgrad/autograd';
import { abs, max, maximum, minimum, pow, prod, relu, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (data: number[]) => tensor(data, { dtype: 'float64' });
const d = (f: (x: Tensor) => Tensor, x: number[]) =>
  Array.from((grad((x: Tensor) => f(x).sum())(f64(x)) as Tensor).dataSync());

describe('subgradients at kinks', () => {
  it('relu at 0 has gradient 0', () => {
    expect(d(relu, [-1, 0, 2])).toEqual([0, 0, 1]);
  });

  it('abs at 0 has gradient 0', () => {
    expect(d(abs, [-2, 0, 3])).toEqual([-1, 0, 1]);
  });

  it('maximum and minimum split ties equally', () => {
    const y = f64([1, 1, 1]);
    expect(d((x) => maximum(x, y), [0, 1, 2])).toEqual([0, 0.5, 1]);
    expect(d((x) => minimum(x, y), [0, 1, 2])).toEqual([1, 0.5, 0]);
  });

  it('max reductions share the gradient equally among tied maxima', () => {
    expect(d((x) => max(x), [3, 1, 3, 3])).toEqual([1 / 3, 0, 1 / 3, 1 / 3]);
  });

  it('prod: one zero gets the product of the others, two zeros give 0', () => {
    expect(d((x) => prod(x), [2, 0, 3])).toEqual([0, 6, 0]);
    expect(d((x) => prod(x), [2, 0, 0])).toEqual([0, 0, 0]);
    expect(d((x) => prod(x), [2, 4, 3])).toEqual([12, 6, 8]);
  });

  it("pow's exponent gradient is NaN where the base is < 0 (JAX, PyTorch) and 0 where it is 0", () => {
    const base = f64([-2, 0, 2]);
    expect(d((e) => pow(base, e), [2, 2, 2])).toEqual([Number.NaN, 0, 4 * Math.log(2)]);
  });
});
