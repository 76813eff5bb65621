/** The NaN and zero edge points of edge-points.test.ts, on WebGPU (float32): same answers as the CPU. */
import { grad } from '@webgrad/autograd';
import { max, maximum, pow, prod, relu, softplus, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from '../../../tensor/test/webgpu/setup.js';

const gpu = (data: number[]) => tensor(data, { device: 'webgpu' });
const values = async (t: unknown) => Array.from(await (t as Tensor).data());
const d = (f: (x: Tensor) => Tensor, x: number[]) => values(grad((x: Tensor) => f(x).sum())(gpu(x)));

describe.skipIf(!hasWebGPU())('edge points on WebGPU', () => {
  it('relu(NaN) is NaN; gradients of relu, maximum and max go to the NaN', async () => {
    expect(await values(relu(gpu([Number.NaN, -1, 0, 2])))).toEqual([Number.NaN, 0, 0, 2]);
    expect(await d(relu, [Number.NaN, -1, 0, 2])).toEqual([1, 0, 0, 1]);
    expect(await d((x) => maximum(x, gpu([1, Number.NaN])), [Number.NaN, 0])).toEqual([1, 0]);
    expect(await d((x) => max(x), [3, Number.NaN, 5])).toEqual([0, 1, 0]);
  });

  it('pow at 0^0, softplus at 0 (to second order), prod with a zero', async () => {
    expect(await d((a) => pow(a, 0), [0])).toEqual([0]);
    const d2 = grad((x: Tensor) => (grad((x: Tensor) => softplus(x).sum())(x) as Tensor).sum());
    expect(await values(d2(gpu([0])))).toEqual([0.25]);
    expect(await d((x) => prod(x), [2, 0, 3])).toEqual([0, 6, 0]);
  });
});
