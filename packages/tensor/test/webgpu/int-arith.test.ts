/**
 * Integer arithmetic on WebGPU against the CPU: int32 prod wraps the same way on both (exact
 * two's complement, also past 2^53); floorDiv/remainder (Python's // and %) agree, fused or
 * not; and where the CPU raises, the documented WebGPU values: int32 x // 0 = x % 0 = 0, and
 * an int32 base to a negative tensor exponent gives 1, (-1)^y or 0.
 */
import { floorDiv, randint, randn, remainder, type Tensor, tensor, where } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

describe.skipIf(!hasWebGPU())('webgpu integer arithmetic', () => {
  it('int32 prod agrees with the CPU past 2^53', async () => {
    const values = [123456789, 987654321, 31337, -2147483647, 65537, 3];
    const cpu = tensor(Int32Array.from(values)).prod();
    const gpu = tensor(Int32Array.from(values), { device: 'webgpu' }).prod();
    expect(await gpu.item()).toBe(await cpu.item());
    const x = randint(-50000, 50000, [64, 33], { seed: 3 });
    const gx = await x.to('webgpu');
    for (const axis of [0, 1]) {
      expect(Array.from(await gx.prod(axis).data())).toEqual(Array.from(x.prod(axis).dataSync()));
    }
  });

  it('floorDiv and remainder on int32 agree with the CPU exactly, fused or not', async () => {
    const a = randint(-100000, 100000, [513], { seed: 7 });
    const b = randint(-9, 9, [513], { seed: 8 });
    const safe = where(b.eq(0), 5, b);
    const [ga, gb] = [await a.to('webgpu'), await safe.to('webgpu')];
    const f = (x: Tensor, y: Tensor) => floorDiv(x, y).mul(y).add(remainder(x, y)); // == x
    expect(Array.from(await floorDiv(ga, gb).data())).toEqual(Array.from(floorDiv(a, safe).dataSync()));
    expect(Array.from(await remainder(ga, gb).data())).toEqual(Array.from(remainder(a, safe).dataSync()));
    expect(Array.from(await f(ga, gb).data())).toEqual(Array.from(a.dataSync()));
    const edge = tensor(Int32Array.from([-2147483648, -2147483648, 2147483647, -7]), { device: 'webgpu' });
    const by = tensor(Int32Array.from([-1, 7, -2, 2]), { device: 'webgpu' });
    expect(Array.from(await floorDiv(edge, by).data())).toEqual([-2147483648, -306783379, -1073741824, -4]);
    expect(Array.from(await remainder(edge, by).data())).toEqual([0, 5, -1, 1]);
  });

  it('floorDiv and remainder on float32 agree with the CPU (away from the jumps)', async () => {
    const b = randn([300], { seed: 9 })
      .abs()
      .add(0.5)
      .mul(where(randn([300], { seed: 10 }).gt(0), 1, -1));
    const q = randint(-3, 4, [300], { seed: 11 }).cast('float32');
    const frac = randn([300], { seed: 12 }).sigmoid().mul(0.8).add(0.1);
    const a = q.add(frac).mul(b);
    const [ga, gb] = [await a.to('webgpu'), await b.to('webgpu')];
    expect(Array.from(await floorDiv(ga, gb).data())).toEqual(Array.from(floorDiv(a, b).dataSync()));
    const [rg, rc] = [await remainder(ga, gb).data(), remainder(a, b).dataSync()];
    for (let i = 0; i < rc.length; i++) expect(Math.abs((rg[i] as number) - (rc[i] as number))).toBeLessThan(1e-5);
  });

  it('documented: int32 x // 0 and x % 0 are 0 on WebGPU (the CPU raises)', async () => {
    const x = tensor(Int32Array.from([7, -7, 0]), { device: 'webgpu' });
    const zero = tensor(Int32Array.from([0, 0, 0]), { device: 'webgpu' });
    expect(Array.from(await floorDiv(x, zero).data())).toEqual([0, 0, 0]);
    expect(Array.from(await remainder(x, zero).data())).toEqual([0, 0, 0]);
    expect(() => floorDiv(x.cast('float32'), 0)).not.toThrow();
  });

  it('documented: an int32 base to a negative tensor exponent gives 1, (-1)^y or 0 (the CPU raises)', async () => {
    const base = tensor(Int32Array.from([1, -1, -1, 2, -5]), { device: 'webgpu' });
    const exp = tensor(Int32Array.from([-3, -3, -2, -1, -2]), { device: 'webgpu' });
    expect(Array.from(await base.pow(exp).data())).toEqual([1, -1, 1, 0, 0]);
    expect(() => base.pow(-1)).toThrow(/pow: integers to negative integer powers are not allowed/);
  });
});
