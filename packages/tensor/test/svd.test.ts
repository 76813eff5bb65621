/**
 * svd / svdLowRank against independent laws: exact reconstruction of exactly low-rank matrices,
 * orthonormal factors, singular values equal to the square roots of the eigenvalues of W^T W
 * (from a two-sided Jacobi eigen-solver written here), and Eckart-Young: the error of the best
 * rank-q approximation in Frobenius norm is sqrt(sum of the remaining σ_i²).
 */

import { svd, svdLowRank, type Tensor, TensorError, tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Mat = number[][];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}
const randMat = (m: number, n: number, seed: number): Mat => {
  const r = rng(seed);
  return Array.from({ length: m }, () => Array.from({ length: n }, r));
};
const mul = (a: Mat, b: Mat): Mat =>
  a.map((row) =>
    (b[0] as number[]).map((_, j) => row.reduce((s, x, k) => s + x * ((b[k] as number[])[j] as number), 0)),
  );
const transpose = (a: Mat): Mat => (a[0] as number[]).map((_, j) => a.map((row) => row[j] as number));
const frob = (a: Mat): number => Math.sqrt(a.flat().reduce((s, x) => s + x * x, 0));
const sub = (a: Mat, b: Mat): Mat => a.map((row, i) => row.map((x, j) => x - ((b[i] as number[])[j] as number)));

/** Orthonormal columns by classical Gram-Schmidt twice (test-side, independent of the library). */
function orthonormalColumns(m: number, k: number, seed: number): Mat {
  const cols = transpose(randMat(m, k, seed));
  const done: number[][] = [];
  for (const c of cols) {
    for (let pass = 0; pass < 2; pass++)
      for (const d of done) {
        const p = c.reduce((s, x, i) => s + x * (d[i] as number), 0);
        for (let i = 0; i < m; i++) c[i] = (c[i] as number) - p * (d[i] as number);
      }
    const n = Math.hypot(...c);
    done.push(c.map((x) => x / n));
  }
  return transpose(done);
}

/** Eigenvalues of a symmetric matrix by cyclic two-sided Jacobi (Golub & Van Loan §8.5). */
function symmetricEigenvalues(a0: Mat): number[] {
  const a = a0.map((r) => [...r]);
  const n = a.length;
  const at = (i: number, j: number) => (a[i] as number[])[j] as number;
  const set = (i: number, j: number, v: number) => {
    (a[i] as number[])[j] = v;
  };
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += at(p, q) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (at(p, q) === 0) continue;
        const theta = (at(q, q) - at(p, p)) / (2 * at(p, q));
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [at(k, p), at(k, q)];
          set(k, p, c * akp - s * akq);
          set(k, q, s * akp + c * akq);
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [at(p, k), at(q, k)];
          set(p, k, c * apk - s * aqk);
          set(q, k, s * apk + c * aqk);
        }
      }
  }
  return a.map((_, i) => at(i, i)).sort((x, y) => y - x);
}

const arr = (t: Tensor) => t.arraySync() as Mat;
const vec = (t: Tensor) => t.arraySync() as number[];
const f64 = (a: Mat) => tensor(a, { dtype: 'float64' });

function reconstruct(u: Tensor, s: Tensor, v: Tensor): Mat {
  const sv = vec(s);
  return mul(
    arr(u).map((row) => row.map((x, j) => x * (sv[j] as number))),
    transpose(arr(v)),
  );
}

function expectOrthonormal(q: Mat, tol: number): void {
  const g = mul(transpose(q), q);
  g.forEach((row, i) => {
    row.forEach((x, j) => {
      expect(Math.abs(x - (i === j ? 1 : 0))).toBeLessThan(tol);
    });
  });
}

const dims = fc.tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 14 }));

describe('svd (one-sided Jacobi)', () => {
  it('w = u diag(s) v^T with orthonormal u, v and s = sqrt(eig(W^T W)), tall and wide', async () => {
    await fc.assert(
      fc.asyncProperty(dims, fc.integer(), async ([m, n], seed) => {
        const w = randMat(m, n, seed);
        const { u, s, v } = await svd(f64(w));
        const k = Math.min(m, n);
        expect([u.shape, s.shape, v.shape]).toEqual([[m, k], [k], [n, k]]);
        expect(frob(sub(reconstruct(u, s, v), w))).toBeLessThan(1e-12 * Math.max(1, frob(w)));
        expectOrthonormal(arr(u), 1e-12);
        expectOrthonormal(arr(v), 1e-12);
        // Eigenvalues of the smaller Gram matrix are the squared singular values.
        const gram = m >= n ? mul(transpose(w), w) : mul(w, transpose(w));
        const ref = symmetricEigenvalues(gram).map((e) => Math.sqrt(Math.max(e, 0)));
        vec(s).forEach((x, i) => {
          expect(Math.abs(x - (ref[i] as number))).toBeLessThan(1e-10 * (ref[0] as number) + 1e-14);
        });
        for (let i = 1; i < k; i++) expect(vec(s)[i]).toBeLessThanOrEqual(vec(s)[i - 1] as number);
      }),
      { numRuns: 40 },
    );
  });

  it('completes u for a rank-deficient matrix (zero singular values)', async () => {
    const w = mul(randMat(7, 2, 3), randMat(2, 5, 4)); // rank 2, k = 5
    const { u, s, v } = await svd(f64(w));
    expect(
      vec(s)
        .slice(2)
        .every((x) => x < 1e-12),
    ).toBe(true);
    expectOrthonormal(arr(u), 1e-12);
    expectOrthonormal(arr(v), 1e-12);
    expect(frob(sub(reconstruct(u, s, v), w))).toBeLessThan(1e-12);
  });
});

describe('svdLowRank (randomised range finder)', () => {
  it('recovers an exactly low-rank matrix, also with q above the rank', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 6, max: 30 }),
        fc.integer({ min: 6, max: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer(),
        async (m, n, rank, extra, niter, seed) => {
          const w = mul(randMat(m, rank, seed), randMat(rank, n, seed + 1));
          const q = rank + extra;
          const { u, s, v } = await svdLowRank(f64(w), q, { niter, seed, oversample: 0 });
          expect([u.shape, s.shape, v.shape]).toEqual([[m, q], [q], [n, q]]);
          expect(frob(sub(reconstruct(u, s, v), w))).toBeLessThan(1e-10 * frob(w));
          expectOrthonormal(arr(u), 1e-10);
          expectOrthonormal(arr(v), 1e-10);
          const ref = vec((await svd(f64(w))).s);
          vec(s).forEach((x, i) => {
            expect(Math.abs(x - (ref[i] as number))).toBeLessThan(1e-9 * (ref[0] as number));
          });
        },
      ),
      { numRuns: 30 },
    );
  });

  it('Eckart-Young: the rank-q error is sqrt(sum of the remaining σ²) for a decaying spectrum', async () => {
    for (const [m, n, q, decay] of [
      [40, 30, 5, 0.6],
      [25, 60, 8, 0.7],
      [50, 50, 3, 0.5],
    ] as const) {
      const k = Math.min(m, n);
      const sigma = Array.from({ length: k }, (_, i) => 3 * decay ** i);
      const U0 = orthonormalColumns(m, k, m * 7 + q);
      const V0 = orthonormalColumns(n, k, n * 11 + q);
      const w = mul(
        U0.map((row) => row.map((x, j) => x * (sigma[j] as number))),
        transpose(V0),
      );
      const optimal = Math.sqrt(sigma.slice(q).reduce((a, x) => a + x * x, 0));
      const { u, s, v } = await svdLowRank(f64(w), q, { niter: 2, seed: 42 });
      const err = frob(sub(reconstruct(u, s, v), w));
      expect(err).toBeGreaterThanOrEqual(optimal * (1 - 1e-12)); // no rank-q matrix does better
      expect(err).toBeLessThan(optimal * (1 + 1e-6));
      vec(s).forEach((x, i) => {
        expect(Math.abs(x - (sigma[i] as number))).toBeLessThan(1e-6 * (sigma[i] as number));
      });
      // With no power iteration and no oversampling the range finder is only near-optimal.
      const rough = await svdLowRank(f64(w), q, { niter: 0, oversample: 0, seed: 42 });
      expect(frob(sub(reconstruct(rough.u, rough.s, rough.v), w))).toBeGreaterThan(err);
    }
  });

  it('keeps float32 dtype, is reproducible for a seed, and rejects a bad rank', async () => {
    const w32 = tensor(randMat(12, 9, 5));
    const a = await svdLowRank(w32, 3, { seed: 7 });
    const b = await svdLowRank(w32, 3, { seed: 7 });
    expect([a.u.dtype, a.s.dtype, a.v.dtype]).toEqual(['float32', 'float32', 'float32']);
    expect(a.u.dataSync()).toEqual(b.u.dataSync());
    await expect(svdLowRank(w32, 10)).rejects.toBeInstanceOf(TensorError);
    await expect(svdLowRank(w32, 0)).rejects.toThrow(/rank q/);
    await expect(svd(tensor([1, 2, 3]))).rejects.toBeInstanceOf(TensorError);
  });
});
