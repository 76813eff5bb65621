/**
 * Two-pass reductions (few outputs, long reduced range) on integer-valued data, where float32
 * sums are exact, so any lost or repeated element shows; and dependent dispatches that share one
 * compute pass and bind groups reused from a cache still see each other's writes.
 */
import { eye, randint, type Tensor, tensor, tidy, webgpuBackend } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

function backend() {
  const b = webgpuBackend();
  if (!b) throw new Error('no webgpu backend');
  return b;
}

async function ints(shape: number[], low: number, high: number, seed: number): Promise<[Tensor, Tensor]> {
  const cpu = randint(low, high, shape, { seed, dtype: 'int32' }).cast('float32');
  return [cpu, await cpu.to('webgpu')];
}

// Skipped only when setup found no adapter outside CI (it printed why); under CI=true setup throws.
describe.skipIf(!hasWebGPU())('webgpu reductions and the command stream', () => {
  it('a full sum of 2^20 elements runs in two passes and is exact on integers', async () => {
    const [cpu, gpu] = await ints([1 << 20], 0, 16, 1);
    const n = backend().stream.dispatched;
    const s = gpu.sum();
    expect(await s.item()).toBe(await cpu.sum().item());
    expect(backend().stream.dispatched - n).toBe(2);
  });

  it.each([
    ['axis 0 of [5000, 3] (strided reduced range)', [5000, 3], [0]],
    ['axis 1 of [4, 70001] (ragged last partial)', [4, 70001], [1]],
    ['axes 0, 1 of [300, 200, 2]', [300, 200, 2], [0, 1]],
  ] as const)('sum over %s matches the CPU exactly', async (_, shape, axes) => {
    const [cpu, gpu] = await ints([...shape], -8, 8, 2);
    const want = Array.from(await cpu.sum([...axes]).data());
    expect(Array.from(await gpu.sum([...axes]).data())).toEqual(want);
  });

  it('max and prod split the same way (NaN still wins in max)', async () => {
    const [cpu, gpu] = await ints([3, 40000], -1000, 1000, 3);
    expect(Array.from(await gpu.max(1).data())).toEqual(Array.from(await cpu.max(1).data()));
    const values = new Float32Array(100000).fill(1);
    values[123] = 2;
    values[99999] = -2;
    values[50000] = 0.5;
    expect(await tensor(values, { device: 'webgpu' }).prod().item()).toBe(-2);
    values[77777] = Number.NaN;
    expect(await tensor(values, { device: 'webgpu' }).max().item()).toBeNaN();
  });

  it('400 dependent dispatches in shared passes see each previous write', async () => {
    const x = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device: 'webgpu' },
    );
    const id = eye(2, 2, { device: 'webgpu' });
    let v = x;
    const n = backend().stream.dispatched;
    for (let i = 0; i < 200; i++) {
      // matmul (its own dispatch) materialises the previous add (a fused dispatch).
      const next = tidy(() => v.matmul(id).add(1));
      if (v !== x) v.dispose();
      v = next;
    }
    expect(Array.from(await v.data())).toEqual([201, 202, 203, 204]);
    expect(backend().stream.dispatched - n).toBe(400);
    for (const t of [x, id, v]) t.dispose();
  });
});
