/** Sequential, Module.numParameters and the seeded batching helper. */
import { Batches, batchIndices, GPT, Linear, Sequential, shuffledIndices } from '@webgrad/nn';
import { arange, randn, relu, type Tensor, TensorError } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('Sequential', () => {
  it('applies its steps in order, with PyTorch parameter names', () => {
    const a = new Linear(3, 4, { seed: 1 });
    const b = new Linear(4, 2, { seed: 2 });
    const net = new Sequential(a, relu, b);
    const x = randn([5, 3], { seed: 3 });
    expect(Array.from(net.forward(x).dataSync())).toEqual(Array.from(b.forward(a.forward(x).relu()).dataSync()));
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(Object.keys(net.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(net.length).toBe(3);
    expect(net.at(-1)).toBe(b);
  });
  it('rejects a step that is neither a Module nor a function', () => {
    expect(() => new Sequential(new Linear(2, 2), 3 as never)).toThrowError(TensorError);
    expect(() => new Sequential(new Linear(2, 2), 3 as never)).toThrowError(/Sequential: step 1 is neither/);
  });
});

describe('numParameters', () => {
  it('counts parameter elements, tied weights once, optionally trainable only', () => {
    expect(new Linear(3, 2).numParameters()).toBe(8);
    expect(new Linear(3, 2, { bias: false }).numParameters()).toBe(6);
    const cfg = { vocabSize: 7, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4, seed: 0 };
    const gpt = new GPT(cfg);
    const want = gpt.parameters().reduce((n, p) => n + p.size, 0);
    expect(gpt.numParameters()).toBe(want);
    gpt.wte.requiresGrad(false);
    expect(gpt.numParameters({ trainableOnly: true })).toBe(want - 7 * 4);
  });
});

describe('batching', () => {
  it('shuffledIndices is a seeded permutation (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.nat(10_000), (n, seed) => {
        const p = shuffledIndices(n, seed);
        expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(shuffledIndices(n, seed)).toEqual(p);
      }),
      { numRuns: 50, seed: 4 },
    );
    expect(shuffledIndices(30, 1)).not.toEqual(shuffledIndices(30, 2));
  });
  it('batchIndices: batchSize, dropLast, no shuffle keeps order', () => {
    expect(batchIndices(5, { batchSize: 2 })).toEqual([[0, 1], [2, 3], [4]]);
    expect(batchIndices(5, { batchSize: 2, dropLast: true })).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(() => batchIndices(5, { batchSize: 0 })).toThrowError(/batchSize must be a positive integer, got 0/);
  });
  it('Batches yields aligned rows; epochs reshuffle; a seed repeats the run', () => {
    const x = arange(10).reshape([10, 1]);
    const y = arange(10).mul(10);
    const epoch = (d: Batches) =>
      [...d].map(([xb, yb]) => [Array.from((xb as Tensor).dataSync()), Array.from((yb as Tensor).dataSync())]);
    const d = new Batches([x, y], { batchSize: 4, shuffle: true, seed: 7 });
    expect(d.length).toBe(3);
    const e0 = epoch(d);
    const e1 = epoch(d);
    for (const [xs, ys] of e0) expect(ys).toEqual((xs as number[]).map((v) => v * 10));
    expect(e0.map(([xs]) => (xs as number[]).length)).toEqual([4, 4, 2]);
    expect(e0.flatMap(([xs]) => xs as number[]).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(e1).not.toEqual(e0);
    const again = new Batches([x, y], { batchSize: 4, shuffle: true, seed: 7 });
    expect([epoch(again), epoch(again)]).toEqual([e0, e1]);
    expect([...new Batches([x], { batchSize: 4, dropLast: true })].length).toBe(2);
  });
  it('rejects tensors of different lengths', () => {
    expect(() => new Batches([arange(3), arange(4)], { batchSize: 2 })).toThrowError(
      /Batches: every tensor needs the same length on axis 0; got \[3\], \[4\]/,
    );
  });
});
