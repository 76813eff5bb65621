/**
 * Singular value decompositions on the CPU in float64 (not differentiable; used to initialise
 * adapters such as ABBA / HiRA from a pretrained weight): a thin SVD by one-sided Jacobi, and a
 * randomised low-rank SVD by the range finder of Halko, Martinsson & Tropp (2011), Alg. 4.4
 * (randomised subspace iteration) followed by Alg. 5.1 (direct SVD of the small projection).
 */
import { fromValues } from '../dispatch.js';
import { type DType, isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { nextSeed, normalAt } from '../random.js';
import type { Tensor } from '../tensor.js';
import { readData } from './io.js';
import { type Columns, jacobiSvd, mulW, mulWt, orthonormalize } from './svd-dense.js';

/** A (truncated) singular value decomposition w = u diag(s) v^T. */
export interface SvdResult {
  /** [m, k] left singular vectors (orthonormal columns). */
  u: Tensor;
  /** [k] singular values, descending. */
  s: Tensor;
  /** [n, k] right singular vectors (orthonormal columns): w ≈ u diag(s) v^T. */
  v: Tensor;
}

/** Options of `svdLowRank` (randomised subspace iteration). */
export interface SvdLowRankOptions {
  /** Power (subspace) iterations; each sharpens a slowly decaying spectrum. Default 2. */
  niter?: number;
  /** Seed of the Gaussian test matrix; omitted: the next seed of `manualSeed`'s sequence. */
  seed?: number;
  /** Extra sample columns beyond q (Halko et al. §4.2 recommend 5 to 10); clamped to min(m, n). Default 5. */
  oversample?: number;
}

/** Standard normal columns from a counter-based stream (reproducible for a seed). */
function gaussianColumns(seed: number, rows: number, count: number, start = 0): Columns {
  return Array.from({ length: count }, (_, j) => {
    const col = new Float64Array(rows);
    for (let i = 0; i < rows; i++) col[i] = normalAt(seed, (start + j) * rows + i);
    return col;
  });
}

async function readMatrix(op: string, w: Tensor): Promise<{ data: Float64Array; m: number; n: number }> {
  if (w.ndim !== 2) fail('shape', op, `expects a 2-d matrix, got ${fmtShape(w.shape)}`);
  const [m, n] = w.shape as [number, number];
  if (m === 0 || n === 0) fail('shape', op, `expects a non-empty matrix, got ${fmtShape(w.shape)}`);
  return { data: Float64Array.from(await readData(w)), m, n };
}

/** Packs columns into a row-major [rows, count] tensor of `w`'s float dtype on its device. */
function toTensor(w: Tensor, cols: Columns, rows: number, count: number): Tensor {
  const out = new Float64Array(rows * count);
  for (let j = 0; j < count; j++) {
    const col = cols[j] as Float64Array;
    for (let i = 0; i < rows; i++) out[i * count + j] = col[i] as number;
  }
  return fromValues(w.device, outDtype(w), [rows, count], out);
}

const outDtype = (w: Tensor): DType => (isFloat(w.dtype) ? w.dtype : 'float32');

function packResult(w: Tensor, u: Columns, s: readonly number[], v: Columns, k: number): SvdResult {
  const [m, n] = w.shape as [number, number];
  return {
    u: toTensor(w, u, m, k),
    s: fromValues(w.device, outDtype(w), [k], Float64Array.from(s.slice(0, k))),
    v: toTensor(w, v, n, k),
  };
}

/** Columns of a row-major [m, n] matrix, or of its transpose. */
function columnsOf(data: Float64Array, m: number, n: number, transpose: boolean): Columns {
  const [rows, count] = transpose ? [n, m] : [m, n];
  return Array.from({ length: count }, (_, j) => {
    const col = new Float64Array(rows);
    for (let i = 0; i < rows; i++) col[i] = data[transpose ? j * n + i : i * n + j] as number;
    return col;
  });
}

/**
 * Thin SVD, w = u diag(s) v^T with k = min(m, n), by one-sided Jacobi in float64 (accurate to
 * rounding, O(k^2 max(m, n)) per sweep: meant for matrices up to a few hundred on a side).
 * @example
 *   const { u, s, v } = await svd(tensor([[3, 0], [0, 4]]));
 *   await s.array(); // [4, 3]
 */
export async function svd(w: Tensor): Promise<SvdResult> {
  const { data, m, n } = await readMatrix('svd', w);
  // Jacobi orthogonalises the columns of a tall matrix: use w^T when w is wide (then u and v swap).
  const wide = m < n;
  const seed = 0x5eed;
  const r = jacobiSvd(columnsOf(data, m, n, wide), (i) => gaussianColumns(seed, wide ? n : m, 1, i)[0] as Float64Array);
  const k = Math.min(m, n);
  return wide ? packResult(w, r.v, r.s, r.u, k) : packResult(w, r.u, r.s, r.v, k);
}

/**
 * Rank-q approximate SVD by randomised subspace iteration (Halko, Martinsson & Tropp 2011,
 * Alg. 4.4 with `niter` power iterations, each step re-orthonormalised, then Alg. 5.1):
 *   Y = W Ω (Ω Gaussian, n x l, l = q + oversample);  Q = orth(Y)
 *   repeat niter: Q = orth(W (orth(W^T Q)))
 *   B = Q^T W (l x n);  B = Û Σ V^T (Jacobi);  U = Q Û;  keep the top q.
 * Exact when rank(w) <= l; otherwise the error is near the optimal sqrt(Σ_{i>q} σ_i²) and
 * approaches it as niter grows. Reads w once; results are in w's dtype on w's device.
 * @example
 *   const { u, s, v } = await svdLowRank(weight, 8, { niter: 2, seed: 0 });
 *   u.shape; // [out, 8]
 */
export async function svdLowRank(w: Tensor, q: number, options: SvdLowRankOptions = {}): Promise<SvdResult> {
  const { data, m, n } = await readMatrix('svdLowRank', w);
  const k = Math.min(m, n);
  if (!Number.isInteger(q) || q < 1 || q > k)
    fail('value', 'svdLowRank', `rank q must be an integer in [1, ${k}] for ${fmtShape(w.shape)}, got ${q}`);
  const { niter = 2, seed = nextSeed(), oversample = 5 } = options;
  if (!Number.isInteger(niter) || niter < 0) fail('value', 'svdLowRank', `niter must be an integer >= 0, got ${niter}`);
  const l = Math.min(k, q + Math.max(0, Math.floor(oversample)));
  // Fresh directions for rank-deficient steps come from the same seeded stream, past Ω.
  const freshM = (i: number) => gaussianColumns(seed, m, 1, l + 1 + i)[0] as Float64Array;
  const freshN = (i: number) => gaussianColumns(seed ^ 0x9e3779b9, n, 1, i)[0] as Float64Array;
  let qm = orthonormalize(mulW(data, m, n, gaussianColumns(seed, n, l)), freshM);
  for (let it = 0; it < niter; it++) {
    const z = orthonormalize(mulWt(data, m, n, qm), freshN);
    qm = orthonormalize(mulW(data, m, n, z), freshM);
  }
  // B^T = W^T Q is n x l (tall): its Jacobi SVD B^T = P Σ R^T gives B = R Σ P^T, so v = P, u = Q R.
  const bt = mulWt(data, m, n, qm);
  const r = jacobiSvd(bt, freshN);
  const u = r.v.map((rc) => {
    const col = new Float64Array(m);
    for (let j = 0; j < l; j++) {
      const c = rc[j] as number;
      const qj = qm[j] as Float64Array;
      for (let i = 0; i < m; i++) col[i] = (col[i] as number) + c * (qj[i] as number);
    }
    return col;
  });
  return packResult(w, u, r.s, r.u, q);
}
