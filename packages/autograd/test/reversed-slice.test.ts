/**
 * Gradients through slices with a negative step (views with negative strides): the cotangent is
 * reversed and scattered back to the picked elements (slice's VJP), checked against central
 * differences to first and second order, and against the gradient of the same elements picked
 * with a positive step.
 */
import { grad, gradcheck, gradgradcheck } from '@webgrad/autograd';
import { randn, type Tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (shape: number[], seed: number) => randn(shape, { dtype: 'float64', seed });

describe('gradients through reversed slices', () => {
  it.each([
    ['reverse every axis', (x: Tensor) => x.slice([null, null, -1], [null, null, -1])],
    ['step -2 from the end', (x: Tensor) => x.slice(null, [null, null, -2])],
    ['step -3 inside a window', (x: Tensor) => x.slice([3, 0, -2], [5, 0, -3])],
    ['forward then backward', (x: Tensor) => x.slice([1, null, 2], [null, 1, -1])],
  ])('%s passes gradcheck and gradgradcheck', async (_name, pick) => {
    const x = f64([5, 6], 1);
    const w = f64(pick(x).shape as number[], 2);
    const f = (a: Tensor) => pick(a).mul(w).sin().sum();
    const r1 = await gradcheck(f, [x]);
    expect(r1.ok, r1.message).toBe(true);
    const r2 = await gradgradcheck(f, [x]);
    expect(r2.ok, r2.message).toBe(true);
  });

  it('the gradient lands on the picked elements, in their order', () => {
    const x = f64([7], 3);
    const w = f64([3], 4);
    // x[6:0:-2] picks 6, 4, 2: the same elements as x[2:7:2] reversed.
    const gBack = grad((a: Tensor) => a.slice([6, 0, -2]).mul(w).sum())(x) as Tensor;
    const wRev = w.slice([null, null, -1]);
    const gFwd = grad((a: Tensor) => a.slice([2, 7, 2]).mul(wRev).sum())(x) as Tensor;
    expect(Array.from(gBack.dataSync())).toEqual(Array.from(gFwd.dataSync()));
    const wv = Array.from(w.dataSync());
    expect(Array.from(gBack.dataSync())).toEqual([0, 0, wv[2], 0, wv[1], 0, wv[0]]);
  });
});
