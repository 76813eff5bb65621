/** Random draws on WebGPU: seeded draws equal the CPU's bit for bit; manualSeed resets both alike. */
import { manualSeed, rand, randint, randn, sort, topk } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { hasWebGPU } from './setup.js';

describe.skipIf(!hasWebGPU())('random draws on webgpu', () => {
  it('seeded rand, randn and randint equal the CPU draws exactly', async () => {
    const draws = [
      (device: 'cpu' | 'webgpu') => rand([5, 7], { seed: 3, device }),
      (device: 'cpu' | 'webgpu') => randn([33], { seed: 4, device, mean: 1, std: 2 }),
      (device: 'cpu' | 'webgpu') => randint(-5, 9, 40, { seed: 5, device }),
    ];
    for (const d of draws) expect(await d('webgpu').data()).toEqual(await d('cpu').data());
  });
  it('after manualSeed(n), unseeded draws match across devices', async () => {
    manualSeed(11);
    const cpu = await randn([16]).data();
    manualSeed(11);
    expect(await randn([16], { device: 'webgpu' }).data()).toEqual(cpu);
  });
  it('sort and topk of a long lane agree with the CPU', async () => {
    const x = randn([3, 300], { seed: 6 });
    const g = await x.to('webgpu');
    expect(await sort(g, -1, { descending: true }).data()).toEqual(await sort(x, -1, { descending: true }).data());
    const [a, b] = [topk(g, 7, 1), topk(x, 7, 1)];
    expect(await a.indices.data()).toEqual(await b.indices.data());
    expect(await a.values.data()).toEqual(await b.values.data());
  });
});
