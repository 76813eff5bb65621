/**
 * Derivative rules at their edge points (0, negatives, NaN, infinities, ties), pinned to the
 * PyTorch/JAX answers in float64. Where the libraries differ, the comment says which we follow.
 */
import { grad } from '@webgrad/autograd';
import { max, maximum, minimum, pow, prod, relu, softplus, type Tensor, tensor } from '@webgrad/tensor';
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

describe('pow', () => {
  const zero = () => f64([0]);
  it('d(a^b)/da at 0^0 (and NaN^0) is 0, as in PyTorch and tinygrad', () => {
    expect(d((a) => pow(a, zero()), [0, Number.NaN, 2, -3])).toEqual([0, 0, 0, -0]); // 0 * (-3)^-1 = -0
    expect(d((a) => pow(a, 0), [0])).toEqual([0]);
  });

  it('d(a^b)/da keeps its IEEE values elsewhere at a = 0', () => {
    expect(d((a) => pow(a, 1), [0])).toEqual([1]);
    expect(d((a) => pow(a, 2), [0])).toEqual([0]);
    expect(d((a) => pow(a, 0.5), [0])).toEqual([Infinity]);
  });

  it('d(a^b)/db is NaN for a < 0 (JAX, PyTorch) and 0 at a = 0 (JAX)', () => {
    const base = f64([-2, 0, 0, 0, 2]);
    const g = d((e) => pow(base, e), [2, 2, 0, -1, 3]);
    expect(g[0]).toBeNaN();
    expect(g.slice(1, 4)).toEqual([0, 0, 0]);
    expect(g[4]).toBeCloseTo(8 * Math.log(2), 12);
  });

  it('the mixed second derivative at b = 0 is 1/a (not lost to a mask)', () => {
    // d/da [d(a^b)/db] = a^(b-1) (1 + b log a) = 1/a at b = 0
    const dda = grad((a: Tensor) => (grad((b: Tensor) => pow(a, b).sum())(f64([0])) as Tensor).sum());
    expect(values(dda(f64([2])) as Tensor)[0]).toBeCloseTo(0.5, 12);
    const ddb = grad((b: Tensor) => (grad((a: Tensor) => pow(a, b).sum())(f64([2])) as Tensor).sum());
    expect(values(ddb(f64([0])) as Tensor)[0]).toBeCloseTo(0.5, 12);
  });
});

/** d^2/dx^2 sum(f(x)) contracted with ones: the Hessian-vector product H 1. */
const hvp = (f: (x: Tensor) => Tensor, x: number[]) =>
  values(grad((x: Tensor) => (grad((x: Tensor) => f(x).sum())(x) as Tensor).sum())(f64(x)) as Tensor);

describe('second order at exact zeros', () => {
  it('softplus has Hessian 1/4 at 0 and the right first derivative', () => {
    expect(hvp(softplus, [0])).toEqual([0.25]);
    expect(d(softplus, [0])).toEqual([0.5]);
    expect(values(softplus(f64([0, -Infinity, Infinity, 800, -800])))).toEqual([Math.LN2, 0, Infinity, 800, 0]);
    expect(d(softplus, [800, -800, Number.NaN])).toEqual([1, 0, Number.NaN]);
  });

  it('prod: Hessian-vector products over groups holding zeros', () => {
    // H_ij = prod of the entries other than i and j (0 on the diagonal)
    expect(hvp((x) => prod(x), [2, 0, 3])).toEqual([3, 5, 2]);
    expect(hvp((x) => prod(x), [0, 0, 3])).toEqual([3, 3, 0]);
    expect(hvp((x) => prod(x), [0, 0, 0])).toEqual([0, 0, 0]);
    expect(hvp((x) => prod(x), [2, 4, 3])).toEqual([7, 5, 6]);
    // along an axis of a 2-d tensor, one row with a zero
    expect(hvp((x) => prod(x.reshape([2, 3]), 1), [2, 0, 3, 1, 1, 1])).toEqual([3, 5, 2, 2, 2, 2]);
  });

  it('prod gradients: zeros, one element, empty groups, 0-d', () => {
    expect(d((x) => prod(x), [2, 0, 3])).toEqual([0, 6, 0]);
    expect(d((x) => prod(x), [0, 0, 3])).toEqual([0, 0, 0]);
    expect(d((x) => prod(x), [5])).toEqual([1]);
    expect(d((x) => prod(x.reshape([2, 0]), 1), [])).toEqual([]);
    const g0 = grad((x: Tensor) => prod(x))(tensor(3, { dtype: 'float64' })) as Tensor;
    expect(g0.shape).toEqual([]);
    expect(values(g0)).toEqual([1]);
  });
});
