/**
 * noGrad suspends the levels open when it is entered (requiresGrad recording and enclosing
 * transforms) and nothing else: transforms called inside it work (torch.func's rule).
 */
import { backward, customVjp, grad, noGrad, valueAndGrad, vjp } from '@webgrad/autograd';
import { type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (data: number[]) => tensor(data, { dtype: 'float64' });
const values = (t: unknown) => Array.from((t as Tensor).dataSync());

describe('transforms inside noGrad', () => {
  it('grad, valueAndGrad and vjp give real gradients', () => {
    const x = f64([1, 2, 3]);
    const cube = (x: Tensor) => x.mul(x).mul(x).sum();
    expect(values(noGrad(() => grad(cube)(x)))).toEqual([3, 12, 27]);
    const [v, g] = noGrad(() => valueAndGrad(cube)(x));
    expect(values(v)).toEqual([36]);
    expect(values(g)).toEqual([3, 12, 27]);
    const [gx] = noGrad(() => {
      const [, pullback] = vjp((x) => x.exp(), x);
      return pullback(f64([1, 0, 2]));
    });
    expect(values(gx)).toEqual([Math.E, 0, 2 * Math.exp(3)]);
  });

  it('second order works inside noGrad', () => {
    const d1 = (x: Tensor) => (grad((x: Tensor) => x.mul(x).mul(x).sum())(x) as Tensor).sum();
    expect(values(noGrad(() => grad(d1)(f64([1, 2]))))).toEqual([6, 12]);
  });

  it('requiresGrad tensors used by a grad inside noGrad record no level-0 graph', () => {
    const w = f64([2]);
    w.requiresGrad = true;
    const g = noGrad(() => grad((x: Tensor) => x.mul(w).sum())(f64([5]))) as Tensor;
    expect(values(g)).toEqual([2]);
    expect(() => backward(g.sum())).toThrow(/requiresGrad/);
  });

  it('a customVjp inside noGrad inside grad uses its backward', () => {
    const twice = customVjp(
      (x) => x.mul(2),
      (g) => [g.mul(7)], // deliberately not the true derivative, to prove it is used
    );
    const g = noGrad(() => grad((x: Tensor) => twice(x).sum())(f64([1, 1])));
    expect(values(g)).toEqual([7, 7]);
  });
});

describe('noGrad inside a transform is respected', () => {
  it('what noGrad computes from the argument is a constant', () => {
    // f(x) = x * c(x) with c = noGrad(x^2): df = c = x^2, not 3x^2
    const g = grad((x: Tensor) => x.mul(noGrad(() => x.mul(x))).sum())(f64([3]));
    expect(values(g)).toEqual([9]);
  });

  it('backward inside noGrad keeps the nodes an enclosing grad still needs', () => {
    const w = f64([3]);
    w.requiresGrad = true;
    // The outer grad differentiates y = x * w; a PyTorch-style backward of the same graph runs
    // inside noGrad (it fills w.grad) and must not release what the outer level will walk.
    const g = grad((x: Tensor) => {
      const y = x.mul(w).sum();
      noGrad(() => backward(y));
      return y;
    })(f64([2]));
    expect(values(g)).toEqual([3]);
    expect(values(w.grad)).toEqual([2]);
  });
});
