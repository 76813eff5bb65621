/**
 * The global generator behind unseeded draws: a fresh random state per process (each module
 * evaluation stands for a process here), reset by manualSeed; seeded draws stay fixed.
 */
import { manualSeed, rand, randint, randn, TensorError } from '@webgrad/tensor';
import { describe, expect, it, vi } from 'vitest';

async function freshGenerator(): Promise<typeof import('../src/random.js')> {
  vi.resetModules();
  return import('../src/random.js');
}

describe('global random state', () => {
  it('starts from a different state in each fresh module instance (each process)', async () => {
    const a = await freshGenerator();
    const b = await freshGenerator();
    const draws = (m: typeof a) => [m.nextSeed(), m.nextSeed(), m.nextSeed()];
    expect(draws(a)).not.toEqual(draws(b));
  });

  it('manualSeed resets the sequence of unseeded draws', async () => {
    manualSeed(123);
    const a = [await randn([5]).data(), await rand([3]).data(), await randint(0, 100, [4]).data()];
    manualSeed(123);
    const b = [await randn([5]).data(), await rand([3]).data(), await randint(0, 100, [4]).data()];
    expect(b).toEqual(a);
    manualSeed(124);
    expect(await randn([5]).data()).not.toEqual(a[0]);
  });

  it('manualSeed resets a fresh module instance to the same sequence', async () => {
    const a = await freshGenerator();
    const b = await freshGenerator();
    a.manualSeed(7);
    b.manualSeed(7);
    expect([a.nextSeed(), a.nextSeed()]).toEqual([b.nextSeed(), b.nextSeed()]);
  });

  it('keeps seeded draws fixed, independent of the global state', async () => {
    manualSeed(1);
    const a = await randn([4], { seed: 42 }).data();
    manualSeed(2);
    randn([10]);
    const b = await randn([4], { seed: 42 }).data();
    expect(b).toEqual(a);
  });

  it('rejects a non-finite seed', () => {
    expect(() => manualSeed(Number.NaN)).toThrowError(TensorError);
    expect(() => manualSeed(Number.NaN)).toThrowError(/manualSeed: seed must be a finite number/);
  });
});
