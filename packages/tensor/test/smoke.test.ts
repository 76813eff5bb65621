import { describe, expect, it } from 'vitest';
import { arange, randn, tensor } from '@webgrad/tensor';

describe('smoke', () => {
  it('adds, reduces and multiplies', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(a.add(1).arraySync()).toEqual([
      [2, 3],
      [4, 5],
    ]);
    expect(a.sum().arraySync()).toBe(10);
    expect(a.sum(0).arraySync()).toEqual([4, 6]);
    expect(a.matmul(tensor([[1], [1]])).arraySync()).toEqual([[3], [7]]);
    expect(a.transpose().contiguous().arraySync()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(arange(6).reshape(2, 3).slice([0, 2], [0, 3, 2]).arraySync()).toEqual([
      [0, 2],
      [3, 5],
    ]);
    expect(a.argmax(1).arraySync()).toEqual([1, 1]);
    const s = randn([3, 5], { seed: 1 }).softmax(1).sum(1).arraySync() as number[];
    for (const v of s) expect(v).toBeCloseTo(1, 6);
  });
});
