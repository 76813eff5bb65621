/**
 * A WebGPU tensor as text: String(t) says how to see the values instead of showing any (they are
 * not on the host), `await t.print()` logs the view's values (a transposed slice here, never its
 * base buffer; corners only past 1000 elements), and the synchronous readers raise a device error.
 */
import { arange, memory, tensor } from '@webgrad/tensor';
import { describe, expect, it, vi } from 'vitest';
import { hasWebGPU } from './setup.js';

const dev = { device: 'webgpu' as const };

describe.skipIf(!hasWebGPU())('webgpu tensors as text', () => {
  it('String(t) points at print(); print() shows the view', async () => {
    const base = arange(12, undefined, undefined, dev).reshape(3, 4);
    const view = base.slice([0, 3], [1, 3]).transpose(); // [[1, 5, 9], [2, 6, 10]]
    expect(String(view)).toBe(
      'Tensor(shape=[2, 3], dtype=int32, device=webgpu; values not read: await t.print() or await t.array())',
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await view.print();
      expect(log).toHaveBeenLastCalledWith(
        'Tensor([[ 1,  5,  9],\n        [ 2,  6, 10]], shape=[2, 3], dtype=int32, device=webgpu)',
      );
      const big = arange(3000, undefined, undefined, dev).cast('float32').mul(0.5);
      const live = memory().webgpu?.tensors;
      await big.print();
      expect(memory().webgpu?.tensors).toBe(live);
      expect(log).toHaveBeenLastCalledWith(
        'Tensor([   0.0000,    0.5000,    1.0000, ..., 1498.5000, 1499.0000,\n        1499.5000], shape=[3000], dtype=float32, device=webgpu)',
      );
    } finally {
      log.mockRestore();
    }
    expect(() => tensor([1], dev).itemSync()).toThrow(
      /itemSync: .* on webgpu cannot be read synchronously.*await t\.item\(\)/,
    );
  });
});
