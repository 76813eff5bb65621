/**
 * Integer arithmetic on WebGPU against the CPU: int32 prod wraps the same way on both (exact
 * two's complement, also past 2^53).
 */
import { randint, tensor } from '@webgrad/tensor';
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
});
