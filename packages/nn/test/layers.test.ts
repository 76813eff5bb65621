import {
  calculateGain,
  Dropout,
  Embedding,
  kaimingNormal,
  kaimingUniform,
  LayerNorm,
  Linear,
  MLP,
  RMSNorm,
  xavierNormal,
  xavierUniform,
} from '@webgrad/nn';
import { randn, type Tensor, tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const rows = (t: Tensor) => t.arraySync() as number[][];

describe('Linear', () => {
  it('matches x W^T + b computed by hand, for 2-d and 3-d inputs', () => {
    const lin = new Linear(3, 2, { seed: 4, dtype: 'float64' });
    const W = rows(lin.weight);
    const b = lin.bias?.arraySync() as number[];
    const x = randn([2, 4, 3], { seed: 5, dtype: 'float64' });
    const X = x.arraySync() as number[][][];
    const Y = lin.forward(x).arraySync() as number[][][];
    for (const [i, plane] of X.entries())
      for (const [j, row] of plane.entries())
        for (const [o, w] of W.entries()) {
          const ref = row.reduce((s, v, k) => s + v * (w[k] as number), b[o] as number);
          expect(Y[i]?.[j]?.[o]).toBeCloseTo(ref, 12);
        }
    expect(lin.forward(x.reshape([8, 3])).shape).toEqual([8, 2]);
    expect(() => lin.forward(randn([2, 4]))).toThrowError(/Linear\(3, 2\): input \[2, 4\] must end in 3/);
  });

  it('initialises both tensors in U(-1/sqrt(in), 1/sqrt(in)) and is reproducible by seed', () => {
    const a = new Linear(16, 64, { seed: 9 });
    const bound = 1 / 4;
    for (const t of [a.weight, a.bias as Tensor]) {
      const d = Array.from(t.dataSync());
      expect(Math.max(...d.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...d.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    }
    expect(new Linear(16, 64, { seed: 9 }).weight.arraySync()).toEqual(a.weight.arraySync());
    expect(new Linear(16, 64, { seed: 10 }).weight.arraySync()).not.toEqual(a.weight.arraySync());
  });
});

describe('initialisers follow PyTorch formulas', () => {
  const stats = (t: Tensor) => {
    const d = Array.from(t.dataSync());
    const m = d.reduce((a, b) => a + b, 0) / d.length;
    return {
      mean: m,
      std: Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length),
      max: Math.max(...d.map(Math.abs)),
    };
  };
  it('gains, bounds and standard deviations', () => {
    expect(calculateGain('leakyRelu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    const shape = [200, 100, 3]; // fanIn 300, fanOut 600
    const ku = stats(kaimingUniform(shape, { nonlinearity: 'relu', seed: 1 }));
    expect(ku.max).toBeLessThanOrEqual(Math.sqrt(2) * Math.sqrt(3 / 300));
    expect(ku.std).toBeCloseTo(Math.sqrt(2 / 300), 2);
    expect(stats(kaimingNormal(shape, { mode: 'fanOut', nonlinearity: 'relu', seed: 2 })).std).toBeCloseTo(
      Math.sqrt(2 / 600),
      2,
    );
    expect(stats(xavierUniform(shape, { seed: 3 })).max).toBeLessThanOrEqual(Math.sqrt(6 / 900));
    expect(stats(xavierNormal(shape, { gain: 2, seed: 4 })).std).toBeCloseTo(2 * Math.sqrt(2 / 900), 2);
  });
});

describe('LayerNorm and RMSNorm', () => {
  it('LayerNorm rows have zero mean and unit variance (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 16 }), fc.integer({ min: 1, max: 4 }), fc.nat(1000), (d, n, seed) => {
        const x = randn([n, d], { seed, dtype: 'float64', std: 3, mean: 2 });
        for (const r of rows(new LayerNorm(d, { dtype: 'float64', eps: 0 }).forward(x))) {
          const m = r.reduce((a, b) => a + b, 0) / d;
          expect(m).toBeCloseTo(0, 9);
          expect(r.reduce((a, b) => a + (b - m) ** 2, 0) / d).toBeCloseTo(1, 9);
        }
      }),
      { numRuns: 30, seed: 1 },
    );
  });

  it('applies weight and bias, and RMSNorm divides by the root mean square', () => {
    const ln = new LayerNorm(2, { dtype: 'float64', eps: 0 });
    ln.weight?.assign(tensor([2, 3], { dtype: 'float64' }));
    ln.bias?.assign(tensor([1, -1], { dtype: 'float64' }));
    expect(rows(ln.forward(tensor([[1, 3]], { dtype: 'float64' })))).toEqual([[-1, 2]]);
    const rms = new RMSNorm(2, { dtype: 'float64', eps: 0 });
    const y = rows(rms.forward(tensor([[3, 4]], { dtype: 'float64' })))[0] as number[];
    const r = Math.sqrt(12.5);
    expect(y[0]).toBeCloseTo(3 / r, 14);
    expect(y[1]).toBeCloseTo(4 / r, 14);
    expect(() => ln.forward(randn([2, 3]))).toThrowError(/LayerNorm: input \[2, 3\] must end in \[2\]/);
  });
});

describe('Embedding, Dropout, MLP', () => {
  it('Embedding looks rows up by int32 id', () => {
    const e = new Embedding(4, 3, { seed: 1 });
    const W = rows(e.weight);
    expect(e.forward(tensor([[2, 0]], { dtype: 'int32' })).arraySync()).toEqual([[W[2], W[0]]]);
    expect(() => e.forward(tensor([1]))).toThrowError(/ids must be int32, got float32/);
  });

  it('Dropout: inverted scaling, seeded masks, identity in eval', () => {
    const x = randn([1000], { seed: 2 });
    const xs = Array.from(x.dataSync());
    const d = new Dropout(0.25, { seed: 7 });
    const y = Array.from(d.forward(x).dataSync());
    const kept = y.filter((v, i) => v !== 0 || xs[i] === 0).length;
    expect(kept / 1000).toBeGreaterThan(0.7);
    expect(kept / 1000).toBeLessThan(0.8);
    y.forEach((v, i) => {
      if (v !== 0) expect(v).toBeCloseTo((xs[i] as number) / 0.75, 5);
    });
    const again = Array.from(new Dropout(0.25, { seed: 7 }).forward(x).dataSync());
    expect(again).toEqual(y);
    expect(Array.from(d.forward(x).dataSync())).not.toEqual(y); // the next call draws a new mask
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(() => new Dropout(1.5)).toThrowError(/p must be in \[0, 1\]/);
  });

  it('MLP is cProj(gelu(cFc(x))) with a 4x hidden layer', () => {
    const m = new MLP(3, { seed: 1, dtype: 'float64' });
    expect(m.cFc.weight.shape).toEqual([12, 3]);
    const x = randn([2, 3], { seed: 1, dtype: 'float64' });
    const ref = m.cProj.forward(m.cFc.forward(x).gelu());
    expect(m.forward(x).arraySync()).toEqual(ref.arraySync());
  });
});
