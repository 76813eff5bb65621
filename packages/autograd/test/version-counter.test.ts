/**
 * assign() between the forward and the backward: a rule that reads the reassigned tensor raises
 * (PyTorch's version counter) instead of differentiating at the new values.
 */
import { backward, customVjp, grad, vjp } from '@webgrad/autograd';
import { type Tensor, TensorError, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (data: number[]) => tensor(data, { dtype: 'float64' });
const MODIFIED = /a tensor needed for gradient computation has been modified by an in-place operation/;

describe('version counter', () => {
  it('assign bumps version (assigning a tensor to itself changes nothing)', () => {
    const w = f64([1, 2]);
    expect(w.version).toBe(0);
    w.assign(f64([3, 4]));
    expect(w.version).toBe(1);
    w.assign(w);
    expect(w.version).toBe(1);
  });

  it('backward raises when a saved input was assigned after the forward', () => {
    const w = f64([1, 2, 3]);
    w.requiresGrad = true;
    const x = f64([4, 5, 6]);
    const loss = w.mul(x).sum();
    x.assign(f64([0, 0, 0]));
    let err: unknown;
    try {
      backward(loss);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TensorError);
    expect((err as TensorError).kind).toBe('value');
    expect((err as Error).message).toMatch(MODIFIED);
    expect((err as Error).message).toMatch(
      /\[3\] float64 tensor saved as input #1 of mul is at version 1, but mul saved it at version 0/,
    );
    expect((err as Error).message).toMatch(/assign\(\) only after backward/);
  });

  it('raises when a saved output was assigned (exp reads its output)', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    const y = w.exp();
    const loss = y.sum();
    y.assign(f64([0, 0]));
    expect(() => backward(loss)).toThrow(/saved as the output of exp is at version 1/);
  });

  it('assigning the parameter itself (an optimizer step before backward) raises', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    const loss = w.mul(w).sum();
    w.assign(f64([5, 5]));
    expect(() => backward(loss)).toThrow(MODIFIED);
  });

  it('tensors that no rule reads may be reassigned (add saves nothing)', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    const b = f64([3, 4]);
    const loss = w.add(b).sum();
    b.assign(f64([0, 0]));
    backward(loss);
    expect(Array.from((w.grad as Tensor).dataSync())).toEqual([1, 1]);
  });

  it('after backward, assign is fine (the optimizer pattern)', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    backward(w.mul(w).sum());
    w.assign(w.sub((w.grad as Tensor).mul(0.1)));
    backward(w.mul(w).sum());
    expect(Array.from((w.grad as Tensor).dataSync())).toEqual([2 + 1.6, 4 + 3.2]);
  });

  it('a vjp pullback raises once a saved primal was reassigned', () => {
    const c = f64([2, 3]);
    const [, pullback] = vjp((x) => x.mul(c), f64([1, 1]));
    expect(Array.from((pullback(f64([1, 1]))[0] as Tensor).dataSync())).toEqual([2, 3]);
    c.assign(f64([7, 7]));
    expect(() => pullback(f64([1, 1]))).toThrow(MODIFIED);
  });

  it('grad raises when f reassigns a tensor it used', () => {
    const c = f64([2, 3]);
    const f = (x: Tensor) => {
      const y = x.mul(c).sum();
      c.assign(f64([0, 0]));
      return y;
    };
    expect(() => grad(f)(f64([1, 1]))).toThrow(MODIFIED);
  });

  it('a customVjp backward that reads a reassigned input raises', () => {
    const sq = customVjp(
      (x) => x.mul(x),
      (g, _out, x) => [g.mul(x).mul(2)],
    );
    const w = f64([3]);
    w.requiresGrad = true;
    const loss = sq(w).sum();
    w.assign(f64([1]));
    expect(() => backward(loss)).toThrow(/saved as input #0 of a customVjp function is at version 1/);
  });
});
