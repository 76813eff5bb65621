import { ABBALinear, type AdapterLayer, HiRALinear, LoRALinear, resolveConfig, scalingOf } from '@webgrad/abba';
import { backward } from '@webgrad/autograd';
import { Linear } from '@webgrad/nn';
import { randn, svd, type Tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f64 = { dtype: 'float64' as const };

function maxAbs(t: Tensor): number {
  return Array.from(t.dataSync()).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function frob(t: Tensor): number {
  return Math.sqrt(Array.from(t.dataSync()).reduce((s, v) => s + v * v, 0));
}

/** Gives the adapter factors random values, so that dW != 0. */
function randomize(layer: AdapterLayer, seed: number): void {
  for (const [i, [, t]] of layer.adapterTensors().entries()) t.assign(randn(t.shape, { ...f64, seed: seed + i }));
}

async function makeLayer(method: 'abba' | 'lora' | 'hira', m: number, n: number, seed: number): Promise<AdapterLayer> {
  const base = new Linear(n, m, { ...f64, seed });
  if (method === 'lora') return new LoRALinear(base, { r: 2, alpha: 3, seed });
  if (method === 'hira') return new HiRALinear(base, { r: 2, alpha: 3, seed });
  return ABBALinear.create(base, { r1: 2, r2: 2, alpha: 3, seed });
}

const shapes = fc.record({
  method: fc.constantFrom('abba' as const, 'lora' as const, 'hira' as const),
  m: fc.integer({ min: 2, max: 9 }),
  n: fc.integer({ min: 2, max: 9 }),
  seed: fc.nat(10_000),
});

describe('adapter layers', () => {
  it('dW = 0 at initialisation and forward equals the base layer, for every method (property)', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async ({ method, m, n, seed }) => {
        const layer = await makeLayer(method, m, n, seed);
        expect(maxAbs(layer.deltaWeight())).toBe(0);
        const x = randn([3, n], { ...f64, seed: seed + 7 });
        expect(layer.forward(x).dataSync()).toEqual(layer.base.forward(x).dataSync());
      }),
      { numRuns: 20, seed: 4 },
    );
  });

  it('ABBA parameter count is (r1 + r2)(m + n) (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        (m, n, r1, r2) => {
          const layer = new ABBALinear(new Linear(n, m, { seed: 0 }), { r1, r2, seed: 0 });
          expect(layer.adapterParameterCount()).toBe((r1 + r2) * (m + n));
          expect(layer.namedParameters().filter(([, p]) => p.requiresGrad).length).toBe(4);
        },
      ),
      { numRuns: 30, seed: 5 },
    );
  });

  it('SVD init: B1 A1 is the best rank-r1 approximation of W0 (Eckart-Young error)', async () => {
    for (const [m, n, r1, seed] of [
      [12, 9, 3, 1],
      [7, 15, 4, 2],
      [10, 10, 1, 3],
    ] as const) {
      const layer = await ABBALinear.create(new Linear(n, m, { ...f64, seed }), { r1, r2: 2, seed });
      const w0 = layer.base.weight;
      const s = Array.from((await svd(w0)).s.dataSync());
      const optimal = Math.sqrt(s.slice(r1).reduce((a, v) => a + v * v, 0));
      const err = frob(w0.sub(layer.loraB1.matmul(layer.loraA1)));
      expect(err).toBeGreaterThanOrEqual(optimal * (1 - 1e-9));
      expect(err).toBeLessThanOrEqual(optimal * (1 + 1e-6));
      // B1 = U sqrt(S), A1 = sqrt(S) V^T: the two halves carry equal singular values.
      const colNorms = frob(layer.loraB1) ** 2;
      const rowNorms = frob(layer.loraA1) ** 2;
      expect(Math.abs(colNorms - rowNorms)).toBeLessThan(1e-9 * colNorms);
    }
  });

  it('merged forward equals adapter forward, and unmerge restores W0 bit-exactly (property)', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, async ({ method, m, n, seed }) => {
        const layer = await makeLayer(method, m, n, seed);
        randomize(layer, seed + 100);
        const w0 = Array.from(layer.base.weight.dataSync());
        const x = randn([4, n], { ...f64, seed: seed + 9 });
        const adapted = layer.forward(x);
        layer.eval(); // merged forward is for inference
        layer.merge();
        expect(layer.merged).toBe(true);
        const merged = layer.forward(x);
        const scale = maxAbs(adapted) + 1;
        expect(maxAbs(merged.sub(adapted))).toBeLessThan(1e-12 * scale);
        layer.merge(); // idempotent
        layer.unmerge();
        expect(layer.merged).toBe(false);
        expect(Array.from(layer.base.weight.dataSync())).toEqual(w0);
        expect(layer.forward(x).dataSync()).toEqual(adapted.dataSync());
      }),
      { numRuns: 20, seed: 6 },
    );
  });

  it('gradients reach only the adapter parameters', async () => {
    const layer = await makeLayer('abba', 6, 5, 3);
    randomize(layer, 50);
    backward(
      layer
        .forward(randn([4, 5], { ...f64, seed: 1 }))
        .square()
        .sum(),
    );
    expect(layer.base.weight.grad).toBeUndefined();
    expect(layer.base.bias?.grad).toBeUndefined();
    for (const [, t] of layer.adapterTensors()) expect(t.grad?.shape).toEqual(t.shape);
  });

  it('all ABBA implementations give the same forward and gradients', async () => {
    const grads: number[][][] = [];
    for (const impl of ['fused', 'plain', 'naive'] as const) {
      const layer = new ABBALinear(new Linear(7, 6, { ...f64, seed: 1 }), { r1: 2, r2: 3, impl, seed: 2 });
      randomize(layer, 70);
      const y = layer.forward(randn([2, 3, 7], { ...f64, seed: 3 }));
      expect(y.shape).toEqual([2, 3, 6]);
      backward(y.square().sum());
      grads.push(layer.adapterTensors().map(([, t]) => Array.from(t.grad?.dataSync() ?? [])));
    }
    for (const g of grads.slice(1))
      g.forEach((vs, i) => {
        vs.forEach((v, j) => {
          expect(Math.abs(v - (grads[0]?.[i]?.[j] as number))).toBeLessThan(1e-10 * (1 + Math.abs(v)));
        });
      });
  });
});

describe('scaling conventions', () => {
  const base = { targetModules: 'q' };
  it('ABBA: alpha / sqrt(r1 r2) by default; the released code: sqrt(alpha1) sqrt(alpha2)', () => {
    expect(scalingOf(resolveConfig({ ...base, method: 'abba', r1: 4, r2: 9, alpha: 12 }))).toBe(2);
    expect(
      scalingOf(resolveConfig({ ...base, method: 'abba', r1: 4, r2: 9, alpha: 4, alpha2: 9, scaling: 'authors' })),
    ).toBe(6);
    // The mapping: alpha = sqrt(alpha1 alpha2 r1 r2) gives the same s.
    const authors = scalingOf(
      resolveConfig({ ...base, method: 'abba', r1: 2, r2: 8, alpha: 3, alpha2: 5, scaling: 'authors' }),
    );
    const rank = scalingOf(resolveConfig({ ...base, method: 'abba', r1: 2, r2: 8, alpha: Math.sqrt(3 * 5 * 2 * 8) }));
    expect(Math.abs(authors - rank)).toBeLessThan(1e-12);
    expect(resolveConfig({ ...base, method: 'abba', r: 32 })).toMatchObject({ r1: 16, r2: 16 });
  });

  it('LoRA: alpha / r, rsLoRA alpha / sqrt(r); defaults give s = 1', () => {
    expect(scalingOf(resolveConfig({ ...base, method: 'lora', r: 16, alpha: 32 }))).toBe(2);
    expect(scalingOf(resolveConfig({ ...base, method: 'lora', r: 16, alpha: 32, useRsLora: true }))).toBe(8);
    for (const method of ['abba', 'lora', 'hira'] as const)
      expect(scalingOf(resolveConfig({ ...base, method, r: 8 }))).toBe(1);
  });

  it('bad configs name the field', () => {
    expect(() => resolveConfig({ ...base, method: 'abba', r: 7 })).toThrowError(/even r/);
    expect(() => resolveConfig({ ...base, method: 'lora', r: 0 })).toThrowError(/r must be a positive integer, got 0/);
    expect(() => resolveConfig({ ...base, method: 'dora' as 'lora' })).toThrowError(/method must be one of/);
    expect(() => resolveConfig({ method: 'lora', targetModules: [] })).toThrowError(/targetModules/);
    expect(() => resolveConfig({ ...base, method: 'lora', dropout: 1 })).toThrowError(/dropout must be in \[0, 1\)/);
  });
});
