/** `.grad` owns its memory: accumulation frees the old values, dispose() frees `.grad` (memory()). */
import { backward } from '@webgrad/autograd';
import { memory, type Tensor, tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const live = () => memory().cpu?.tensors ?? 0;
const bytes = () => memory().cpu?.bytes ?? 0;
const f64 = (data: number[]) => tensor(data, { dtype: 'float64' });

describe('.grad memory', () => {
  it('accumulating into .grad frees the old gradient and keeps .grad the same tensor', () => {
    const w = f64([1, 2, 3]);
    w.requiresGrad = true;
    tidy(() => backward(w.mul(w).sum()));
    const g = w.grad as Tensor;
    const [t0, b0] = [live(), bytes()];
    for (let i = 0; i < 5; i++) tidy(() => backward(w.mul(w).sum()));
    expect(live()).toBe(t0);
    expect(bytes()).toBe(b0);
    expect(w.grad).toBe(g); // in place, as in PyTorch: references to .grad stay valid
    expect(Array.from(g.dataSync())).toEqual([12, 24, 36]);
  });

  it('one cotangent reaching two .grads (d(a + b)) gives each its own tensor', () => {
    const a = f64([1]);
    const b = f64([2]);
    a.requiresGrad = true;
    b.requiresGrad = true;
    backward(a.add(b).sum());
    expect(a.grad).not.toBe(b.grad);
    backward(a.mul(3).sum());
    expect(Array.from((a.grad as Tensor).dataSync())).toEqual([4]);
    expect(Array.from((b.grad as Tensor).dataSync())).toEqual([1]);
    a.dispose();
    expect(b.grad?.isDisposed).toBe(false);
  });

  it('the caller seed is never taken as .grad', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    const seed = f64([1, 1]);
    backward(w, seed);
    backward(w, seed);
    expect(Array.from(seed.dataSync())).toEqual([1, 1]);
    w.dispose();
    expect(seed.isDisposed).toBe(false);
  });

  it('dispose() disposes .grad too', () => {
    const before = live();
    const w = f64([1, 2, 3]);
    w.requiresGrad = true;
    tidy(() => backward(w.exp().sum()));
    const g = w.grad as Tensor;
    expect(live()).toBe(before + 2);
    w.dispose();
    expect(g.isDisposed).toBe(true);
    expect(w.grad).toBeUndefined();
    expect(live()).toBe(before);
  });

  it('a .grad returned from tidy outlives its tensor', () => {
    const before = live();
    const g = tidy(() => {
      const w = f64([1, 2]);
      w.requiresGrad = true;
      backward(w.mul(w).sum());
      return w.grad as Tensor;
    });
    expect(g.isDisposed).toBe(false);
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
    expect(live()).toBe(before + 1);
  });
});
