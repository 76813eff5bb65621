/**
 * Views with negative strides (slices with a negative step) and negative gather/scatter indices
 * on WebGPU agree with the CPU. Strides travel to the kernels as u32 uniforms: a negative stride
 * is its two's complement, and u32 address arithmetic wraps, so offset + i * stride lands on the
 * right element. These cases cover each kernel family reading such a view.
 */
import { concat, randn, scatterAdd, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

const idx = (v: number[], shape = [v.length], device: 'cpu' | 'webgpu' = 'webgpu') =>
  tensor(Int32Array.from(v), { shape, device });

async function bothWays(make: (x: Tensor) => Tensor, x64: Tensor, tol = 1e-5): Promise<void> {
  const want = make(x64);
  const got = make(await x64.cast('float32').to('webgpu'));
  expect(got.shape).toEqual(want.shape);
  const [a, b] = [await got.data(), await want.data()];
  for (let i = 0; i < b.length; i++) {
    expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i] as number)));
  }
}

const rev3 = (x: Tensor) => x.slice([null, null, -1], [null, null, -2], [null, null, -1]);

describe.skipIf(!hasWebGPU())('webgpu: negative strides and negative indices', () => {
  const x = randn([4, 6, 8], { dtype: 'float64', seed: 5 });
  it.each([
    ['a strided copy', (t: Tensor) => rev3(t).contiguous()],
    ['a fused elementwise chain', (t: Tensor) => rev3(t).exp().mul(rev3(t)).add(1)],
    ['elementwise with a forward operand', (t: Tensor) => rev3(t).add(t.slice(null, [0, 3], null))],
    [
      'a reduction over each axis',
      (t: Tensor) => rev3(t).sum(0).add(rev3(t).sum(1).sum(0, true)).add(rev3(t).max(2).max(0).reshape(3, 1)),
    ],
    ['matmul of reversed operands', (t: Tensor) => rev3(t).matmul(t.slice(null, [null, null, -1]).swapAxes(1, 2))],
    [
      'pad of a reversed view',
      (t: Tensor) =>
        rev3(t).pad([
          [1, 0],
          [0, 2],
          [3, 1],
        ]),
    ],
    ['concat of reversed views', (t: Tensor) => concat([rev3(t), t.slice([2, 0, -1], [5, 2, -1])], 0)],
    [
      'a reshape of a reversed view, sliced backwards again',
      (t: Tensor) => t.slice([null, null, -1]).reshape(4, 48).slice(null, [40, 2, -3]),
    ],
    ['gather from a reversed view', (t: Tensor) => rev3(t).take(idx([-1, 0, 2, -3], [4], t.device), 2)],
  ])('%s', async (_name, make) => bothWays(make, x));

  it('scatterAdd with negative indices into a reversed view', async () => {
    const make = async (device: 'cpu' | 'webgpu') => {
      const base = await tensor([1, 2, 3, 4, 5], { device }).slice([null, null, -1]);
      return scatterAdd(base, idx([-1, 0, -5, 2], [4], device), tensor([10, 20, 30, 40], { device }), 0).data();
    };
    expect(Array.from(await make('webgpu'))).toEqual(Array.from(await make('cpu')));
    expect(Array.from(await make('webgpu'))).toEqual([55, 4, 43, 2, 11]);
  });

  it('reads one element of a reversed view', async () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { device: 'webgpu' }).slice([null, null, -1]);
    expect(await t.slice(1).item()).toBe(5);
    expect(Array.from(await t.data())).toEqual([6, 5, 4, 3, 2, 1]);
  });
});
