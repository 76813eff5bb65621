/** Helpers for the vmap tests: examples of a batch, closeness, a small MLP loss. */
import { randn, type Tensor } from '@webgrad/tensor';
import { expect } from 'vitest';

/** The examples of `x` along `axis`, each without that axis. */
export function examples(x: Tensor, axis = 0): Tensor[] {
  return Array.from({ length: x.shape[axis] as number }, (_, i) => {
    const ranges = x.shape.map((_, k) => (k === axis ? i : null));
    return x.slice(...ranges).squeeze(axis);
  });
}

export function expectClose(a: Tensor, b: Tensor, tol = 1e-9): void {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  x.forEach((v, i) => {
    expect(Math.abs(v - (y[i] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i] as number)));
  });
}

export const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });

/** A small MLP loss: params {w1, b1, w2}, one example x [3] with target y []. */
export type Params = { w1: Tensor; b1: Tensor; w2: Tensor };
export const mlpLoss = (p: Params, x: Tensor, y: Tensor) =>
  x.matmul(p.w1).add(p.b1).tanh().matmul(p.w2).sub(y).square().sum();
export const params = (): Params => ({ w1: f64([3, 4], 1), b1: f64([4], 2), w2: f64([4], 3) });
