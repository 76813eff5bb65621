import { crossEntropy, mseLoss } from '@webgrad/nn';
import { randint, randn, type Tensor, tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Reference: -log softmax(row)[t] in float64, straight from the definition. */
function nll(row: number[], t: number): number {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return lse - (row[t] as number);
}
const logp = (row: number[]) => row.map((_, c) => -nll(row, c));

describe('crossEntropy', () => {
  it('equals -logSoftmax picked at the target, averaged (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 7 }), fc.nat(10_000), (n, c, seed) => {
        const logits = randn([n, c], { seed, dtype: 'float64', std: 4 });
        const targets = randint(0, c, [n], { seed: seed + 1 });
        const L = logits.arraySync() as number[][];
        const T = Array.from(targets.dataSync());
        const per = L.map((r, i) => nll(r, T[i] as number));
        expect(crossEntropy(logits, targets).dataSync()[0]).toBeCloseTo(per.reduce((a, b) => a + b, 0) / n, 10);
        expect(crossEntropy(logits, targets, { reduction: 'sum' }).dataSync()[0]).toBeCloseTo(
          per.reduce((a, b) => a + b, 0),
          10,
        );
        Array.from(crossEntropy(logits, targets, { reduction: 'none' }).dataSync()).forEach((v, i) => {
          expect(v).toBeCloseTo(per[i] as number, 10);
        });
      }),
      { numRuns: 40, seed: 3 },
    );
  });

  it('accepts [B, T, C] logits with [B, T] targets; ignoreIndex drops rows from the mean', () => {
    const logits = randn([2, 3, 4], { seed: 1, dtype: 'float64' });
    const targets = tensor(
      [
        [1, -100, 3],
        [0, 2, -100],
      ],
      { dtype: 'int32' },
    );
    const L = (logits.arraySync() as number[][][]).flat();
    const T = [1, -100, 3, 0, 2, -100];
    const kept = T.flatMap((t, i) => (t === -100 ? [] : [nll(L[i] as number[], t)]));
    expect(crossEntropy(logits, targets).dataSync()[0]).toBeCloseTo(kept.reduce((a, b) => a + b, 0) / 4, 12);
    const none = crossEntropy(logits, targets, { reduction: 'none' });
    expect(none.shape).toEqual([2, 3]);
    expect((none.arraySync() as number[][])[0]?.[1]).toBe(0);
    const custom = crossEntropy(
      logits,
      tensor(
        [
          [1, 7, 3],
          [0, 2, 7],
        ],
        { dtype: 'int32' },
      ),
      { ignoreIndex: 7 },
    );
    expect(custom.dataSync()[0]).toBeCloseTo(kept.reduce((a, b) => a + b, 0) / 4, 12);
    const allIgnored = crossEntropy(
      logits,
      tensor(
        [
          [-100, -100, -100],
          [-100, -100, -100],
        ],
        { dtype: 'int32' },
      ),
    );
    expect(Number.isNaN(allIgnored.dataSync()[0])).toBe(true); // 0 / 0, as PyTorch
  });

  it('label smoothing mixes in the uniform target: (1 - e) nll + e mean_c(-logp)', () => {
    const logits = randn([3, 5], { seed: 8, dtype: 'float64' });
    const targets = tensor([4, 0, -100], { dtype: 'int32' });
    const L = logits.arraySync() as number[][];
    const e = 0.1;
    const per = [0, 1].map((i) => {
      const r = L[i] as number[];
      const smooth = -logp(r).reduce((a, b) => a + b, 0) / 5;
      return (1 - e) * nll(r, [4, 0][i] as number) + e * smooth;
    });
    const got = crossEntropy(logits, targets, { labelSmoothing: e }).dataSync()[0];
    expect(got).toBeCloseTo(((per[0] as number) + (per[1] as number)) / 2, 12);
  });

  it('is stable for huge logits and rejects bad input clearly', () => {
    const big = tensor([[1000, 0, -1000]]);
    expect(crossEntropy(big, tensor([0], { dtype: 'int32' })).dataSync()[0]).toBe(0);
    expect(crossEntropy(big, tensor([1], { dtype: 'int32' })).dataSync()[0]).toBeCloseTo(1000, 3);
    expect(() => crossEntropy(big, tensor([0]))).toThrowError(/targets must be int32, got float32/);
    expect(() => crossEntropy(big, tensor([3], { dtype: 'int32' }))).toThrowError(
      /crossEntropy: target 3 at 0 is out of range for 3 classes/,
    );
    expect(() => crossEntropy(big, tensor([0, 1], { dtype: 'int32' }))).toThrowError(
      /logits \[1, 3\] need targets \[1\], got \[2\]/,
    );
    expect(() => crossEntropy(big, tensor([0], { dtype: 'int32' }), { reduction: 'avg' as 'mean' })).toThrowError(
      /reduction must be/,
    );
  });
});

describe('mseLoss', () => {
  it('is the mean (or sum) of squared differences', () => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    );
    const b = tensor(
      [
        [0, 2],
        [5, 1],
      ],
      { dtype: 'float64' },
    );
    expect(mseLoss(a, b).dataSync()[0]).toBe((1 + 0 + 4 + 9) / 4);
    expect(mseLoss(a, b, { reduction: 'sum' }).dataSync()[0]).toBe(14);
    expect((mseLoss(a, b, { reduction: 'none' }) as Tensor).arraySync()).toEqual([
      [1, 0],
      [4, 9],
    ]);
    expect(() => mseLoss(a, tensor([1, 2]))).toThrowError(/mseLoss: input \[2, 2\] and target \[2\]/);
  });
});
