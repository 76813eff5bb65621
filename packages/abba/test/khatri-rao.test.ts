import {
  type AbbaFactors,
  abbaDeltaFused,
  abbaDeltaNaive,
  abbaDeltaPlain,
  abbaDeltaWeight,
  columnKhatriRao,
  rowKhatriRao,
} from '@webgrad/abba';
import { gradcheck, gradgradcheck } from '@webgrad/autograd';
import { randn, svd, type Tensor, tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f64 = (shape: number[], seed: number) => randn(shape, { dtype: 'float64', seed });

function factors(m: number, n: number, r1: number, r2: number, seed: number): AbbaFactors {
  return { b1: f64([m, r1], seed), a1: f64([r1, n], seed + 1), b2: f64([m, r2], seed + 2), a2: f64([r2, n], seed + 3) };
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs((x[i] as number) - (y[i] as number)));
  return d;
}

/** Numerical rank from float64 singular values (tolerance as numpy.linalg.matrix_rank). */
async function rankOf(w: Tensor): Promise<number> {
  const s = Array.from(await (await svd(w)).s.data());
  const tol = (s[0] ?? 0) * Math.max(...w.shape) * 2.2e-16 * 10;
  return s.filter((v) => v > tol).length;
}

const dims = fc.record({
  m: fc.integer({ min: 1, max: 7 }),
  n: fc.integer({ min: 1, max: 7 }),
  r1: fc.integer({ min: 1, max: 3 }),
  r2: fc.integer({ min: 1, max: 3 }),
  N: fc.integer({ min: 1, max: 4 }),
  seed: fc.nat(10_000),
});

describe('Khatri-Rao products', () => {
  it('rowKhatriRao and columnKhatriRao follow their index definitions', () => {
    const p = tensor([
      [1, 2],
      [3, 4],
    ]);
    const q = tensor([
      [5, 6, 7],
      [8, 9, 10],
    ]);
    expect(rowKhatriRao(p, q).arraySync()).toEqual([
      [5, 6, 7, 10, 12, 14],
      [24, 27, 30, 32, 36, 40],
    ]);
    expect(columnKhatriRao(p.mT, q.mT).arraySync()).toEqual(rowKhatriRao(p, q).mT.arraySync());
    expect(() => rowKhatriRao(p, tensor([[1]]))).toThrowError(/row counts differ/);
  });

  it('(B1 A1) ⊙ (B2 A2) = B_kr A_kr, and all three forwards agree (property)', () => {
    fc.assert(
      fc.property(dims, ({ m, n, r1, r2, N, seed }) => {
        const f = factors(m, n, r1, r2, seed);
        const hadamard = f.b1.matmul(f.a1).mul(f.b2.matmul(f.a2));
        const kr = rowKhatriRao(f.b1, f.b2).matmul(columnKhatriRao(f.a1, f.a2));
        expect(maxAbsDiff(kr, hadamard)).toBeLessThan(1e-12);
        const x = f64([N, n], seed + 9);
        const s = 0.7;
        const naive = abbaDeltaNaive(x, f, s);
        expect(maxAbsDiff(abbaDeltaPlain(x, f, s), naive)).toBeLessThan(1e-11);
        expect(maxAbsDiff(abbaDeltaFused(x, f, s), naive)).toBeLessThan(1e-11);
      }),
      { numRuns: 40, seed: 1 },
    );
  });

  it('rank(dW) <= r1 r2 and equals min(r1 r2, m, n) for random factors (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          m: fc.integer({ min: 1, max: 10 }),
          n: fc.integer({ min: 1, max: 10 }),
          r1: fc.integer({ min: 1, max: 3 }),
          r2: fc.integer({ min: 1, max: 3 }),
          seed: fc.nat(10_000),
        }),
        async ({ m, n, r1, r2, seed }) => {
          const rank = await rankOf(abbaDeltaWeight(factors(m, n, r1, r2, seed), 1));
          expect(rank).toBeLessThanOrEqual(r1 * r2);
          expect(rank).toBe(Math.min(r1 * r2, m, n));
        },
      ),
      { numRuns: 25, seed: 2 },
    );
  });

  it('shape mismatches are named', () => {
    const f = factors(4, 5, 2, 3, 0);
    expect(() => abbaDeltaFused(f64([2, 6], 1), f, 1)).toThrowError(/x \[2, 6\] must be \[N, 5\]/);
    expect(() => abbaDeltaWeight({ ...f, a2: f64([2, 5], 1) }, 1)).toThrowError(/A2 has 2 rows but B2 has 3 columns/);
  });
});

describe('fused Khatri-Rao op gradients (float64 gradcheck)', () => {
  it('passes gradcheck for x and all four factors at random shapes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(dims, async ({ m, n, r1, r2, N, seed }) => {
        const f = factors(m, n, r1, r2, seed);
        const x = f64([N, n], seed + 9);
        const op = (xx: Tensor, b1: Tensor, a1: Tensor, b2: Tensor, a2: Tensor) =>
          abbaDeltaFused(xx, { b1, a1, b2, a2 }, 0.6);
        const report = await gradcheck(op, [x, f.b1, f.a1, f.b2, f.a2]);
        expect(report.ok, report.message).toBe(true);
      }),
      { numRuns: 12, seed: 3 },
    );
  });

  it('fused and plain gradients agree, and the fused backward is itself differentiable', async () => {
    const f = factors(5, 4, 2, 3, 11);
    const x = f64([3, 4], 12);
    const op = (impl: typeof abbaDeltaFused) => (xx: Tensor, b1: Tensor, a1: Tensor, b2: Tensor, a2: Tensor) =>
      impl(xx, { b1, a1, b2, a2 }, 1.3).square().sum();
    const plain = await gradcheck(op(abbaDeltaPlain), [x, f.b1, f.a1, f.b2, f.a2]);
    expect(plain.ok, plain.message).toBe(true);
    const gg = await gradgradcheck(op(abbaDeltaFused), [x, f.b1, f.a1, f.b2, f.a2], { fastMode: true });
    expect(gg.ok, gg.message).toBe(true);
  });
});
